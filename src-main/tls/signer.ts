// The client-authentication key of a TLS session: a CPS card (PKCS#11 in the card host),
// a PKCS#12 software certificate (organisational mailboxes) or a test key. The TLS client
// never sees private key material: it only asks for signatures.

// The code points live in rules/ (the card-bound store key signs with one of them too).
import { SignatureScheme } from '../rules/signature-schemes.js';
export { SignatureScheme };

export interface Signer {
  /** The client certificate chain, DER, leaf first (intermediates optional). */
  certificateChain(): Promise<Buffer[]>;
  /**
   * The SignatureScheme codes this key can produce, in order of preference.
   * A CPS3 card has no RSA-PSS: it must return only rsa_pkcs1_* schemes.
   */
  supportedSchemes(): Promise<number[]>;
  /**
   * Signs `data` (the complete message, NOT a digest: the signer hashes it with the scheme's
   * hash, e.g. builds the DigestInfo for CKM_RSA_PKCS) with `scheme`, one of supportedSchemes().
   * May take as long as a PIN prompt or a slow card needs; the TLS client waits for it.
   * Failure throws AppError (CARD_* codes for a card).
   */
  sign(scheme: number, data: Buffer): Promise<Buffer>;
}
