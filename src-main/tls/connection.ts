// The socket-free TLS 1.2 client connection: record framing and limits, handshake message
// reassembly, alerts, close_notify, renegotiation refusal, application data protection.
// Bytes come in through receive(), go out through the sink; the Duplex in socket.ts is a
// thin adapter over this class.
import { AppError, type ErrorCode } from '../errors/index.js';
import { Alert, AlertLevel, ContentType, HandshakeType, MAX_CIPHERTEXT, MAX_HANDSHAKE_MESSAGE, MAX_PLAINTEXT, alertName } from './constants.js';
import { TlsFailure, alertForError } from './failure.js';
import { runClientHandshake, type HandshakeChannel, type HandshakeParams, type HandshakeResult, type Inbound } from './handshake.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_SIGN_TIMEOUT_MS } from './policy.js';
import { TLS12 } from './messages.js';
import type { GcmOpener, GcmSealer } from './record-protection.js';
import type { Signer } from './signer.js';
import type { ServerCertificateVerifier } from './types.js';

export interface TlsClientOptions {
  /** host name (SNI and certificate name check) or IP literal */
  serverName: string;
  verifier: ServerCertificateVerifier;
  signer?: Signer;
  /** longest wait for any one server flight during the handshake */
  handshakeTimeoutMs?: number;
  /** longest wait for the client signature (PIN prompt, slow card) */
  signTimeoutMs?: number;
}

export interface TlsSink {
  /** bytes for the transport */
  write(bytes: Buffer): void;
  /** decrypted application data */
  data(plaintext: Buffer): void;
  /** the server sent close_notify (we answered with ours), or closed after ours: no more data will come */
  closeNotify(): void;
  /** fatal failure; the alert (if any) was already written */
  failure(err: AppError): void;
}

type State = 'idle' | 'handshaking' | 'open' | 'closed' | 'failed';

const RECORD_HEADER = 5;
/** Consecutive warning alerts tolerated before we call it a denial of service. */
const MAX_WARNINGS = 4;

/** Maps an alert the server sent to the error the user sees. */
function receivedAlertError(description: number, phase: 'before-server-hello' | 'client-auth' | 'handshake' | 'open', recordVersion: number): AppError {
  const name = alertName(description);
  let code: ErrorCode = 'TLS_ALERT_RECEIVED';
  // A server limited to TLS 1.0/1.1 finds none of our (TLS 1.2-only) suites and says
  // handshake_failure, but it writes that alert with its own, older, record version.
  if (description === Alert.protocol_version || (phase === 'before-server-hello' && recordVersion < TLS12)) code = 'TLS_PROTOCOL_VERSION';
  else if (phase === 'before-server-hello' && (description === Alert.handshake_failure || description === Alert.insufficient_security)) {
    code = 'TLS_NO_SHARED_CIPHER';
  } else if (
    phase === 'client-auth' &&
    [Alert.handshake_failure, Alert.bad_certificate, Alert.unsupported_certificate, Alert.certificate_revoked, Alert.certificate_expired, Alert.certificate_unknown, Alert.unknown_ca, Alert.access_denied, Alert.decrypt_error, Alert.certificate_required].includes(
      description as never,
    )
  ) {
    code = 'TLS_CLIENT_CERT_REJECTED';
  }
  return new AppError(code, `server sent fatal alert ${name} (${description})`, { data: { alert: name, received: true } });
}

export class TlsClientConnection implements HandshakeChannel {
  private state: State = 'idle';
  private incoming: Buffer = Buffer.alloc(0);
  private handshakeBuffer: Buffer = Buffer.alloc(0);
  private readonly inbound: Inbound[] = [];
  private waiter: { resolve: (m: Inbound) => void; reject: (e: AppError) => void; timer: NodeJS.Timeout } | undefined;
  private opener: GcmOpener | undefined;
  private pendingOpener: GcmOpener | undefined;
  private sealer: GcmSealer | undefined;
  private versionLocked = false;
  private sawServerHello = false;
  private sentClientCertificate = false;
  /** set synchronously when the server's Finished arrives, before the handshake promise resolves */
  private serverFinishedSeen = false;
  private readonly earlyData: Buffer[] = [];
  private warnings = 0;
  /** version field of the record being handled (tells a TLS 1.0/1.1-only server's alert apart) */
  private recordVersion = TLS12;
  private closeNotifySent = false;
  private closeNotifyReceived = false;
  private failure: AppError | undefined;
  private readonly handshakeTimeoutMs: number;

  constructor(private readonly options: TlsClientOptions, private readonly sink: TlsSink) {
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }
  get error(): AppError | undefined {
    return this.failure;
  }

