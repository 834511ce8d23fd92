// `mssante account test`: logs in to the account's IMAP and SMTP servers exactly as the app does
// (src-main/imap over imapflow, src-main/smtp over nodemailer: our TLS client, implicit TLS or
// STARTTLS, SASL EXTERNAL with the card or PKCS#12 key), then logs out, and reports what the TLS
// layer established (suite, validated chain, revocation) or the step that failed.
import { toAppError, type AppError } from '../errors/index.js';
import { openImapSession } from '../imap/index.js';
import { asSmtpError, createSmtpTransport } from '../smtp/index.js';
import type { Signer, ServerCertificateVerifier, TlsSocket, VerifiedChain } from '../tls/index.js';
import type { AccountConfig, Endpoint } from './account.js';

export interface ProbeResult {
  protocol: 'imap' | 'smtp';
  endpoint: Endpoint;
  ok: boolean;
  /** `suite` is null when the connection did not report it (e.g. it failed after the handshake) */
  tls?: { protocol: string; suite: string | null; chain: VerifiedChain };
  /** where it failed: connect, tls (handshake or server certificate), authenticate, session */
  failedStep?: 'connect' | 'tls' | 'authenticate' | 'session';
  error?: AppError;
}

export interface ProbeDeps {
  verifier: ServerCertificateVerifier;
  signer: Signer;
}

/** Tests IMAP then SMTP; never throws: each result carries its error. */
export async function probeAccount(account: AccountConfig, deps: ProbeDeps): Promise<ProbeResult[]> {
  return [await probeImap(account.imap, deps), await probeSmtp(account.smtp, deps)];
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
  if (err.code === 'IMAP_AUTH_FAILED' || err.code === 'SMTP_AUTH_FAILED') return 'authenticate';
  return 'session';
}

async function probeImap(endpoint: Endpoint, deps: ProbeDeps): Promise<ProbeResult> {
  const capture = capturing(deps.verifier);
  const result: ProbeResult = { protocol: 'imap', endpoint, ok: false };
  try {
    const client = await openImapSession(endpoint, deps.signer, capture.verifier);
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

async function probeSmtp(endpoint: Endpoint, deps: ProbeDeps): Promise<ProbeResult> {
  const capture = capturing(deps.verifier);
  const result: ProbeResult = { protocol: 'smtp', endpoint, ok: false };
  let socket: TlsSocket | undefined;
  const transport = createSmtpTransport(endpoint, deps.signer, capture.verifier, {}, (s) => (socket = s));
  try {
    await transport.verify(); // connect, TLS, EHLO, AUTH EXTERNAL, QUIT
    result.ok = true;
  } catch (err) {
    result.error = asSmtpError(err);
    result.failedStep = failedStep(result.error, capture.chain() !== undefined);
  } finally {
    result.tls = tlsInfo(socket, capture.chain());
    transport.close();
  }
  return result;
}
