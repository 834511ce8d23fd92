// Public surface of the server-certificate PKI and the PKCS#12 signer.
export { PkiServerCertificateVerifier, type PkiVerifierOptions, type VerifierSettings } from './verifier.js';
export { resolveTrustStore, type TrustStore } from './trust-store.js';
export { type RevocationPolicy, type RevocationDecision } from './revocation-policy.js';
export { type CrlCache } from './crl-cache.js';
export { type CrlFetcher } from './crl-fetcher.js';
