// The socket-free TLS client: against Node's TLS server over an in-memory stream pair, and
// against hand-made server records fed straight into the connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { AppError } from '../../../src-main/errors/index.js';
import { TlsClientConnection, TlsSocket, SignatureScheme } from '../../../src-main/tls/index.js';
import { Alert, ContentType, ExtensionType, HandshakeType } from '../../../src-main/tls/constants.js';
import { chooseClientScheme } from '../../../src-main/tls/handshake.js';
import { handshakeMessage, parseServerHello } from '../../../src-main/tls/messages.js';
import { ByteReader, u16, u8, vec16, vec8 } from '../../../src-main/tls/wire.js';
import { makeTestPki, PinnedCaVerifier, SoftwareSigner, type TestPki } from '../../support/tls.js';
import { record } from '../../support/tls-hostile.js';

let pki: TestPki;
before(() => {
  pki = makeTestPki();
});
after(() => pki.cleanup());
const read = (f: string): string => readFileSync(f, 'utf8');

/** Two in-memory stream ends: what one writes, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  ends.push(make(() => ends[1] as Duplex), make(() => ends[0] as Duplex));
  return [ends[0] as Duplex, ends[1] as Duplex];
}

function nodeServer(end: Duplex, opts: tls.TlsOptions = {}): tls.TLSSocket {
  const server = new tls.TLSSocket(end, {
    isServer: true,
    secureContext: tls.createSecureContext({ key: read(pki.serverKey), cert: read(pki.serverChain), ca: read(pki.caCert) }),
    ...opts,
  } as tls.TLSSocketOptions);
  server.on('error', () => undefined);
  return server;
}

describe('TLS client over an in-memory stream against Node TLS (no sockets)', () => {
  it('mutual authentication, large writes split into 2^14-byte records, close_notify both ways', async () => {
    const [clientEnd, serverEnd] = duplexPair();
    const server = nodeServer(serverEnd, { requestCert: true, rejectUnauthorized: true });
    const signer = new SoftwareSigner(read(pki.clientKey), read(pki.clientCert), [SignatureScheme.rsa_pkcs1_sha256]);
    const client = new TlsSocket(clientEnd, { serverName: 'localhost', verifier: new PinnedCaVerifier(read(pki.caCert)), signer });
    const received: Buffer[] = [];
    server.on('data', (d: Buffer) => received.push(d));
    const serverEnded = new Promise<void>((r) => server.on('end', () => r()));
    const info = await client.secured;
    assert.equal(info.clientCertificateRequested, true);
    assert.equal(info.clientSignatureScheme, SignatureScheme.rsa_pkcs1_sha256);
    assert.equal(server.getPeerCertificate().subject?.CN, '810000000001');
    const payload = randomBytes(100_000);
    const clientFinished = new Promise((r) => client.once('finish', r));
    client.write(payload);
    client.end(); // sends close_notify: the server sees a clean end, after every byte
    await serverEnded;
    await clientFinished;
    assert.ok(Buffer.concat(received).equals(payload));
    client.destroy();
  });

  it('delivers data sent by the server right after its Finished, then ends on its close_notify', async () => {
    const [clientEnd, serverEnd] = duplexPair();
    const server = nodeServer(serverEnd);
    server.on('secure', () => server.end('bienvenue'));
    const client = new TlsSocket(clientEnd, { serverName: 'localhost', verifier: new PinnedCaVerifier(read(pki.caCert)) });
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((r) => client.once('end', r));
    assert.equal(Buffer.concat(chunks).toString(), 'bienvenue');
  });

  it('a signer failure ends the handshake with the signer\'s code (a card error) or CARD_SIGN_FAILED', async () => {
    for (const [thrown, code] of [
      [new AppError('CARD_REMOVED', 'card pulled out'), 'CARD_REMOVED'],
      [new Error('pkcs11 exploded'), 'CARD_SIGN_FAILED'],
    ] as const) {
      const [clientEnd, serverEnd] = duplexPair();
      nodeServer(serverEnd, { requestCert: true, rejectUnauthorized: true });
      const good = new SoftwareSigner(read(pki.clientKey), read(pki.clientCert));
      const failing = { certificateChain: () => good.certificateChain(), supportedSchemes: () => good.supportedSchemes(), sign: () => Promise.reject(thrown) };
      const client = new TlsSocket(clientEnd, { serverName: 'localhost', verifier: new PinnedCaVerifier(read(pki.caCert)), signer: failing });
      client.on('error', () => undefined);
      await assert.rejects(client.secured, (e: AppError) => e.code === code);
    }
  });

  it('the verifier refusal ends the handshake with its own code and a matching alert to the server', async () => {
    const [clientEnd, serverEnd] = duplexPair();
    const server = nodeServer(serverEnd);
    const serverError = new Promise<Error>((r) => server.once('error', r));
    const client = new TlsSocket(clientEnd, { serverName: 'localhost', verifier: new PinnedCaVerifier(read(pki.otherCaCert)) });
    client.on('error', () => undefined);
    await assert.rejects(client.secured, (e: AppError) => e.code === 'CERT_UNKNOWN_CA');
    assert.match(String(await serverError), /unknown ca/i);
  });
});

/** A TlsClientConnection with its output captured. */
function engine(opts: { serverName?: string; handshakeTimeoutMs?: number } = {}) {
  const out: Buffer[] = [];
  let failure: AppError | undefined;
  const conn = new TlsClientConnection(
    { serverName: opts.serverName ?? 'mail.example.test', verifier: new PinnedCaVerifier(read(pki.caCert)), handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5000 },
    { write: (b) => out.push(b), data: () => undefined, closeNotify: () => undefined, failure: (e) => (failure = e) },
  );
  const done = conn.handshake().then(
    () => undefined,
    (e: unknown) => e as AppError,
  );
  return { conn, out, done, failure: () => failure };
}

