// The client-authentication key of a TLS session: a CPS card (PKCS#11 in the card host),
// a PKCS#12 software certificate (organisational mailboxes) or a test key. The TLS client
// never sees private key material: it only asks for signatures.

/** TLS 1.2 SignatureScheme code points (RFC 8446 §4.2.3, usable in TLS 1.2 per RFC 8446 §1.3). */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
} as const;

export type SignatureSchemeName = keyof typeof SignatureScheme;

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
