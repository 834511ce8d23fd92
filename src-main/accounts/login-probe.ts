// `mssante account test`: logs in to the account's IMAP and SMTP servers exactly as the app does
// (src-main/imap over imapflow, src-main/smtp over nodemailer: our TLS client, implicit TLS or
// STARTTLS, SASL EXTERNAL with the card or PKCS#12 key, or XOAUTH2 with a Pro Santé Connect token:
// account-connection.ts), then logs out, and reports what the TLS layer established (suite,
// validated chain, revocation) or the step that failed.
import { toAppError, type AppError } from '../errors/index.js';
import type { ImapFlow } from 'imapflow';
import type { OnTlsSocket } from '../smtp/index.js';
import type { ServerCertificateVerifier, TlsSocket, VerifiedChain } from '../tls/index.js';
import type { AccountConfig, Endpoint } from './account.js';

/** What the probe needs of a connection (send/account-connection.ts's AccountConnection fits). */
export interface ProbeConnection {
  kind: 'certificate' | 'psc';
  verifier: ServerCertificateVerifier;
  openImap(o: { verifier: ServerCertificateVerifier }): Promise<ImapFlow>;
  smtpTransport(o: { verifier: ServerCertificateVerifier; onTlsSocket: OnTlsSocket }): Promise<{ verify(): Promise<unknown>; close(): void }>;
  smtpError(err: unknown): AppError;
}

export interface ProbeResult {
  protocol: 'imap' | 'smtp';
  endpoint: Endpoint;
  /** how it authenticated: the certificate (EXTERNAL) or a Pro Santé Connect token (XOAUTH2); absent = certificate */
  auth?: ProbeConnection['kind'];
  ok: boolean;
  /** `suite` is null when the connection did not report it (e.g. it failed after the handshake) */
  tls?: { protocol: string; suite: string | null; chain: VerifiedChain };
  /** where it failed: connect, tls (handshake or server certificate), authenticate, session */
  failedStep?: 'connect' | 'tls' | 'authenticate' | 'session';
  error?: AppError;
}

/** Tests IMAP then SMTP with the account's method; never throws: each result carries its error. */
export async function probeAccount(account: AccountConfig, conn: ProbeConnection): Promise<ProbeResult[]> {
  return [await probeImap(account.imap, conn), await probeSmtp(account.smtp, conn)];
}

/** Remembers the chain the verifier accepted for this connection. */
function capturing(verifier: ServerCertificateVerifier): { verifier: ServerCertificateVerifier; chain: () => VerifiedChain | undefined } {
  let chain: VerifiedChain | undefined;
  return {
    verifier: { verify: async (der, host) => (chain = await verifier.verify(der, host)) },
    chain: () => chain,
  };
}

function tlsInfo(socket: Partial<Pick<TlsSocket, 'getCipher' | 'getProtocol'>> | undefined, chain: VerifiedChain | undefined): ProbeResult['tls'] {
  if (!chain) return undefined;
  return { protocol: socket?.getProtocol?.() ?? 'TLSv1.2', suite: socket?.getCipher?.()?.standardName ?? null, chain };
}

function failedStep(err: AppError, handshakeDone: boolean): NonNullable<ProbeResult['failedStep']> {
  if (err.code === 'NETWORK_UNREACHABLE') return 'connect';
  if (err.code.startsWith('CERT_') || (!handshakeDone && err.code.startsWith('TLS_'))) return 'tls';
  if (err.code === 'IMAP_AUTH_FAILED' || err.code === 'SMTP_AUTH_FAILED' || err.code === 'XOAUTH2_TOKEN_REFUSED') return 'authenticate';
  return 'session';
}

async function probeImap(endpoint: Endpoint, conn: ProbeConnection): Promise<ProbeResult> {
  const capture = capturing(conn.verifier);
  const result: ProbeResult = { protocol: 'imap', endpoint, auth: conn.kind, ok: false };
  try {
    const client = await conn.openImap({ verifier: capture.verifier });
    // imapflow keeps the transport's socket (our TlsSocket) as `socket`
    result.tls = tlsInfo((client as unknown as { socket?: TlsSocket }).socket, capture.chain());
    await client.logout().catch(() => client.close());
    result.ok = true;
  } catch (err) {
    result.error = toAppError(err, 'IMAP_FAILED');
    result.failedStep = failedStep(result.error, capture.chain() !== undefined);
    result.tls ??= tlsInfo(undefined, capture.chain());
  }
  return result;
}

async function probeSmtp(endpoint: Endpoint, conn: ProbeConnection): Promise<ProbeResult> {
  const capture = capturing(conn.verifier);
  const result: ProbeResult = { protocol: 'smtp', endpoint, auth: conn.kind, ok: false };
  let socket: TlsSocket | undefined;
  let transport: Awaited<ReturnType<ProbeConnection['smtpTransport']>> | undefined;
  try {
    transport = await conn.smtpTransport({ verifier: capture.verifier, onTlsSocket: (s) => (socket = s) });
    await transport.verify(); // connect, TLS, EHLO, AUTH EXTERNAL or XOAUTH2, QUIT
    result.ok = true;
  } catch (err) {
    result.error = conn.smtpError(err);
    result.failedStep = failedStep(result.error, capture.chain() !== undefined);
  } finally {
    result.tls = tlsInfo(socket, capture.chain());
    transport?.close();
  }
  return result;
}
