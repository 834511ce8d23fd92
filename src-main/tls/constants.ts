// TLS 1.2 wire constants (RFC 5246, RFC 8422, RFC 7627, RFC 5746, RFC 6066).

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
} as const;

export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  extended_master_secret: 23,
  renegotiation_info: 0xff01,
} as const;

export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
} as const;

export const AlertLevel = { warning: 1, fatal: 2 } as const;

export const Alert = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  user_canceled: 90,
  no_renegotiation: 100,
  unsupported_extension: 110,
  unrecognized_name: 112,
  /** TLS 1.3 name, some servers send it in 1.2 too */
  certificate_required: 116,
} as const;

const ALERT_NAMES = new Map<number, string>(Object.entries(Alert).map(([name, code]) => [code, name]));

export function alertName(code: number): string {
  return ALERT_NAMES.get(code) ?? `alert_${code}`;
}

/** Largest plaintext fragment (RFC 5246 §6.2.1). */
export const MAX_PLAINTEXT = 2 ** 14;
/** Largest protected fragment we accept: plaintext + 8-byte explicit nonce + 16-byte tag (AES-GCM). */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 8 + 16;
/** Largest handshake message we buffer (a server chain of a few certificates is far smaller). */
export const MAX_HANDSHAKE_MESSAGE = 64 * 1024;
