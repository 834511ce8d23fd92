// Public surface of the server-certificate PKI and the PKCS#12 signer.
export { PkiServerCertificateVerifier, createServerCertificateVerifier, type PkiVerifierOptions, type VerifierSettings } from './verifier.js';
export { igcSanteTrustStore, loadTrustAnchorsFile, resolveTrustStore, trustStoreFromPem, type TrustStore } from './trust-store.js';
export { DEFAULT_REVOCATION_POLICY, DEFAULT_CRL_GRACE_MS, decideRevocation, type RevocationPolicy, type RevocationDecision } from './revocation-policy.js';
export { DiskCrlCache, MemoryCrlCache, crlCacheDir, type CrlCache } from './crl-cache.js';
export { httpCrlFetcher, CrlUnreachable, type CrlFetcher } from './crl-fetcher.js';
export { Pkcs12Signer } from './pkcs12-signer.js';
