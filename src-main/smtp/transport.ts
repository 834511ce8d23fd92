// nodemailer over our TLS client: `getSocket` hands it an already secured socket (implicit TLS,
// or STARTTLS done in starttls.ts with a synthetic 220 greeting), and AUTH EXTERNAL runs through
// `customAuth` (the identity is the client certificate).
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { AppError, isAppError, isErrorCode } from '../errors/index.js';
import { connectTls, type Signer, type ServerCertificateVerifier, type TlsSocket } from '../tls/index.js';
import { smtpStartTls } from './starttls.js';

export interface SmtpEndpoint {
  host: string;
  port: number;
  /** 'tls': implicit TLS (465); 'starttls': plaintext then STARTTLS (587) */
  security: 'tls' | 'starttls';
}

export interface SmtpTransportOptions {
  /** authorisation identity for a delegated mailbox; default: the certificate's own identity */
  authorizationId?: string;
  /** name checked against the server certificate; default: endpoint.host */
  serverName?: string;
  /** EHLO name; default "localhost" (no workstation name leaks to the operator) */
  clientName?: string;
  handshakeTimeoutMs?: number;
  signTimeoutMs?: number;
}

/** Fired for each TLS socket the transport opens (tests, diagnostics). */
export type OnTlsSocket = (socket: TlsSocket) => void;

interface CustomAuthContext {
  sendCommand(cmd: string): Promise<{ status: number; response: string; text?: string }>;
  resolve(): void;
  reject(err: Error | string): void;
}

/** RFC 4954 AUTH EXTERNAL with an initial response ("=" = empty authorisation identity). */
function externalAuthHandler(authorizationId = ''): (ctx: CustomAuthContext) => Promise<void> {
  return async (ctx) => {
    const initial = authorizationId ? Buffer.from(authorizationId, 'utf8').toString('base64') : '=';
    const reply = await ctx.sendCommand(`AUTH EXTERNAL ${initial}`);
    if (reply.status === 235) return ctx.resolve();
    // a plain Error: nodemailer rewrites the code of what it is given to EAUTH (see asSmtpError)
    ctx.reject(new Error(`AUTH EXTERNAL refused: ${reply.response}`));
  };
}

export function createSmtpTransport(endpoint: SmtpEndpoint, signer: Signer, verifier: ServerCertificateVerifier, options: SmtpTransportOptions = {}, onTlsSocket?: OnTlsSocket) {
  const clientName = options.clientName ?? 'localhost';
  const tls = {
    serverName: options.serverName ?? endpoint.host,
    verifier,
    signer,
    ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.signTimeoutMs ? { signTimeoutMs: options.signTimeoutMs } : {}),
  };

  const getSocket = (_opts: unknown, callback: (err: Error | null, socketOptions?: { connection: TlsSocket; secured: true; secure: true }) => void): void => {
    const open = async (): Promise<TlsSocket> => {
      if (endpoint.security === 'tls') {
        const socket = connectTls({ ...tls, host: endpoint.host, port: endpoint.port });
        socket.on('error', () => undefined); // nodemailer attaches its own handlers once it has the socket
        await socket.secured;
        return socket;
      }
      const { socket, greeting } = await smtpStartTls(endpoint.host, endpoint.port, clientName, tls);
      // nodemailer waits for a 220 greeting; the real one came in clear, so we replay it
      // (RFC 3207: the client then sends EHLO again over TLS, which nodemailer does).
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

  const transportOptions = {
    host: endpoint.host,
    port: endpoint.port,
    secure: true, // the socket from getSocket is already TLS: never STARTTLS again, never clear
    ignoreTLS: true,
    name: clientName,
    getSocket,
    auth: { type: 'custom', method: 'EXTERNAL', user: options.authorizationId ?? '' },
    customAuth: { EXTERNAL: externalAuthHandler(options.authorizationId) },
    logger: false,
  } as unknown as SMTPTransport.Options;
  return nodemailer.createTransport(transportOptions);
}

/** Maps nodemailer's errors to our codes (keeps AppErrors as they are). */
export function asSmtpError(err: unknown): AppError {
  // nodemailer may overwrite `code` on errors that pass through it: trust only known codes
  if (isAppError(err) && isErrorCode(err.code)) return err;
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string; cause?: unknown };
  if (isAppError(e.cause)) return e.cause;
  const detail = e.response ?? e.message ?? String(err);
  if (e.code === 'EAUTH') return new AppError('SMTP_AUTH_FAILED', detail, { cause: err });
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || (e.responseCode !== undefined && e.responseCode >= 500)) {
    return new AppError('SMTP_REJECTED', detail, { cause: err, data: { responseCode: e.responseCode } });
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH') return new AppError('NETWORK_UNREACHABLE', detail, { cause: err });
  return new AppError('SMTP_FAILED', detail, { cause: err });
}
