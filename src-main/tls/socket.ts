// A socket-like Duplex over TlsClientConnection: what imapflow's `transport`, nodemailer's
// `getSocket` and our own code use. Works over a fresh TCP connection (implicit TLS) or over
// an already-connected plaintext socket (STARTTLS).
import net from 'node:net';
import { Duplex } from 'node:stream';
import { AppError } from '../errors/index.js';
import { TlsClientConnection, type TlsClientOptions } from './connection.js';
import type { HandshakeResult } from './handshake.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './policy.js';

/** Bytes we let queue on the transport before waiting for 'drain'. */
const TRANSPORT_QUEUE_LIMIT = 512 * 1024;

export interface TlsConnectOptions extends TlsClientOptions {
  host: string;
  port: number;
}

/** The part of net.Socket we forward to when the transport has it. */
type SocketLike = Duplex & Partial<Pick<net.Socket, 'setKeepAlive' | 'setNoDelay' | 'remoteAddress' | 'remotePort' | 'remoteFamily' | 'localAddress' | 'localPort' | 'connecting'>>;

export interface CipherInfo {
  name: string;
  standardName: string;
  version: 'TLSv1.2';
}

function networkError(err: NodeJS.ErrnoException, phase: 'connect' | 'session'): AppError {
  if (err instanceof AppError) return err;
  if (phase === 'connect') return new AppError('NETWORK_UNREACHABLE', `${err.code ?? 'error'}: ${err.message}`, { cause: err });
  return new AppError('TLS_TRUNCATED', `connection lost (${err.code ?? err.message}): data may be truncated`, { cause: err });
}

export class TlsSocket extends Duplex {
  readonly encrypted = true;
  /** true once the handshake (server chain included) succeeded */
  authorized = false;
  authorizationError: AppError | undefined;
  /** what the handshake established (suite, verified chain, client auth) */
  info: HandshakeResult | undefined;
  /** settles with the handshake; never rejects unhandled */
  readonly secured: Promise<HandshakeResult>;

  private readonly conn: TlsClientConnection;
  private readonly pendingWrites: { chunk: Buffer; callback: (err?: Error | null) => void }[] = [];
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private transportPausedByUs = false;
  private phase: 'connect' | 'session' = 'session';
  private readonly rejectSecured: (err: unknown) => void;

  constructor(private readonly transport: SocketLike, options: TlsClientOptions) {
    super({ allowHalfOpen: false });
    this.conn = new TlsClientConnection(options, {
      write: (bytes) => {
        if (!this.transport.destroyed && this.transport.writable) this.transport.write(bytes);
      },
      data: (plaintext) => {
        this.activity();
        if (!this.push(plaintext)) {
          this.transportPausedByUs = true;
          this.transport.pause();
        }
      },
      closeNotify: () => this.push(null),
      failure: (err) => {
        this.authorizationError = err;
        this.transport.end(); // flushes our alert, if any
        this.destroy(err);
      },
    });
    let settle!: { resolve: (r: HandshakeResult) => void; reject: (e: unknown) => void };
    this.secured = new Promise<HandshakeResult>((resolve, reject) => (settle = { resolve, reject }));
    this.rejectSecured = (err) => settle.reject(err);
    this.secured.catch(() => undefined);

    transport.on('data', (chunk: Buffer) => {
      this.activity();
      this.conn.receive(chunk);
    });
    transport.on('end', () => this.conn.transportEnded());
    transport.on('error', (err: NodeJS.ErrnoException) => {
      const appErr = networkError(err, this.phase);
      this.conn.abort(appErr);
      this.destroy(appErr);
    });
    transport.on('close', () => {
      this.conn.transportEnded();
      if (!this.destroyed) this.destroy();
    });

    const start = (): void => {
      clearTimeout(this.connectTimer);
      this.phase = 'session';
      this.conn.handshake().then(
        (result) => {
          this.info = result;
          this.authorized = true;
          settle.resolve(result);
          this.flushPendingWrites();
          this.emit('secureConnect');
          this.emit('secure');
        },
        (err: unknown) => {
          settle.reject(err);
          for (const w of this.pendingWrites.splice(0)) w.callback(err as Error);
        },
      );
    };
    if (transport.connecting) {
      this.phase = 'connect';
      const ms = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
      this.connectTimer = setTimeout(() => this.destroy(new AppError('NETWORK_UNREACHABLE', `TCP connection not established within ${ms} ms`)), ms);
      transport.once('connect', start);
    } else {
      start();
    }
    // STARTTLS: the plaintext socket may have been paused or unpiped by its previous reader.
    transport.resume();
  }

