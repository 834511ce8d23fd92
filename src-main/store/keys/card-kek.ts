// The card KEK: HKDF-SHA-256 over a deterministic RSA PKCS#1 v1.5 signature
// made by the CPS card's authentication key over a domain-separated challenge.
// Only that card, logged in with its PIN, re-creates the signature, hence the KEK.
//
// Why the signature can never be one the card makes for something else:
// - the signed message is `CHALLENGE_LABEL ‖ 0x00 ‖ salt(32) ‖ len ‖ certificate serial`;
//   the card signs DigestInfo(SHA-256(message)) (rsa_pkcs1_sha256, built by our
//   signer), i.e. the same encoding as any other rsa_pkcs1_sha256 signature, so
//   separation rests on the messages differing, and a collision on SHA-256;
// - a TLS 1.2 CertificateVerify signs the handshake transcript, which begins
//   with the ClientHello header byte 0x01; the label begins with 'M' (0x4d);
// - a journal checkpoint signs canonical JSON `{"hash":…,"seq":…}`, which
//   begins with '{' (0x7b);
// so no message of those protocols equals ours, and their SHA-256 cannot
// equal ours short of a SHA-256 collision. The store salt (random per store)
// and the serial make each store's and each card's challenge unique.
//
// PKCS#1 v1.5 is deterministic (same key, same message → same signature);
// PSS and ECDSA are randomised and cannot make a KEK: such a card gets
// STORE_CARD_NOT_DETERMINISTIC, and the caller offers the OS keychain instead.
import { createHash, X509Certificate } from 'node:crypto';
import { AppError } from '../../errors/index.js';
import { SignatureScheme } from '../../rules/signature-schemes.js';
import { deriveKek, wipe } from './wrap.js';

export const CHALLENGE_LABEL = 'MSSANTE store key-encryption key v1';
const HKDF_INFO = 'mssante/store-kek/card/v1';

/** The part of a Signer (CardSigner; a test key) the card KEK needs. */
export interface KekSigner {
  certificateChain(): Promise<Buffer[]>;
  supportedSchemes(): Promise<number[]>;
  sign(scheme: number, data: Buffer): Promise<Buffer>;
}

/** The certificate facts a card wrap is bound to. */
export interface CardRef {
  certSha256: string;
  certSerial: string;
}

function cardRefOf(leafDer: Buffer): CardRef {
  const cert = new X509Certificate(leafDer);
  return { certSha256: createHash('sha256').update(leafDer).digest('hex'), certSerial: cert.serialNumber.toUpperCase() };
}

/** The exact bytes the card signs (pure). */
export function kekChallenge(salt: Buffer, certSerial: string): Buffer {
  const serial = Buffer.from(certSerial, 'utf8');
  return Buffer.concat([Buffer.from(CHALLENGE_LABEL, 'utf8'), Buffer.from([0]), salt, Buffer.from([serial.length]), serial]);
}

export async function signerCard(signer: KekSigner): Promise<CardRef> {
  const [leaf] = await signer.certificateChain();
  if (!leaf) throw new AppError('CARD_NO_CERTIFICATE', 'the signer has no certificate');
  return cardRefOf(leaf);
}

/**
 * Derives the card KEK for a store salt. `confirm` signs twice and compares
 * (set-up and re-wrap only): a card whose "PKCS#1 v1.5" is not deterministic
 * would otherwise lock the store for good.
 */
export async function deriveCardKek(signer: KekSigner, salt: Buffer, opts: { confirm?: boolean } = {}): Promise<{ kek: Buffer; card: CardRef }> {
  const schemes = await signer.supportedSchemes();
  if (!schemes.includes(SignatureScheme.rsa_pkcs1_sha256)) {
    throw new AppError('STORE_CARD_NOT_DETERMINISTIC', 'the card offers no RSA PKCS#1 v1.5 signature (PSS or ECDSA only)');
  }
  const card = await signerCard(signer);
  const challenge = kekChallenge(salt, card.certSerial);
  const signature = await signer.sign(SignatureScheme.rsa_pkcs1_sha256, challenge);
  try {
    if (opts.confirm) {
      const again = await signer.sign(SignatureScheme.rsa_pkcs1_sha256, challenge);
      const same = again.equals(signature);
      wipe(again);
      if (!same) throw new AppError('STORE_CARD_NOT_DETERMINISTIC', 'two signatures of the same challenge differ');
    }
    return { kek: deriveKek(signature, salt, HKDF_INFO), card };
  } finally {
    wipe(signature);
  }
}
