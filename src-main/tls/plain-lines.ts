// Reading CRLF lines from a plaintext socket before STARTTLS (SMTP replies, IMAP responses),
// with a size limit, and a detach() that tells whether anything was left unread: bytes after
// the server's "go ahead" and before the handshake were injected by a man in the middle.
import type net from 'node:net';
import { AppError, type ErrorCode } from '../errors/index.js';

/** Longest plaintext we buffer before TLS (a multi-line EHLO or CAPABILITY is a few hundred bytes). */
const MAX_PLAINTEXT_PRELUDE = 16 * 1024;

export class PlainLineReader {
  private buffer = '';
  private waiting: { resolve: (line: string) => void; reject: (e: AppError) => void } | undefined;
  private failure: AppError | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer += chunk.toString('latin1');
    if (this.buffer.length > MAX_PLAINTEXT_PRELUDE) this.fail(new AppError(this.protocolError, 'oversized plaintext reply before TLS'));
    else this.tryResolve();
  };
  private readonly onEnd = (): void => this.fail(new AppError(this.protocolError, 'server closed the connection before TLS'));
  private readonly onError = (err: NodeJS.ErrnoException): void =>
    this.fail(new AppError('NETWORK_UNREACHABLE', `${err.code ?? 'error'}: ${err.message}`, { cause: err }));

  /** `protocolError`: the code for a server that misbehaves in clear (SMTP_FAILED, IMAP_FAILED). */
  constructor(private readonly socket: net.Socket, private readonly protocolError: ErrorCode) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next line, without its CRLF. */
  nextLine(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.tryResolve();
    });
  }

  /** Stops reading; returns what arrived after the last line returned (must be nothing before TLS). */
  detach(): string {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
    return this.buffer;
  }

  private tryResolve(): void {
    if (!this.waiting) return;
    const eol = this.buffer.indexOf('\r\n');
    if (eol < 0) return;
    const line = this.buffer.slice(0, eol);
    this.buffer = this.buffer.slice(eol + 2);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(line);
  }

  private fail(err: AppError): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}