  // ---- socket-like API ----

  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) this.once('timeout', callback);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref?.();
    }
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.transport.setKeepAlive?.(enable, initialDelay);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.transport.setNoDelay?.(noDelay);
    return this;
  }

  getCipher(): CipherInfo | null {
    if (!this.info) return null;
    return { name: this.info.suite.opensslName, standardName: this.info.suite.standardName, version: 'TLSv1.2' };
  }

  getProtocol(): 'TLSv1.2' | null {
    return this.info ? 'TLSv1.2' : null;
  }

  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.transport.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.transport.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.transport.localAddress;
  }
  get localPort(): number | undefined {
    return this.transport.localPort;
  }

  // ---- Duplex ----

  override _read(): void {
    if (this.transportPausedByUs) {
      this.transportPausedByUs = false;
      this.transport.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (!this.conn.isOpen && !this.info && !this.conn.error) {
      this.pendingWrites.push({ chunk, callback });
      return;
    }
    this.writeNow(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.conn.isOpen) this.conn.close();
    this.transport.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.connectTimer);
    // a no-op once the handshake settled; otherwise (TCP refused, caller gave up) it ends `secured`
    this.rejectSecured(err ?? new AppError('TLS_HANDSHAKE_FAILED', 'socket closed before the TLS handshake completed'));
    for (const w of this.pendingWrites.splice(0)) w.callback(err ?? new AppError('TLS_HANDSHAKE_FAILED', 'socket closed before the TLS handshake completed'));
    if (err && !this.conn.error) this.conn.abort(err instanceof AppError ? err : new AppError('INTERNAL', err.message, { cause: err }));
    if (!this.transport.destroyed) {
      // leave a moment for a final alert to go out, without keeping the process alive
      if (this.transport.writableLength > 0) setTimeout(() => this.transport.destroy(), 200).unref();
      else this.transport.destroy();
    }
    callback(err);
  }

  private writeNow(chunk: Buffer, callback: (err?: Error | null) => void): void {
    try {
      this.conn.write(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.activity();
    // Backpressure from the transport, with a deeper queue than its 16 KiB default: waiting for
    // 'drain' after every 64 KiB chunk halves the throughput.
    if (this.transport.writableLength > TRANSPORT_QUEUE_LIMIT) this.transport.once('drain', () => callback());
    else callback();
  }

  private flushPendingWrites(): void {
    for (const w of this.pendingWrites.splice(0)) this.writeNow(w.chunk, w.callback);
  }

  private activity(): void {
    this.idleTimer?.refresh();
  }
}

/** Implicit TLS over a new TCP connection. Returns synchronously; 'secureConnect' / `secured` tell when it is up. */
export function connectTls(options: TlsConnectOptions, onSecure?: () => void): TlsSocket {
  const tcp = net.connect({ host: options.host, port: options.port });
  const socket = new TlsSocket(tcp, options);
  if (onSecure) socket.once('secureConnect', onSecure);
  return socket;
}

/** STARTTLS: runs our TLS client over an already-connected plaintext socket. */
export function startTls(plain: Duplex, options: TlsClientOptions, onSecure?: () => void): TlsSocket {
  const socket = new TlsSocket(plain, options);
  if (onSecure) socket.once('secureConnect', onSecure);
  return socket;
}
