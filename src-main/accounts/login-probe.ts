// `mssante account test`: opens the account's IMAP and SMTP endpoints over our TLS client (implicit
// TLS or STARTTLS), authenticates with SASL EXTERNAL (the client certificate: card or PKCS#12) and
// logs out. A diagnostic, so it speaks the two protocols at line level and reports the exact step
// that failed; mail access proper goes through src-main/imap (imapflow) and src-main/smtp (nodemailer).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, toAppError, type ErrorCode } from '../errors/index.js';
import { connectTls, startTls, type Signer, type ServerCertificateVerifier, type TlsSocket, type VerifiedChain } from '../tls/index.js';
import type { AccountConfig, Endpoint } from './account.js';

export const PROBE_STEP_TIMEOUT_MS = 30_000;

export interface ProbeResult {
  protocol: 'imap' | 'smtp';
  endpoint: Endpoint;
  ok: boolean;
  tls?: { protocol: string; suite: string; chain: VerifiedChain };
  /** the step that failed: connect, greeting, starttls, tls, capabilities, authenticate */
  failedStep?: string;
  error?: AppError;
}

export interface ProbeDeps {
  verifier: ServerCertificateVerifier;
  signer: Signer;
  stepTimeoutMs?: number;
}

/** Tests IMAP then SMTP; never throws: each result carries its error. */
export async function probeAccount(account: AccountConfig, deps: ProbeDeps): Promise<ProbeResult[]> {
  return [await probe('imap', account.imap, deps), await probe('smtp', account.smtp, deps)];
}

async function probe(protocol: 'imap' | 'smtp', endpoint: Endpoint, deps: ProbeDeps): Promise<ProbeResult> {
  const result: ProbeResult = { protocol, endpoint, ok: false };
  const session = new ProbeSession(protocol, endpoint, deps);
  try {
    await (protocol === 'imap' ? imapLogin(session) : smtpLogin(session));
    result.ok = true;
  } catch (err) {
    result.error = toAppError(err, protocol === 'imap' ? 'IMAP_FAILED' : 'SMTP_FAILED');
    result.failedStep = session.step;
  } finally {
    if (session.tls) result.tls = session.tls;
    session.close();
  }
  return result;
}

/** Line I/O over the plaintext socket, then over TLS once secured. */
class ProbeSession {
  step = 'connect';
  tls: ProbeResult['tls'];
  private stream: Duplex | undefined;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private ended: Error | undefined;
  private readonly timeoutMs: number;
  private readonly failCode: ErrorCode;

  constructor(
    readonly protocol: 'imap' | 'smtp',
    readonly endpoint: Endpoint,
    private readonly deps: ProbeDeps,
  ) {
    this.timeoutMs = deps.stepTimeoutMs ?? PROBE_STEP_TIMEOUT_MS;
    this.failCode = protocol === 'imap' ? 'IMAP_FAILED' : 'SMTP_FAILED';
  }

