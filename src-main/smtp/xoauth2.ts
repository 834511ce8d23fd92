// SMTP submission with a Pro Santé Connect access token: AUTH XOAUTH2 over a socket our TLS
// client secured first (implicit TLS, or STARTTLS done in starttls.ts) — the token is never
// written before the server is verified. Through nodemailer's customAuth rather than its
// `type: 'OAuth2'`: on a refused token nodemailer's OAuth2 retries to "regenerate" the token
// and, without a refresh callback, leaves the AUTH exchange hanging (seen against Dovecot:
// "unfinished AUTH command"); the exchange below is the 3 lines of the Google XOAUTH2 spec.
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { AppError, isAppError } from '../errors/index.js';
import { connectTls, type ServerCertificateVerifier, type TlsSocket } from '../tls/index.js';
import { smtpStartTls } from './starttls.js';
import type { OnTlsSocket, SmtpEndpoint } from './transport.js';

export function createXoauth2SmtpTransport(
  endpoint: SmtpEndpoint,
  credentials: { user: string; accessToken: string },
  verifier: ServerCertificateVerifier,
  options: { serverName?: string; clientName?: string; handshakeTimeoutMs?: number } = {},
  onTlsSocket?: OnTlsSocket,
) {
  const clientName = options.clientName ?? 'localhost';
  const tls = { serverName: options.serverName ?? endpoint.host, verifier, ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}) };
  const getSocket = (_opts: unknown, callback: (err: Error | null, socketOptions?: { connection: TlsSocket; secured: true; secure: true }) => void): void => {
    const open = async (): Promise<TlsSocket> => {
      if (endpoint.security === 'tls') {
        const socket = connectTls({ ...tls, host: endpoint.host, port: endpoint.port });
        socket.on('error', () => undefined);
        await socket.secured;
        return socket;
      }
      const { socket, greeting } = await smtpStartTls(endpoint.host, endpoint.port, clientName, tls);
      socket.unshift(Buffer.from(`${/^220[ -]/.test(greeting) ? `220 ${greeting.slice(4)}` : '220 ready'}\r\n`, 'latin1'));
      return socket;
    };
    open().then(
      (connection) => {
        onTlsSocket?.(connection);
        callback(null, { connection, secured: true, secure: true });
      },
      (err: unknown) => callback(err as Error),
    );
  };
  return nodemailer.createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: true,
    ignoreTLS: true,
    name: clientName,
    getSocket,
    auth: { type: 'custom', method: 'XOAUTH2', user: credentials.user },
    customAuth: { XOAUTH2: xoauth2AuthHandler(credentials.user, credentials.accessToken) },
    logger: false,
  } as unknown as SMTPTransport.Options);
}

interface CustomAuthContext {
  sendCommand(cmd: string): Promise<{ status: number; response: string }>;
  resolve(): void;
  reject(err: Error | string): void;
}

/** AUTH XOAUTH2 with the initial response; on a 334 error challenge, the empty line that ends it. */
function xoauth2AuthHandler(user: string, accessToken: string): (ctx: CustomAuthContext) => Promise<void> {
  return async (ctx) => {
    const initial = Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
    let reply = await ctx.sendCommand(`AUTH XOAUTH2 ${initial}`);
    if (reply.status === 334) reply = await ctx.sendCommand('');
    if (reply.status === 235) return ctx.resolve();
    // The AppError rides as `cause`: nodemailer rewrites `code`, and the outbox (asSmtpError) reads the cause,
    // so a PSC account never gets the card's "authentification par carte CPS refusée".
    const err = Object.assign(new Error(`AUTH XOAUTH2 refused: ${reply.response}`), { code: 'EAUTH', response: reply.response, responseCode: reply.status, cause: xoauth2AuthError(reply.status, reply.response) });
    ctx.reject(err);
  };
}

/** 454 (RFC 4954 "temporary authentication failure": the server could not check the token) vs a refusal (535…). */
function xoauth2AuthError(status: number, response: string): AppError {
  return status >= 400 && status < 500
    ? new AppError('XOAUTH2_SERVER_UNAVAILABLE', response, { data: { responseCode: status } })
    : new AppError('XOAUTH2_TOKEN_REFUSED', response, { data: { responseCode: status } });
}

/** A refused token (535 after AUTH XOAUTH2) is XOAUTH2_TOKEN_REFUSED, a 454 XOAUTH2_SERVER_UNAVAILABLE; other errors as they come. */
export function asXoauth2SmtpError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string; cause?: unknown };
  if (isAppError(e.cause)) return e.cause;
  if (e.code === 'EAUTH') return new AppError('XOAUTH2_TOKEN_REFUSED', e.response ?? e.message ?? 'token refused', { cause: err });
  return new AppError('SMTP_FAILED', e.message ?? String(err), { cause: err });
}
