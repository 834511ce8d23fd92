// Card- (or PKCS#12-) authenticated IMAP sessions: imapflow over our TLS client, SASL EXTERNAL.
import { AppError, isAppError } from '../errors/index.js';
import type { ImapFlowOptions } from 'imapflow';
import type { Signer } from '../tls/signer.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import { ExternalImapFlow } from './external-auth.js';
import { tlsImapTransport } from './transport.js';
import { DEFAULT_SIGN_TIMEOUT_MS } from '../tls/policy.js';

export interface ImapEndpoint {
  host: string;
  port: number;
  /** 'tls': implicit TLS (993); 'starttls': plaintext then STARTTLS (143) */
  security: 'tls' | 'starttls';
}

export interface ImapSessionOptions {
  /** authorisation identity for a delegated mailbox; default: the certificate's own identity */
  authorizationId?: string;
  /** name checked against the server certificate; default: endpoint.host */
  serverName?: string;
  handshakeTimeoutMs?: number;
  signTimeoutMs?: number;
  /** extra imapflow options (qresync, logger, socketTimeout…); transport and auth are ours */
  imap?: Omit<ImapFlowOptions, 'host' | 'port' | 'secure' | 'doSTARTTLS' | 'auth' | 'transport' | 'tls'>;
}

/** An unconnected imapflow client over the TLS channel, authenticating with EXTERNAL. */
function createImapClient(endpoint: ImapEndpoint, signer: Signer, verifier: ServerCertificateVerifier, options: ImapSessionOptions = {}): ExternalImapFlow {
  return new ExternalImapFlow({
    logger: false,
    ...options.imap,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls', // STARTTLS is mandatory, never optional
    ...(options.authorizationId ? { authorizationId: options.authorizationId } : {}),
    transport: tlsImapTransport({
      verifier,
      signer,
      ...(options.serverName ? { serverName: options.serverName } : {}),
      ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.signTimeoutMs ? { signTimeoutMs: options.signTimeoutMs } : {}),
    }),
  });
}

/** Connects, secures and authenticates. Errors are AppErrors (TLS_*, CERT_*, IMAP_AUTH_FAILED, IMAP_FAILED, NETWORK_UNREACHABLE). */
export async function openImapSession(endpoint: ImapEndpoint, signer: Signer, verifier: ServerCertificateVerifier, options: ImapSessionOptions = {}): Promise<ExternalImapFlow> {
  const client = createImapClient(endpoint, signer, verifier, options);
  client.on('error', () => undefined); // connect() rejects with the same error; later errors end in 'close'
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.close();
    throw asImapError(err);
  }
}

/**
 * Default inactivity timeout of every network phase (TCP connect, TLS handshake, greeting, each
 * command's reply, each FETCH stream): no byte for this long = stalled. imapflow's own default
 * (5 minutes) left a stalled server hanging a sync in silence.
 */
export const DEFAULT_NETWORK_TIMEOUT_MS = 30_000;

/**
 * What the sync engine asks for (src-main/sync/connector.ts, `ImapConnector`): a fresh, connected,
 * authenticated session per call, with QRESYNC enabled when the server offers it, every wait on the
 * server bounded by `timeoutMs` (the card's signing time is bounded apart: signTimeoutMs).
 */
export function imapConnector(
  endpoint: ImapEndpoint,
  signer: Signer,
  verifier: ServerCertificateVerifier,
  options: ImapSessionOptions & { timeoutMs?: number } = {},
): { connect(): Promise<ExternalImapFlow> } {
  const { timeoutMs = DEFAULT_NETWORK_TIMEOUT_MS, ...rest } = options;
  const timeouts = {
    socketTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // imapflow's deadline for the whole connect also covers the card's signature
    connectionTimeout: 2 * timeoutMs + (rest.signTimeoutMs ?? DEFAULT_SIGN_TIMEOUT_MS),
  };
  return {
    connect: () => openImapSession(endpoint, signer, verifier, { handshakeTimeoutMs: timeoutMs, ...rest, imap: { qresync: true, ...timeouts, ...rest.imap } }),
  };
}

function asImapError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { code?: string; message?: string; tlsFailed?: boolean; authenticationFailed?: boolean; responseText?: string };
  if (e.code === 'STARTTLS_INJECTION') return new AppError('STARTTLS_INJECTION', e.message ?? 'plaintext after STARTTLS', { cause: err });
  if (e.tlsFailed && /STARTTLS/.test(e.message ?? '')) return new AppError('STARTTLS_NOT_OFFERED', e.message ?? 'no STARTTLS', { cause: err });
  if (e.authenticationFailed) return new AppError('IMAP_AUTH_FAILED', e.responseText ?? e.message ?? 'authentication failed', { cause: err });
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT' || e.code === 'CONNECT_TIMEOUT') {
    return new AppError('NETWORK_UNREACHABLE', `${e.code}: ${e.message ?? ''}`, { cause: err });
  }
  // the server went silent after the TCP connection (greeting, STARTTLS or login reply overdue)
  if (e.code === 'ETIMEOUT' || e.code === 'GREETING_TIMEOUT' || e.code === 'UPGRADE_TIMEOUT') {
    return new AppError('NETWORK_STALLED', `${e.code}: ${e.message ?? ''}`, { cause: err });
  }
  // closed before or at the greeting (BYE, or nothing at all): the server turned us away
  if (e.code === 'NoConnection' || e.code === 'ClosedAfterConnectTLS' || e.code === 'ClosedAfterConnectText' || e.code === 'ECONNRESET') {
    return new AppError('IMAP_SERVER_REFUSED', `${e.code}: ${e.message ?? ''}`, { cause: err });
  }
  // imapflow wraps a socket error during STARTTLS; keep our own TLS error when it is inside
  const inner = (err as { cause?: unknown }).cause;
  if (isAppError(inner)) return inner;
  return new AppError('IMAP_FAILED', e.message ?? String(err), { cause: err });
}
