// What our client offers and accepts: exactly the Référentiel socle MSSanté #2 policy
// (src-main/rules/mssante.ts), narrowed where noted.
import { TLS_ALLOWED_SUITES } from '../rules/mssante.js';
import { NamedGroup } from './constants.js';
import { SignatureScheme } from './signer.js';

export interface CipherSuite {
  code: number;
  /** IANA name, as Node's getCipher().standardName */
  standardName: string;
  /** OpenSSL name, as Node's getCipher().name */
  opensslName: string;
  keyLength: 16 | 32;
  /** PRF / Finished hash */
  hash: 'sha256' | 'sha384';
}

/**
 * Only the two AES-GCM suites of ECO.1.1.3 are offered. The two CBC suites of the list
 * (0xC028, 0xC027: MAC-then-encrypt with HMAC-SHA384/256) are deliberately left out: a correct
 * implementation needs a constant-time padding and MAC check (Lucky 13), which `node:crypto`
 * cannot give us without hand-written constant-time code in JavaScript. Every server that offers
 * the CBC suites of the list also offers the GCM ones in practice, and AEAD removes the whole
 * padding-oracle class of attacks.
 */
export const OFFERED_SUITES: readonly CipherSuite[] = [
  {
    code: TLS_ALLOWED_SUITES.ECDHE_RSA_AES256_GCM_SHA384,
    standardName: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    opensslName: 'ECDHE-RSA-AES256-GCM-SHA384',
    keyLength: 32,
    hash: 'sha384',
  },
  {
    code: TLS_ALLOWED_SUITES.ECDHE_RSA_AES128_GCM_SHA256,
    standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    opensslName: 'ECDHE-RSA-AES128-GCM-SHA256',
    keyLength: 16,
    hash: 'sha256',
  },
];

export function suiteByCode(code: number): CipherSuite | undefined {
  return OFFERED_SUITES.find((s) => s.code === code);
}

/** Key-exchange groups, in order of preference. */
export const OFFERED_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

/**
 * Signature schemes we accept on the server's ServerKeyExchange (the suites are ECDHE_RSA, so
 * RSA only): PSS first (RSA-PSS with rsaEncryption keys), then PKCS#1 v1.5.
 */
export const SERVER_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** Client-authentication schemes we know how to put in a CertificateVerify. */
export const CLIENT_SIGNATURE_SCHEMES: readonly number[] = [
  ...SERVER_SIGNATURE_SCHEMES,
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
];

export interface SchemeParams {
  hash: 'sha256' | 'sha384' | 'sha512';
  kind: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';
}

const SCHEME_PARAMS = new Map<number, SchemeParams>([
  [SignatureScheme.rsa_pkcs1_sha256, { hash: 'sha256', kind: 'rsa-pkcs1' }],
  [SignatureScheme.rsa_pkcs1_sha384, { hash: 'sha384', kind: 'rsa-pkcs1' }],
  [SignatureScheme.rsa_pkcs1_sha512, { hash: 'sha512', kind: 'rsa-pkcs1' }],
  [SignatureScheme.rsa_pss_rsae_sha256, { hash: 'sha256', kind: 'rsa-pss' }],
  [SignatureScheme.rsa_pss_rsae_sha384, { hash: 'sha384', kind: 'rsa-pss' }],
  [SignatureScheme.rsa_pss_rsae_sha512, { hash: 'sha512', kind: 'rsa-pss' }],
  [SignatureScheme.ecdsa_secp256r1_sha256, { hash: 'sha256', kind: 'ecdsa' }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { hash: 'sha384', kind: 'ecdsa' }],
]);

/** Hash and padding of a SignatureScheme, for verifying (server) or producing (software signers) signatures. */
export function schemeParams(scheme: number): SchemeParams | undefined {
  return SCHEME_PARAMS.get(scheme);
}

/** Default timeouts. The handshake clock runs only while we wait for the server. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** A PIN prompt or a slow card: the client signature may take this long. */
export const DEFAULT_SIGN_TIMEOUT_MS = 180_000;