  /** Runs the handshake. Resolves once the server's Finished is verified. */
  async handshake(): Promise<HandshakeResult> {
    if (this.state !== 'idle') throw new AppError('INTERNAL', 'handshake already started');
    this.state = 'handshaking';
    const params: HandshakeParams = {
      serverName: this.options.serverName,
      verifier: this.options.verifier,
      signTimeoutMs: this.options.signTimeoutMs ?? DEFAULT_SIGN_TIMEOUT_MS,
      ...(this.options.signer ? { signer: this.options.signer } : {}),
    };
    try {
      const result = await runClientHandshake(this, params);
      if (this.state !== 'handshaking') throw this.failure ?? new AppError('TLS_HANDSHAKE_FAILED', 'connection closed during the handshake');
      this.state = 'open';
      for (const data of this.earlyData.splice(0)) this.sink.data(data);
      return result;
    } catch (err) {
      const appError = err instanceof AppError ? err : new AppError('TLS_HANDSHAKE_FAILED', String(err), { cause: err });
      this.fail(appError);
      throw this.failure ?? appError;
    }
  }

  /** Bytes received from the transport. */
  receive(chunk: Buffer): void {
    if (this.stopped()) return;
    try {
      let data = chunk;
      if (this.incoming.length > 0) {
        // Finish the record split across reads, copying only that record (not the whole read).
        const needed = this.bytesToCompleteRecord(this.incoming, data);
        this.incoming = Buffer.concat([this.incoming, data.subarray(0, needed)]);
        data = data.subarray(needed);
        if (this.incoming.length < RECORD_HEADER || this.incoming.length < RECORD_HEADER + this.readRecordHeader(this.incoming)) return;
        const record = this.incoming;
        this.incoming = Buffer.alloc(0);
        this.processRecords(record);
      }
      // The rest is parsed in place; an incomplete tail waits for the next read.
      this.incoming = this.stopped() ? Buffer.alloc(0) : this.processRecords(data);
    } catch (err) {
      this.fail(err instanceof AppError ? err : new AppError('INTERNAL', String(err), { cause: err }));
    }
  }

  private stopped(): boolean {
    return this.state === 'failed' || this.state === 'closed' || this.closeNotifyReceived;
  }

  /** How many bytes of `next` complete the partial record in `partial` (its header checked first). */
  private bytesToCompleteRecord(partial: Buffer, next: Buffer): number {
    if (partial.length < RECORD_HEADER) {
      const head = Buffer.concat([partial, next.subarray(0, RECORD_HEADER - partial.length)]);
      if (head.length < RECORD_HEADER) return next.length;
      return RECORD_HEADER - partial.length + this.bytesToCompleteRecord(head, next.subarray(RECORD_HEADER - partial.length));
    }
    const length = this.readRecordHeader(partial);
    return Math.min(RECORD_HEADER + length - partial.length, next.length);
  }

  /** Checks the header at the start of `buf` (before waiting for its body) and returns the body length. */
  private readRecordHeader(buf: Buffer): number {
    const type = buf.readUInt8(0);
    const version = buf.readUInt16BE(1);
    const length = buf.readUInt16BE(3);
    this.checkRecordHeader(type, version, length);
    return length;
  }

  /** Handles every complete record of `buf`; returns the incomplete tail. */
  private processRecords(buf: Buffer): Buffer {
    let rest = buf;
    while (rest.length >= RECORD_HEADER && !this.stopped()) {
      const length = this.readRecordHeader(rest);
      if (rest.length < RECORD_HEADER + length) break;
      this.recordVersion = rest.readUInt16BE(1);
      const type = rest.readUInt8(0);
      const fragment = rest.subarray(RECORD_HEADER, RECORD_HEADER + length);
      rest = rest.subarray(RECORD_HEADER + length);
      this.handleRecord(type, fragment);
    }
    return rest;
  }

  /** The transport reached EOF (or closed). Without close_notify first, that is a truncation. */
  transportEnded(): void {
    if (this.state === 'failed' || this.state === 'closed' || this.closeNotifyReceived) return;
    if (this.state === 'open' && this.closeNotifySent) {
      // We closed first: RFC 5246 §7.2.1 lets the peer close without answering, nothing was lost.
      this.state = 'closed';
      this.sink.closeNotify();
      return;
    }
    if (this.state === 'handshaking' || this.state === 'idle') {
      this.fail(new AppError('TLS_HANDSHAKE_FAILED', 'server closed the connection during the TLS handshake'), false);
    } else {
      this.fail(new AppError('TLS_TRUNCATED', 'connection closed without close_notify: data may be truncated'), false);
    }
  }

