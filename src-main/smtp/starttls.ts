// SMTP STARTTLS (RFC 3207) done by us, because nodemailer's own STARTTLS always calls
// tls.connect: read the 220 greeting, EHLO, check STARTTLS, send it, wait for 220, then run
// our TLS client over the same socket.
import net from 'node:net';
import { AppError } from '../errors/index.js';
import { startTls, type TlsSocket } from '../tls/index.js';
import type { TlsClientOptions } from '../tls/index.js';

/** Longest plaintext reply we accept before TLS (a multi-line EHLO is a few hundred bytes). */
const MAX_REPLY = 16 * 1024;

export interface SmtpReply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies (multi-line "250-…" up to "250 …") from a plaintext socket. */
class ReplyReader {
  private buffer = '';
  private waiting: { resolve: (r: SmtpReply) => void; reject: (e: AppError) => void } | undefined;
  private failure: AppError | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer += chunk.toString('latin1');
    if (this.buffer.length > MAX_REPLY) this.fail(new AppError('SMTP_FAILED', 'oversized SMTP reply before TLS'));
    else this.tryResolve();
  };
  private readonly onEnd = (): void => this.fail(new AppError('SMTP_FAILED', 'server closed the connection before TLS'));
  private readonly onError = (err: NodeJS.ErrnoException): void =>
    this.fail(new AppError('NETWORK_UNREACHABLE', `${err.code ?? 'error'}: ${err.message}`, { cause: err }));

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
  }

  next(): Promise<SmtpReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.tryResolve();
    });
  }

  /** Stops reading; returns bytes received after the last reply (must be none before TLS). */
  detach(): string {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
    return this.buffer;
  }

  private tryResolve(): void {
    if (!this.waiting) return;
    const lines: string[] = [];
    let rest = this.buffer;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) return; // incomplete
      const line = rest.slice(0, eol);
      rest = rest.slice(eol + 2);
      lines.push(line);
      const m = /^(\d{3})([ -])/.exec(line) ?? /^(\d{3})$/.exec(line);
      if (!m) return this.fail(new AppError('SMTP_FAILED', `malformed SMTP reply line: ${line.slice(0, 80)}`));
      if (m[2] !== '-') {
        this.buffer = rest;
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting.resolve({ code: Number(m[1]), lines });
        return;
      }
    }
  }

  private fail(err: AppError): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}

export interface StartTlsResult {
  socket: TlsSocket;
  /** the server's plaintext greeting (first line), reused as the synthetic greeting */
  greeting: string;
}

/**
 * Opens TCP to host:port, negotiates STARTTLS in clear, then our TLS client. Resolves once the
 * handshake is done. The plaintext EHLO answer is discarded: nodemailer sends EHLO again over TLS.
 */
export async function smtpStartTls(host: string, port: number, clientName: string, tls: TlsClientOptions): Promise<StartTlsResult> {
  const plain = net.connect({ host, port });
  const reader = new ReplyReader(plain);
  try {
    const greeting = await reader.next();
    if (greeting.code !== 220) throw new AppError('SMTP_FAILED', `unexpected greeting: ${greeting.lines[0] ?? ''}`);
    plain.write(`EHLO ${clientName}\r\n`);
    const ehlo = await reader.next();
    if (ehlo.code !== 250) throw new AppError('SMTP_FAILED', `EHLO refused: ${ehlo.lines[0] ?? ''}`);
    if (!ehlo.lines.some((l) => /^250[ -]STARTTLS\s*$/i.test(l))) {
      throw new AppError('SMTP_FAILED', 'server does not offer STARTTLS: refusing to continue in clear', { data: { reason: 'no-starttls' } });
    }
    plain.write('STARTTLS\r\n');
    const ready = await reader.next();
    if (ready.code !== 220) throw new AppError('SMTP_FAILED', `STARTTLS refused: ${ready.lines[0] ?? ''}`);
    // Anything after the 220 and before the handshake was injected by a man in the middle.
    if (reader.detach().length > 0) throw new AppError('SMTP_FAILED', 'plaintext data after the STARTTLS reply: possible injection', { data: { reason: 'starttls-injection' } });
    const socket = startTls(plain, tls);
    socket.on('error', () => undefined); // reported through `secured` and later by nodemailer
    await socket.secured;
    return { socket, greeting: greeting.lines[0] ?? '220' };
  } catch (err) {
    reader.detach();
    plain.destroy();
    throw err;
  }
}
