// TEST-ONLY hostile TLS peers for the client's negative tests:
//  - a MITM proxy in front of a real TLS server that can tamper with, inject or cut the
//    server→client byte stream (and re-chunk it into tiny TCP segments);
//  - a minimal TLS 1.2 server built from our own primitives whose Finished can be corrupted
//    or whose ServerHello can omit mandatory extensions (things no real server does on request).
import { X509Certificate, createPrivateKey, diffieHellman, generateKeyPairSync, createPublicKey, randomBytes, sign as cryptoSign } from 'node:crypto';
import net from 'node:net';
import { ContentType, ExtensionType, HandshakeType, NamedGroup } from '../../src-main/tls/constants.js';
import { Transcript, aeadKeyBlock, extendedMasterSecret, finishedVerifyData } from '../../src-main/tls/key-schedule.js';
import { handshakeMessage } from '../../src-main/tls/messages.js';
import { GcmOpener, GcmSealer } from '../../src-main/tls/record-protection.js';
import { u16, u8, vec16, vec24, vec8 } from '../../src-main/tls/wire.js';
import { pemCertificates } from './tls.js';

export function record(type: number, body: Buffer, version = 0x0303): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt8(type, 0);
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(body.length, 3);
  return Buffer.concat([h, body]);
}

/** Splits a byte stream into TLS records as they complete. */
export class RecordSplitter {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): { type: number; header: Buffer; body: Buffer }[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: { type: number; header: Buffer; body: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt16BE(3);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf.readUInt8(0), header: this.buf.subarray(0, 5), body: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}

export interface ProxyHooks {
  /**
   * Called for each complete record from the server (index counts application_data records only,
   * from 0). Return the bytes to forward (default: the record unchanged), or 'close' to cut the
   * TCP connection right there without forwarding.
   */
  onServerRecord?(rec: { type: number; header: Buffer; body: Buffer; appIndex: number }): Buffer | 'close' | undefined;
  /** forward server bytes to the client in chunks of at most this size (exercises reassembly) */
  chunkSize?: number;
}

export interface Proxy {
  port: number;
  close(): Promise<void>;
}

/** A TCP proxy on a port the OS picks to 127.0.0.1:`targetPort`, with hooks on the server→client direction. */
export function startProxy(targetPort: number, hooks: ProxyHooks): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    const splitter = new RecordSplitter();
    let appIndex = 0;
    const send = (bytes: Buffer): void => {
      const size = hooks.chunkSize ?? bytes.length;
      for (let i = 0; i < bytes.length; i += size) client.write(bytes.subarray(i, i + size));
    };
    upstream.on('data', (chunk: Buffer) => {
      for (const rec of splitter.push(chunk)) {
        const isApp = rec.type === ContentType.application_data;
        const decision = hooks.onServerRecord?.({ ...rec, appIndex });
        if (isApp) appIndex++;
        if (decision === 'close') {
          client.destroySoon();
          upstream.destroy();
          return;
        }
        send(decision ?? Buffer.concat([rec.header, rec.body]));
      }
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}

export interface MiniServerOptions {
  certPem: string;
  keyPem: string;
  /** flip one bit of the server Finished verify_data */
  corruptFinished?: boolean;
  /** leave out the extended_master_secret extension */
  omitExtendedMasterSecret?: boolean;
  /** put this in the last 8 bytes of the server random (e.g. DOWNGRD\x01) */
  randomTail?: Buffer;
  /** after the handshake: answer each application record with this transformation of it */
  echo?: boolean;
}

/**
 * A deliberately small TLS 1.2 server (ECDHE-RSA-AES128-GCM-SHA256, x25519 only, EMS, no client
 * auth) used only to produce server behaviour that real implementations refuse to produce.
 */
export function startMiniServer(opts: MiniServerOptions): Promise<Proxy> {
  const key = createPrivateKey(opts.keyPem);
  const certDer = pemCertificates(opts.certPem)[0] as Buffer;
  new X509Certificate(certDer); // fail early on a bad fixture
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    const splitter = new RecordSplitter();
    const transcript = new Transcript();
    let handshakeBuf = Buffer.alloc(0);
    let clientRandom = Buffer.alloc(0);
    const serverRandom = opts.randomTail ? Buffer.concat([randomBytes(24), opts.randomTail]) : randomBytes(32);
    const eph = generateKeyPairSync('x25519');
    let opener: GcmOpener | undefined;
    let sealer: GcmSealer | undefined;
    let masterSecret: Buffer = Buffer.alloc(0);
    let keys: ReturnType<typeof aeadKeyBlock> | undefined;
    let clientCcs = false;

    const onHandshake = (raw: Buffer): void => {
      const type = raw.readUInt8(0);
      const body = raw.subarray(4);
      if (type === HandshakeType.client_hello) {
        transcript.add(raw);
        clientRandom = Buffer.from(body.subarray(2, 34));
        const exts = Buffer.concat([
          ...(opts.omitExtendedMasterSecret ? [] : [Buffer.concat([u16(ExtensionType.extended_master_secret), vec16(Buffer.alloc(0))])]),
          Buffer.concat([u16(ExtensionType.renegotiation_info), vec16(vec8(Buffer.alloc(0)))]),
        ]);
        const serverHello = handshakeMessage(HandshakeType.server_hello, Buffer.concat([u16(0x0303), serverRandom, vec8(Buffer.alloc(0)), u16(0xc02f), u8(0), vec16(exts)]));
        const certificate = handshakeMessage(HandshakeType.certificate, vec24(vec24(certDer)));
        const pub = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
        const params = Buffer.concat([u8(3), u16(NamedGroup.x25519), vec8(pub)]);
        const sig = cryptoSign('sha256', Buffer.concat([clientRandom, serverRandom, params]), key);
        const ske = handshakeMessage(HandshakeType.server_key_exchange, Buffer.concat([params, u16(0x0401), vec16(sig)]));
        const done = handshakeMessage(HandshakeType.server_hello_done, Buffer.alloc(0));
        for (const m of [serverHello, certificate, ske, done]) transcript.add(m);
        sock.write(record(ContentType.handshake, Buffer.concat([serverHello, certificate, ske, done])));
      } else if (type === HandshakeType.client_key_exchange) {
        transcript.add(raw);
        const clientPub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: body.subarray(1).toString('base64url') }, format: 'jwk' });
        const pms = diffieHellman({ privateKey: eph.privateKey, publicKey: clientPub });
        masterSecret = extendedMasterSecret('sha256', pms, transcript.hash('sha256'));
        keys = aeadKeyBlock('sha256', masterSecret, clientRandom, serverRandom, 16);
      } else if (type === HandshakeType.finished && keys) {
        transcript.add(raw);
        const verify = finishedVerifyData('sha256', masterSecret, 'server finished', transcript.hash('sha256'));
        if (opts.corruptFinished) verify[0] = (verify[0] as number) ^ 1;
        sealer = new GcmSealer(keys.serverKey, keys.serverIv);
        sock.write(Buffer.concat([record(ContentType.change_cipher_spec, Buffer.from([1])), sealer.seal(ContentType.handshake, handshakeMessage(HandshakeType.finished, verify))]));
      }
    };

    sock.on('data', (chunk: Buffer) => {
      for (const rec of splitter.push(chunk)) {
        if (rec.type === ContentType.change_cipher_spec && keys) {
          opener = new GcmOpener(keys.clientKey, keys.clientIv);
          clientCcs = true;
          continue;
        }
        let body: Buffer<ArrayBufferLike>;
        try {
          body = opener && clientCcs ? opener.open(rec.type, rec.body) : rec.body;
        } catch {
          sock.destroy();
          return;
        }
        if (rec.type === ContentType.handshake) {
          handshakeBuf = Buffer.concat([handshakeBuf, body]);
          while (handshakeBuf.length >= 4 && handshakeBuf.length >= 4 + handshakeBuf.readUIntBE(1, 3)) {
            const len = 4 + handshakeBuf.readUIntBE(1, 3);
            onHandshake(Buffer.from(handshakeBuf.subarray(0, len)));
            handshakeBuf = handshakeBuf.subarray(len);
          }
        } else if (rec.type === ContentType.application_data && sealer && opts.echo) {
          sock.write(sealer.seal(ContentType.application_data, body));
        } else if (rec.type === ContentType.alert) {
          sock.end();
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}