function serverHello(opts: { version?: number; suite?: number; extensions?: [number, Buffer][] } = {}): Buffer {
  const exts = opts.extensions ?? [
    [ExtensionType.extended_master_secret, Buffer.alloc(0)],
    [ExtensionType.renegotiation_info, vec8(Buffer.alloc(0))],
  ];
  const body = Buffer.concat([
    u16(opts.version ?? 0x0303),
    randomBytes(32),
    vec8(Buffer.alloc(0)),
    u16(opts.suite ?? 0xc02f),
    u8(0),
    vec16(Buffer.concat(exts.map(([t, d]) => Buffer.concat([u16(t), vec16(d)])))),
  ]);
  return record(ContentType.handshake, handshakeMessage(HandshakeType.server_hello, body));
}

const alertSent = (out: Buffer[], alert: number): boolean => out.some((b) => b.length === 7 && b[0] === ContentType.alert && b[5] === 2 && b[6] === alert);

describe('ClientHello', () => {
  it('offers exactly TLS 1.2, the two GCM suites, the three groups, EMS, renegotiation_info and SNI', () => {
    const { out, conn } = engine();
    const hello = out[0] as Buffer;
    assert.equal(hello[0], ContentType.handshake);
    const r = new ByteReader(hello.subarray(9), 'hello');
    assert.equal(r.u16(), 0x0303);
    r.bytes(32);
    assert.equal(r.vec8().length, 0);
    assert.equal(r.vec16().toString('hex'), 'c030c02f');
    assert.equal(r.vec8().toString('hex'), '00');
    const exts = new Map<number, Buffer>();
    const er = new ByteReader(r.vec16(), 'exts');
    while (er.remaining) exts.set(er.u16(), er.vec16());
    assert.equal(exts.get(ExtensionType.supported_groups)?.toString('hex'), '0006001d00170018');
    assert.equal(exts.get(ExtensionType.extended_master_secret)?.length, 0);
    assert.equal(exts.get(ExtensionType.renegotiation_info)?.toString('hex'), '00');
    assert.match(exts.get(ExtensionType.server_name)?.toString('latin1') ?? '', /mail\.example\.test$/);
    assert.equal(exts.get(ExtensionType.signature_algorithms)?.toString('hex'), '000c080408050806040105010601');
    conn.abort(new AppError('TLS_HANDSHAKE_FAILED', 'test over'));
  });

  it('sends no SNI for an IP address', () => {
    const { out, conn } = engine({ serverName: '127.0.0.1' });
    assert.ok(!(out[0] as Buffer).includes(Buffer.from('127.0.0.1')));
    conn.abort(new AppError('TLS_HANDSHAKE_FAILED', 'test over'));
  });
});

