// Public contracts of the TLS layer that other modules implement or consume.
// Keep these stable: the PKI (tls/pki/) and the card / PKCS#12 signers plug in here.

/** Revocation status of the server certificate chain, as decided by the verifier. */
export type RevocationStatus =
  /** every certificate of the chain was checked against a fresh CRL (or OCSP) and is not revoked */
  | 'good'
  /** checked against a cached CRL that is still within its nextUpdate (offline use) */
  | 'good-cached'
  /** could not be checked, and the documented policy allows the connection anyway */
  | 'unknown';

/** What a successful server certificate verification established. */
export interface VerifiedChain {
  /** Subjects (RFC 4514 strings) of the validated path, leaf first, trust anchor last. */
  subjects: string[];
  revocation: RevocationStatus;
  /** Optional human-readable detail on revocation (e.g. which CRL, its nextUpdate). English, no secrets. */
  revocationDetail?: string;
  /** The validated path as DER, leaf first (the leaf is what the TLS client verifies signatures with). */
  pathDer?: Buffer[];
  /** Which trust store validated it: 'igc-sante' (bundled default) or 'file:<path>' (--trust-anchors). */
  trustSource?: string;
}

/**
 * Validates the certificate chain a server sent (DER, leaf first, as received in the TLS
 * Certificate message) for `hostname` (a DNS name or an IP literal).
 * Failure throws AppError with a CERT_* code (CERT_UNKNOWN_CA, CERT_HOSTNAME_MISMATCH,
 * CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_REVOKED, CERT_REVOCATION_UNKNOWN, CERT_BAD_USAGE,
 * CERT_INVALID, CERT_BAD_SIGNATURE, CERT_ISSUER_NOT_CA, CERT_CRL_EXPIRED, CERT_CRL_INVALID). The TLS client aborts the handshake with the matching alert.
 */
export interface ServerCertificateVerifier {
  verify(chainDer: Buffer[], hostname: string): Promise<VerifiedChain>;
}
