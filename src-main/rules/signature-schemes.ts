// Signature algorithms by their TLS code points: what the TLS client offers and
// accepts (tls/), and what the card-bound store key signs with (store/keys/).
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