describe('ServerHello and record checks (hand-made server records)', () => {
  const cases: { name: string; input: () => Buffer; code: string; alert?: number }[] = [
    { name: 'TLS 1.1 ServerHello', input: () => serverHello({ version: 0x0302 }), code: 'TLS_PROTOCOL_VERSION', alert: Alert.protocol_version },
    { name: 'a suite we did not offer', input: () => serverHello({ suite: 0xc027 }), code: 'TLS_HANDSHAKE_FAILED', alert: Alert.illegal_parameter },
    {
      name: 'no renegotiation_info',
      input: () => serverHello({ extensions: [[ExtensionType.extended_master_secret, Buffer.alloc(0)]] }),
      code: 'TLS_SERVER_INSECURE',
      alert: Alert.handshake_failure,
    },
    {
      name: 'an extension we did not offer (session ticket)',
      input: () => serverHello({ extensions: [[ExtensionType.extended_master_secret, Buffer.alloc(0)], [ExtensionType.renegotiation_info, vec8(Buffer.alloc(0))], [35, Buffer.alloc(0)]] }),
      code: 'TLS_HANDSHAKE_FAILED',
      alert: Alert.unsupported_extension,
    },
    { name: 'application data before the handshake', input: () => record(ContentType.application_data, Buffer.from('hello')), code: 'TLS_BAD_RECORD', alert: Alert.unexpected_message },
    { name: 'an unknown record type', input: () => record(99, Buffer.from('x')), code: 'TLS_BAD_RECORD', alert: Alert.unexpected_message },
    { name: 'a plaintext record over 2^14 bytes', input: () => record(ContentType.handshake, Buffer.alloc(2 ** 14 + 1)).subarray(0, 5), code: 'TLS_BAD_RECORD', alert: Alert.record_overflow },
    { name: 'a handshake message over 64 KiB', input: () => record(ContentType.handshake, Buffer.from([2, 0x02, 0x00, 0x00])), code: 'TLS_BAD_RECORD', alert: Alert.record_overflow },
    { name: 'an early ChangeCipherSpec', input: () => record(ContentType.change_cipher_spec, Buffer.from([1])), code: 'TLS_HANDSHAKE_FAILED', alert: Alert.unexpected_message },
    { name: 'a fatal handshake_failure alert before ServerHello', input: () => record(ContentType.alert, Buffer.from([2, 40])), code: 'TLS_NO_SHARED_CIPHER' },
    { name: 'the same alert in a TLS 1.1 record', input: () => record(ContentType.alert, Buffer.from([2, 40]), 0x0302), code: 'TLS_PROTOCOL_VERSION' },
    { name: 'a protocol_version alert (TLS 1.3-only server)', input: () => record(ContentType.alert, Buffer.from([2, 70])), code: 'TLS_PROTOCOL_VERSION' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}: ${c.code}`, async () => {
      const e = engine();
      e.conn.receive(c.input());
      const err = await e.done;
      assert.ok(err instanceof AppError, 'handshake should fail');
      assert.equal(err.code, c.code, err.message);
      if (c.alert !== undefined) assert.ok(alertSent(e.out, c.alert), `alert ${c.alert} not sent`);
      else assert.equal(e.out.length, 1, 'no alert in answer to an alert');
    });
  }

  it('accepts a ServerHello split over several records, byte by byte', async () => {
    const e = engine();
    const sh = serverHello();
    const body = sh.subarray(5);
    for (const byte of body) e.conn.receive(record(ContentType.handshake, Buffer.from([byte])));
    assert.equal(parseServerHello(body.subarray(4)).cipherSuite, 0xc02f);
    e.conn.receive(record(ContentType.handshake, handshakeMessage(HandshakeType.server_key_exchange, Buffer.alloc(4))));
    const err = await e.done;
    assert.ok(err instanceof AppError);
    assert.match(err.message, /expected Certificate/); // got past ServerHello
  });

  it('times out when the server stays silent', async () => {
    const e = engine({ handshakeTimeoutMs: 50 });
    const err = await e.done;
    assert.equal(err?.code, 'TLS_TIMEOUT');
  });
});

describe('client signature scheme choice', () => {
  it('takes the first scheme of the key that the server accepts, nothing else', () => {
    const req = { certificateTypes: [1], schemes: [0x0401, 0x0804, 0x0501] };
    assert.equal(chooseClientScheme([0x0804, 0x0401], req), 0x0804);
    assert.equal(chooseClientScheme([0x0401], req), 0x0401);
    assert.equal(chooseClientScheme([0x0806], req), undefined);
  });
});
