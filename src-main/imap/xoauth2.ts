// IMAP with a Pro Santé Connect access token (SASL XOAUTH2 / OAUTHBEARER, imapflow's own
// support) over our TLS 1.2 client, implicit TLS or STARTTLS. The token is handed to
// imapflow only inside the verified TLS channel: imapflow authenticates after connect()
// has secured the socket (STARTTLS mandatory), and our transport verifies the server
// chain before any application byte flows.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { AppError, isAppError } from '../errors/index.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import { tlsImapTransport } from './transport.js';
import type { ImapEndpoint } from './session.js';
import { DEFAULT_NETWORK_TIMEOUT_MS } from './session.js';

export interface Xoauth2Credentials {
  /** the mailbox address (login name) */
  user: string;
  /** asked at each connection: the session refreshes it when needed */
  accessToken: () => Promise<string>;
}

export async function openXoauth2ImapSession(
  endpoint: ImapEndpoint,
  credentials: Xoauth2Credentials,
  verifier: ServerCertificateVerifier,
  options: { serverName?: string; timeoutMs?: number; imap?: Omit<ImapFlowOptions, 'host' | 'port' | 'secure' | 'doSTARTTLS' | 'auth' | 'transport' | 'tls'> } = {},
): Promise<ImapFlow> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS;
  const client = new ImapFlow({
    logger: false,
    socketTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    connectionTimeout: 2 * timeoutMs,
    ...options.imap,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls',
    auth: { user: credentials.user, accessToken: await credentials.accessToken() },
    transport: tlsImapTransport({ verifier, handshakeTimeoutMs: timeoutMs, ...(options.serverName ? { serverName: options.serverName } : {}) }),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.close();
    throw asXoauth2ImapError(err);
  }
}

/** A sync connector (src-main/sync/connector.ts shape): a fresh session per call, QRESYNC on. */
export function xoauth2ImapConnector(endpoint: ImapEndpoint, credentials: Xoauth2Credentials, verifier: ServerCertificateVerifier, options: { serverName?: string; timeoutMs?: number } = {}) {
  return { connect: () => openXoauth2ImapSession(endpoint, credentials, verifier, { ...options, imap: { qresync: true } }) };
}

function asXoauth2ImapError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { authenticationFailed?: boolean; serverResponseCode?: string; responseText?: string; message?: string; code?: string; cause?: unknown };
  // The server's words go to `detail` only: Dovecot's JSON challenge names the scheme, never the token.
  // NO [UNAVAILABLE] (RFC 5530): the server could not check the token (its introspection is down): not the token's fault.
  if (e.authenticationFailed && e.serverResponseCode?.toUpperCase() === 'UNAVAILABLE') return new AppError('XOAUTH2_SERVER_UNAVAILABLE', e.responseText ?? e.message ?? 'temporary authentication failure', { cause: err });
  if (e.authenticationFailed) return new AppError('XOAUTH2_TOKEN_REFUSED', e.responseText ?? e.message ?? 'token refused', { cause: err });
  if (isAppError(e.cause)) return e.cause;
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND') return new AppError('NETWORK_UNREACHABLE', `${e.code}: ${e.message ?? ''}`, { cause: err });
  return new AppError('IMAP_FAILED', e.message ?? String(err), { cause: err });
}
