// How a TLS SignatureScheme is signed with the mechanisms a card offers (pure).
// The card never sees TLS: we hash (or build the DigestInfo) here and pick the
// mechanism, preferring raw CKM_RSA_PKCS over a DigestInfo as OpenSSL and NSS do.
import { createHash } from 'node:crypto';
import { AppError } from '../errors/index.js';
import { SignatureScheme as SIGNATURE_SCHEME } from '../tls/signer.js';
import { CKG, CKM } from './pkcs11-facts.js';


type HashName = 'sha256' | 'sha384' | 'sha512';

// DER prefix of DigestInfo { AlgorithmIdentifier(hash, NULL), OCTET STRING(len) } (RFC 8017 §9.2 note 1).
const DIGEST_INFO_PREFIX: Record<HashName, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

interface SchemeSpec {
  hash: HashName;
  pss: boolean;
  /** mechanism that hashes on the card */
  hashing: number;
  hashMech: number;
  mgf: number;
  saltLength: number;
}

const SCHEMES: ReadonlyMap<number, SchemeSpec> = new Map([
  [SIGNATURE_SCHEME.rsa_pkcs1_sha256, { hash: 'sha256', pss: false, hashing: CKM.SHA256_RSA_PKCS, hashMech: CKM.SHA256, mgf: 0, saltLength: 0 }],
  [SIGNATURE_SCHEME.rsa_pkcs1_sha384, { hash: 'sha384', pss: false, hashing: CKM.SHA384_RSA_PKCS, hashMech: CKM.SHA384, mgf: 0, saltLength: 0 }],
  [SIGNATURE_SCHEME.rsa_pkcs1_sha512, { hash: 'sha512', pss: false, hashing: CKM.SHA512_RSA_PKCS, hashMech: CKM.SHA512, mgf: 0, saltLength: 0 }],
  [SIGNATURE_SCHEME.rsa_pss_rsae_sha256, { hash: 'sha256', pss: true, hashing: CKM.SHA256_RSA_PKCS_PSS, hashMech: CKM.SHA256, mgf: CKG.MGF1_SHA256, saltLength: 32 }],
  [SIGNATURE_SCHEME.rsa_pss_rsae_sha384, { hash: 'sha384', pss: true, hashing: CKM.SHA384_RSA_PKCS_PSS, hashMech: CKM.SHA384, mgf: CKG.MGF1_SHA384, saltLength: 48 }],
  [SIGNATURE_SCHEME.rsa_pss_rsae_sha512, { hash: 'sha512', pss: true, hashing: CKM.SHA512_RSA_PKCS_PSS, hashMech: CKM.SHA512, mgf: CKG.MGF1_SHA512, saltLength: 64 }],
] as const);

/** What the card host is asked to do for one signature. */
export interface SignPlan {
  mechanism: number;
  /** PSS parameters (CK_RSA_PKCS_PSS_PARAMS) when the mechanism is a PSS one */
  pss?: { hashAlg: number; mgf: number; saltLen: number };
  /** bytes handed to C_Sign */
  input: Buffer;
}

function rawMechanism(spec: SchemeSpec): number {
  return spec.pss ? CKM.RSA_PKCS_PSS : CKM.RSA_PKCS;
}

/** TLS schemes this card can sign, best first (PKCS#1 v1.5 first: every CPS has it). */
export function supportedSchemes(mechanisms: readonly number[]): number[] {
  return [...SCHEMES.entries()]
    .filter(([, spec]) => mechanisms.includes(rawMechanism(spec)) || mechanisms.includes(spec.hashing))
    .map(([scheme]) => scheme);
}

export function planSignature(scheme: number, data: Uint8Array, mechanisms: readonly number[]): SignPlan {
  const spec = SCHEMES.get(scheme);
  if (!spec) throw new AppError('CARD_SIGN_FAILED', `unsupported signature scheme 0x${scheme.toString(16)}`);
  const pss = spec.pss ? { hashAlg: spec.hashMech, mgf: spec.mgf, saltLen: spec.saltLength } : undefined;
  if (mechanisms.includes(rawMechanism(spec))) {
    const digest = createHash(spec.hash).update(data).digest();
    const input = spec.pss ? digest : Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[spec.hash], 'hex'), digest]);
    return { mechanism: rawMechanism(spec), input, ...(pss ? { pss } : {}) };
  }
  if (mechanisms.includes(spec.hashing)) return { mechanism: spec.hashing, input: Buffer.from(data), ...(pss ? { pss } : {}) };
  throw new AppError('CARD_SIGN_FAILED', `the card offers no mechanism for scheme 0x${scheme.toString(16)}`);
}
