// The closed set of error codes of the whole core. Each module adds its own
// codes to its group here; French wording lives only in messages-fr.ts and is
// applied at the edges (CLI, UI). Keep codes stable: the renderer and scripts
// (`--json`) match on them.
export const ERROR_CODES = [
  // generic
  'INTERNAL',
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'IO_FAILED',
  // card (PKCS#11)
  'CARD_MODULE_NOT_FOUND',
  'CARD_MODULE_LOAD_FAILED',
  'CARD_NOT_PRESENT',
  'CARD_REMOVED',
  'CARD_UNAVAILABLE',
  'CARD_PIN_INCORRECT',
  'CARD_PIN_LOCKED',
  'CARD_PIN_REQUIRED',
  'CARD_NO_CERTIFICATE',
  'CARD_SIGN_FAILED',
  'CARD_TOKEN_AMBIGUOUS',
  // tls
  'TLS_HANDSHAKE_FAILED',
  'TLS_PROTOCOL_VERSION',
  'TLS_NO_SHARED_CIPHER',
  'TLS_BAD_RECORD',
  'TLS_ALERT_RECEIVED',
  'TLS_TRUNCATED',
  'TLS_RENEGOTIATION_REFUSED',
  'TLS_TIMEOUT',
  'TLS_SERVER_INSECURE',
  'TLS_HANDSHAKE_TAMPERED',
  'TLS_NO_SHARED_SIGNATURE_SCHEME',
  'TLS_SIGN_TIMEOUT',
  'TLS_CLIENT_CERT_REJECTED',
  'CERT_UNKNOWN_CA',
  'CERT_HOSTNAME_MISMATCH',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REVOCATION_UNKNOWN',
  'CERT_BAD_USAGE',
  'CERT_INVALID',
  'CERT_BAD_SIGNATURE',
  'CERT_ISSUER_NOT_CA',
  'CERT_CRL_EXPIRED',
  'CERT_CRL_INVALID',
  'PKCS12_BAD_PASSWORD',
  'PKCS12_INVALID',
  // network / protocols
  'NETWORK_UNREACHABLE',
  'IMAP_AUTH_FAILED',
  'IMAP_FAILED',
  'SMTP_AUTH_FAILED',
  'SMTP_REJECTED',
  'SMTP_FAILED',
  // store
  'STORE_LOCKED',
  'STORE_BAD_KEY',
  'STORE_FUTURE_VERSION',
  'STORE_CORRUPT',
  // structured documents (xdm): IHE_XDM.ZIP, XML, CDA, MDN
  'XDM_ZIP_INVALID',
  'XDM_ZIP_UNSUPPORTED',
  'XDM_ZIP_UNSAFE_PATH',
  'XDM_ZIP_TOO_MANY_ENTRIES',
  'XDM_ZIP_TOO_LARGE',
  'XDM_NO_METADATA',
  'XDM_METADATA_INVALID',
  'XML_INVALID',
  'XML_DTD_FORBIDDEN',
  'XML_TOO_LARGE',
  'CDA_INVALID',
  'MDN_INVALID',
  'MDN_NOT_REQUESTED',
  'MDN_CONFIRMATION_REQUIRED',
  // application shell and IPC
  'IPC_FORBIDDEN',
  'SERVICE_UNAVAILABLE',
  'SESSION_LOCKED',
  'KEYSTORE_UNAVAILABLE',
  'KEYSTORE_WEAK',
  'APP_ALREADY_RUNNING',
  // trust: annuaire, liste blanche
  'ANNUAIRE_BAD_FILE',
  'ANNUAIRE_NOT_IMPORTED',
  'ANNUAIRE_IMPORT_FAILED',
  'ANNUAIRE_DOWNLOAD_OFFLINE',
  'ANNUAIRE_DOWNLOAD_FAILED',
  'LISTE_BLANCHE_BAD_FILE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