  async open(): Promise<void> {
    if (this.endpoint.security === 'tls') {
      await this.secure(connectTls({ host: this.endpoint.host, port: this.endpoint.port, ...this.tlsOptions() }));
      return;
    }
    const plain = net.connect({ host: this.endpoint.host, port: this.endpoint.port });
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', resolve);
      plain.once('error', (err) => reject(new AppError('NETWORK_UNREACHABLE', `${this.endpoint.host}:${this.endpoint.port}: ${err.message}`, { cause: err })));
    });
    this.attach(plain);
  }

  /** After the server accepted STARTTLS: anything already buffered was sent in clear (injection). */
  async startTls(): Promise<void> {
    this.step = 'starttls';
    const plain = this.stream!;
    if (this.buffer.length > 0) throw new AppError(this.failCode, 'plaintext data after the STARTTLS response (possible injection)');
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    plain.removeAllListeners('error');
    this.stream = undefined;
    await this.secure(startTls(plain, this.tlsOptions()));
  }

  private tlsOptions(): { serverName: string; verifier: ServerCertificateVerifier; signer: Signer } {
    return { serverName: this.endpoint.host, verifier: this.deps.verifier, signer: this.deps.signer };
  }

  private async secure(socket: TlsSocket): Promise<void> {
    this.step = 'tls';
    socket.on('error', () => undefined); // surfaced through `secured` or the next read
    this.attach(socket);
    const info = await socket.secured;
    this.tls = { protocol: socket.getProtocol() ?? 'TLSv1.2', suite: socket.getCipher()?.standardName ?? '?', chain: info.serverChain };
  }

  private attach(stream: Duplex): void {
    this.stream = stream;
    this.ended = undefined;
    // No setEncoding: after STARTTLS the same plaintext socket must hand Buffers to the TLS layer.
    stream.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.wake();
    });
    stream.on('end', () => {
      this.ended = new AppError(this.failCode, `server closed the connection during ${this.step}`);
      this.wake();
    });
    stream.on('error', (err: Error) => {
      this.ended = toAppError(err, this.failCode);
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async line(): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const i = this.buffer.indexOf('\r\n');
      if (i >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        return line;
      }
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new AppError(this.failCode, `no answer from the server during ${this.step}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.stream?.write(`${line}\r\n`);
  }

  close(): void {
    this.stream?.destroy();
  }
}

// ---- IMAP (RFC 9051 / 3501, RFC 4959 SASL-IR) ----------------------------------------------------

async function imapCommand(s: ProbeSession, tag: string, command: string): Promise<{ status: string; untagged: string[]; text: string }> {
  s.send(`${tag} ${command}`);
  const untagged: string[] = [];
  for (;;) {
    const line = await s.line();
    if (line.startsWith(`${tag} `)) {
      const [, status = '', text = ''] = /^\S+ (\S+) ?(.*)$/.exec(line) ?? [];
      return { status: status.toUpperCase(), untagged, text };
    }
    if (line.startsWith('+') && command.startsWith('AUTHENTICATE')) {
      s.send(''); // EXTERNAL with an empty authorisation identity: the certificate's identity
      continue;
    }
    untagged.push(line);
  }
}

async function imapLogin(s: ProbeSession): Promise<void> {
  await s.open();
  s.step = 'greeting';
  const greeting = await s.line();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new AppError('IMAP_FAILED', `unexpected IMAP greeting: ${greeting.slice(0, 80)}`);
  if (s.endpoint.security === 'starttls') {
    s.step = 'starttls';
    const r = await imapCommand(s, 'a0', 'STARTTLS');
    if (r.status !== 'OK') throw new AppError('IMAP_FAILED', `STARTTLS refused: ${r.text.slice(0, 80)}`);
    await s.startTls();
  }
  s.step = 'capabilities';
  const caps = await imapCommand(s, 'a1', 'CAPABILITY');
  const capabilities = caps.untagged.join(' ').toUpperCase().split(/\s+/);
  if (!capabilities.includes('AUTH=EXTERNAL')) throw new AppError('IMAP_AUTH_FAILED', 'server does not offer AUTHENTICATE EXTERNAL');
  s.step = 'authenticate';
  const auth = await imapCommand(s, 'a2', capabilities.includes('SASL-IR') ? 'AUTHENTICATE EXTERNAL =' : 'AUTHENTICATE EXTERNAL');
  if (auth.status !== 'OK') throw new AppError('IMAP_AUTH_FAILED', `AUTHENTICATE EXTERNAL: ${auth.status} ${auth.text.slice(0, 120)}`);
  s.step = 'logout';
  await imapCommand(s, 'a3', 'LOGOUT').catch(() => undefined);
}

// ---- SMTP submission (RFC 6409, RFC 3207 STARTTLS, RFC 4954 AUTH) ---------------------------------

async function smtpReply(s: ProbeSession): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  for (;;) {
    const line = await s.line();
    lines.push(line.slice(4));
    if (!/^\d{3}-/.test(line)) return { code: Number(line.slice(0, 3)) || 0, lines };
  }
}

async function smtpCommand(s: ProbeSession, command: string): Promise<{ code: number; lines: string[] }> {
  s.send(command);
  return smtpReply(s);
}

async function smtpLogin(s: ProbeSession): Promise<void> {
  await s.open();
  s.step = 'greeting';
  const greeting = await smtpReply(s);
  if (greeting.code !== 220) throw new AppError('SMTP_FAILED', `unexpected SMTP greeting ${greeting.code}`);
  s.step = 'capabilities';
  let ehlo = await smtpCommand(s, 'EHLO mssante-client.invalid');
  if (ehlo.code !== 250) throw new AppError('SMTP_FAILED', `EHLO refused (${ehlo.code})`);
  if (s.endpoint.security === 'starttls') {
    s.step = 'starttls';
    if (!ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) throw new AppError('SMTP_FAILED', 'server does not offer STARTTLS');
    const r = await smtpCommand(s, 'STARTTLS');
    if (r.code !== 220) throw new AppError('SMTP_FAILED', `STARTTLS refused (${r.code})`);
    await s.startTls();
    s.step = 'capabilities';
    ehlo = await smtpCommand(s, 'EHLO mssante-client.invalid');
    if (ehlo.code !== 250) throw new AppError('SMTP_FAILED', `EHLO over TLS refused (${ehlo.code})`);
  }
  const auth = ehlo.lines.find((l) => /^AUTH\b/i.test(l));
  if (!auth || !/\bEXTERNAL\b/i.test(auth)) throw new AppError('SMTP_AUTH_FAILED', 'server does not offer AUTH EXTERNAL');
  s.step = 'authenticate';
  const r = await smtpCommand(s, 'AUTH EXTERNAL =');
  if (r.code !== 235) throw new AppError('SMTP_AUTH_FAILED', `AUTH EXTERNAL refused (${r.code} ${r.lines.join(' ').slice(0, 120)})`);
  s.step = 'quit';
  await smtpCommand(s, 'QUIT').catch(() => undefined);
}