  /** Protects and sends application data (split into 2^14-byte records). */
  write(plaintext: Buffer): void {
    if (this.state !== 'open' || this.closeNotifySent || !this.sealer) {
      throw this.failure ?? new AppError('TLS_HANDSHAKE_FAILED', 'write on a TLS connection that is not open');
    }
    const sealer = this.sealer;
    const parts: Buffer[] = [];
    for (let off = 0; off < plaintext.length; off += MAX_PLAINTEXT) {
      parts.push(...sealer.sealParts(ContentType.application_data, plaintext.subarray(off, off + MAX_PLAINTEXT)));
    }
    if (parts.length) this.sink.write(Buffer.concat(parts));
  }

  /** Sends close_notify (once). */
  close(): void {
    if (this.closeNotifySent || this.state === 'failed') return;
    if (this.state === 'open' || this.state === 'closed') this.sendAlert(AlertLevel.warning, Alert.close_notify);
    this.closeNotifySent = true;
    if (this.closeNotifyReceived) this.state = 'closed';
  }

  /** Aborts without alert (the transport is gone or the caller gave up). */
  abort(err: AppError): void {
    this.fail(err, false);
  }

  // ---- HandshakeChannel ----

  next(): Promise<Inbound> {
    const ready = this.inbound.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TlsFailure('TLS_TIMEOUT', Alert.user_canceled, `server did not answer within ${this.handshakeTimeoutMs} ms during the handshake`));
      }, this.handshakeTimeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  sendHandshake(message: Buffer): void {
    // After our Certificate (even an empty one), a certificate alert is about the client's.
    if (message[0] === HandshakeType.certificate) this.sentClientCertificate = true;
    // Our handshake messages are small: one record each, protected once the write keys are on.
    if (this.sealer) this.sink.write(this.sealer.seal(ContentType.handshake, message));
    else this.sink.write(plainRecord(ContentType.handshake, message));
  }

  sendChangeCipherSpec(sealer: GcmSealer): void {
    this.sink.write(plainRecord(ContentType.change_cipher_spec, Buffer.from([1])));
    this.sealer = sealer;
  }

  expectChangeCipherSpec(opener: GcmOpener): void {
    this.pendingOpener = opener;
  }

  lockVersion(): void {
    this.versionLocked = true;
  }

  // ---- records ----

  private checkRecordHeader(type: number, version: number, length: number): void {
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.unexpected_message, `unknown record content type ${type}`);
    }
    // Before ServerHello a server may use any 3.x record version (a TLS 1.1 server answers 3.2 and
    // we want to read that ServerHello to report the version precisely); after it, only 3.3.
    if (this.versionLocked ? version !== TLS12 : version >> 8 !== 3) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.protocol_version, `record version 0x${version.toString(16)}`);
    }
    const limit = this.opener ? MAX_CIPHERTEXT : MAX_PLAINTEXT;
    if (length > limit) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.record_overflow, `record of ${length} bytes exceeds the ${limit}-byte limit`);
    }
  }

  private handleRecord(type: number, fragment: Buffer): void {
    const plaintext = this.opener ? this.opener.open(type, fragment) : fragment;
    switch (type) {
      case ContentType.handshake:
        if (plaintext.length === 0) throw new TlsFailure('TLS_BAD_RECORD', Alert.unexpected_message, 'empty handshake record');
        this.warnings = 0;
        this.handleHandshakeBytes(plaintext);
        return;
      case ContentType.change_cipher_spec:
        this.handleChangeCipherSpec(plaintext);
        return;
      case ContentType.alert:
        this.handleAlerts(plaintext);
        return;
      default:
        this.handleApplicationData(plaintext);
    }
  }

  private handleHandshakeBytes(bytes: Buffer): void {
    this.handshakeBuffer = this.handshakeBuffer.length === 0 ? bytes : Buffer.concat([this.handshakeBuffer, bytes]);
    while (this.handshakeBuffer.length >= 4) {
      const msgType = this.handshakeBuffer.readUInt8(0);
      const length = this.handshakeBuffer.readUIntBE(1, 3);
      if (length > MAX_HANDSHAKE_MESSAGE) {
        throw new TlsFailure('TLS_BAD_RECORD', Alert.record_overflow, `handshake message of ${length} bytes`);
      }
      if (this.handshakeBuffer.length < 4 + length) return;
      const raw = Buffer.from(this.handshakeBuffer.subarray(0, 4 + length));
      this.handshakeBuffer = this.handshakeBuffer.subarray(4 + length);
      this.handleHandshakeMessage(msgType, raw);
    }
  }

  private handleHandshakeMessage(msgType: number, raw: Buffer): void {
    if (this.state === 'open' || this.serverFinishedSeen) {
      if (msgType === HandshakeType.hello_request) {
        // RFC 5746 allows answering no_renegotiation and carrying on, but a server that wants to
        // renegotiate usually wants something we will not give (e.g. a new client certificate
        // exchange); we stop here with a clear error rather than hang.
        this.sendAlert(AlertLevel.warning, Alert.no_renegotiation);
        throw new AppError('TLS_RENEGOTIATION_REFUSED', 'server asked for renegotiation (HelloRequest); refused', { data: { alert: 'no_renegotiation' } });
      }
      throw new TlsFailure('TLS_BAD_RECORD', Alert.unexpected_message, `handshake message type ${msgType} after the handshake`);
    }
    // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored (and not part of the transcript).
    if (msgType === HandshakeType.hello_request) return;
    if (msgType === HandshakeType.server_hello) {
      this.sawServerHello = true;
      // Lock record versions now, not when the handshake coroutine gets to it: the records that
      // follow in the same TCP segment are parsed before that.
      if (raw.length >= 6 && raw.readUInt16BE(4) === TLS12) this.versionLocked = true;
    }
    if (this.opener && msgType === HandshakeType.finished) this.serverFinishedSeen = true;
    this.deliver({ kind: 'handshake', type: msgType, body: raw.subarray(4), raw });
  }

  private handleChangeCipherSpec(plaintext: Buffer): void {
    if (plaintext.length !== 1 || plaintext[0] !== 1) throw new TlsFailure('TLS_BAD_RECORD', Alert.decode_error, 'malformed ChangeCipherSpec');
    if (!this.pendingOpener || this.handshakeBuffer.length !== 0 || this.opener) {
      throw new TlsFailure('TLS_HANDSHAKE_FAILED', Alert.unexpected_message, 'ChangeCipherSpec at an unexpected point');
    }
    this.opener = this.pendingOpener;
    this.pendingOpener = undefined;
    this.deliver({ kind: 'change_cipher_spec' });
  }

  private handleAlerts(plaintext: Buffer): void {
    if (plaintext.length === 0 || plaintext.length % 2 !== 0) throw new TlsFailure('TLS_BAD_RECORD', Alert.decode_error, 'malformed alert record');
    for (let i = 0; i < plaintext.length; i += 2) {
      const level = plaintext.readUInt8(i);
      const description = plaintext.readUInt8(i + 1);
      if (description === Alert.close_notify) {
        this.onCloseNotify();
        return;
      }
      if (level === AlertLevel.warning && description !== Alert.protocol_version && description !== Alert.handshake_failure) {
        if (++this.warnings > MAX_WARNINGS) throw new TlsFailure('TLS_BAD_RECORD', Alert.unexpected_message, 'too many warning alerts');
        continue;
      }
      const phase = !this.sawServerHello ? 'before-server-hello' : this.state === 'open' ? 'open' : this.sentClientCertificate ? 'client-auth' : 'handshake';
      this.fail(receivedAlertError(description, phase, this.recordVersion), false);
      return;
    }
  }

  private handleApplicationData(plaintext: Buffer): void {
    if (!this.opener || (this.state !== 'open' && !this.serverFinishedSeen)) {
      throw new TlsFailure('TLS_BAD_RECORD', Alert.unexpected_message, 'application data before the handshake completed');
    }
    this.warnings = 0;
    if (plaintext.length === 0) return;
    if (this.state === 'open') this.sink.data(plaintext);
    else this.earlyData.push(plaintext); // arrived with the server Finished, before the handshake promise settled
  }

  private onCloseNotify(): void {
    if (this.state !== 'open') {
      this.fail(new AppError('TLS_HANDSHAKE_FAILED', 'server closed the connection (close_notify) during the handshake', { data: { alert: 'close_notify', received: true } }), false);
      return;
    }
    this.closeNotifyReceived = true;
    // RFC 5246 §7.2.1: answer with our own close_notify.
    if (!this.closeNotifySent) {
      this.sendAlert(AlertLevel.warning, Alert.close_notify);
      this.closeNotifySent = true;
    }
    this.state = 'closed';
    this.sink.closeNotify();
  }

  private deliver(m: Inbound): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      clearTimeout(waiter.timer);
      waiter.resolve(m);
    } else {
      this.inbound.push(m);
    }
  }

  private sendAlert(level: number, description: number): void {
    const body = Buffer.from([level, description]);
    this.sink.write(this.sealer ? this.sealer.seal(ContentType.alert, body) : plainRecord(ContentType.alert, body));
  }

  private fail(err: AppError, sendAlert = true): void {
    if (this.state === 'failed') return;
    const wasOpenOrHandshaking = this.state === 'open' || this.state === 'handshaking';
    this.state = 'failed';
    this.failure = err;
    if (sendAlert && wasOpenOrHandshaking && !err.data.received) {
      try {
        this.sendAlert(AlertLevel.fatal, alertForError(err));
      } catch {
        // the transport may already be gone; the failure below is what matters
      }
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.sink.failure(err);
  }
}

function plainRecord(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(RECORD_HEADER);
  header.writeUInt8(type, 0);
  header.writeUInt16BE(TLS12, 1);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}
