import { AppError, type ErrorCode } from '../errors/index.js';
import { Alert, alertName } from './constants.js';

/**
 * A handshake or record failure decided by our client: the AppError the caller sees, plus the
 * alert we send to the server before closing. `data.alert` names the alert for logs and tests.
 */
export class TlsFailure extends AppError {
  readonly alert: number;
  constructor(code: ErrorCode, alert: number, detail: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(code, detail, { ...options, data: { alert: alertName(alert), ...(options?.data ?? {}) } });
    this.alert = alert;
  }
}

/** The alert to send for an AppError raised by the verifier or the signer (RFC 5246 §7.2.2). */
export function alertForError(err: AppError): number {
  if (err instanceof TlsFailure) return err.alert;
  switch (err.code) {
    case 'CERT_UNKNOWN_CA':
      return Alert.unknown_ca;
    case 'CERT_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return Alert.certificate_expired;
    case 'CERT_REVOKED':
      return Alert.certificate_revoked;
    case 'CERT_BAD_USAGE':
      return Alert.unsupported_certificate;
    case 'CERT_HOSTNAME_MISMATCH':
    case 'CERT_REVOCATION_UNKNOWN':
    case 'CERT_CRL_EXPIRED':
    case 'CERT_CRL_INVALID':
      return Alert.certificate_unknown;
    case 'CERT_INVALID':
    case 'CERT_BAD_SIGNATURE':
    case 'CERT_ISSUER_NOT_CA':
      return Alert.bad_certificate;
    case 'TLS_TIMEOUT':
      return Alert.user_canceled;
    default:
      return Alert.internal_error;
  }
}
