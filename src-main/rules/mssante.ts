// The one place that knows the MSSanté rules (Référentiel socle MSSanté #2,
// "Clients de messageries", and the CPS / IGC-Santé conventions). Other
// modules import these facts; they never restate them.

/** ECO.1.1.2: TLS 1.2 only. */
export const TLS_VERSION = 0x0303;

/**
 * ECO.1.1.3: the four allowed suites. The TLS client implements the GCM ones;
 * see src-main/tls for why the CBC ones are not offered.
 */
export const TLS_ALLOWED_SUITES = {
  ECDHE_RSA_AES256_GCM_SHA384: 0xc030,
  ECDHE_RSA_AES128_GCM_SHA256: 0xc02f,
  ECDHE_RSA_AES256_CBC_SHA384: 0xc028,
  ECDHE_RSA_AES128_CBC_SHA256: 0xc027,
} as const;

/** OpenSSL names of the four suites, for server configuration in tests. */
export const TLS_ALLOWED_SUITES_OPENSSL = [
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA256',
] as const;
