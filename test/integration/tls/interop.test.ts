// Our TLS 1.2 client against real TLS implementations (OpenSSL, GnuTLS, Node) and hostile
// servers. Every negative case must fail with its own, precise error code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../../src-main/errors/index.js';
import { connectTls, SignatureScheme, type TlsSocket } from '../../../src-main/tls/index.js';
import { closedPort, listenOnFreePort } from '../../support/ports.js';
import { makeTestPki, PinnedCaVerifier, SoftwareSigner, startGnutlsServer, startOpensslServer, type ExternalServer, type TestPki } from '../../support/tls.js';
import { record, startMiniServer, startProxy, type ProxyHooks } from '../../support/tls-hostile.js';

let pki: TestPki;
const read = (f: string): string => readFileSync(f, 'utf8');
const verifier = (): PinnedCaVerifier => new PinnedCaVerifier(read(pki.caCert));
const signer = (schemes?: number[]): SoftwareSigner => new SoftwareSigner(read(pki.clientKey), read(pki.clientCert), schemes);

async function open(port: number, opts: { signer?: SoftwareSigner; serverName?: string; verifier?: PinnedCaVerifier } = {}): Promise<TlsSocket> {
  const socket = connectTls({ host: '127.0.0.1', port, serverName: opts.serverName ?? 'localhost', verifier: opts.verifier ?? verifier(), ...(opts.signer ? { signer: opts.signer } : {}) });
  socket.on('error', () => undefined); // asserted through `secured` / readAll
  await socket.secured;
  return socket;
}

/** Handshake must fail: returns the AppError. */
async function refused(port: number, opts: Parameters<typeof open>[1] = {}): Promise<AppError> {
  const err = await open(port, opts).then(
    (s) => {
      s.destroy();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
  return err;
}

/** Writes `payload`, reads until `expectLength` bytes came back (or the socket fails/ends). */
function roundTrip(socket: TlsSocket, payload: Buffer, expectLength = payload.length): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer): void => {
      chunks.push(d);
      got += d.length;
      if (got >= expectLength) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`ended after ${got} bytes`)));
    socket.write(payload);
  });
}

/** Collects data until the socket fails or ends; resolves with what came and the error. */
function readAll(socket: TlsSocket): Promise<{ data: Buffer; error?: unknown }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('error', (error) => resolve({ data: Buffer.concat(chunks), error }));
    socket.once('end', () => resolve({ data: Buffer.concat(chunks) }));
  });
}

function closed(socket: TlsSocket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

function echoPayload(size: number): Buffer {
  // printable lines: OpenSSL's -rev mode and GnuTLS's --echo both work line by line
  const line = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(28) + '\n');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += line.length) line.copy(out, i);
  out[size - 1] = 0x0a;
  return out;
}

before(() => {
  pki = makeTestPki();
});
after(() => pki.cleanup());

describe('interop: OpenSSL s_server', () => {
  let server: ExternalServer;
  before(async () => {
    server = await startOpensslServer(['-cert', pki.serverCert, '-key', pki.serverKey, '-CAfile', pki.caCert, '-Verify', '1', '-verify_return_error', '-rev']);
  });
  after(() => server.stop());

  it('mutual TLS 1.2 with ECDHE-RSA-AES-GCM, client key signs once, line round trip, clean close', async () => {
    const s = signer();
    const socket = await open(server.port, { signer: s });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    assert.match(socket.getCipher()?.standardName ?? '', /^TLS_ECDHE_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
    assert.equal(s.signatures, 1);
    assert.equal(socket.info?.clientCertificateRequested, true);
    assert.deepEqual(socket.info?.serverChain.subjects, ['CN=localhost', 'CN=TEST TLS CLIENT CA']);
    const back = await roundTrip(socket, Buffer.from('bonjour docteur\n'));
    assert.equal(back.toString(), 'ruetcod ruojnob\n');
    socket.end();
    await closed(socket);
  });

  it('a key without RSA-PSS (CPS3 card) authenticates with rsa_pkcs1_sha256', async () => {
    const s = signer([SignatureScheme.rsa_pkcs1_sha256]);
    const socket = await open(server.port, { signer: s });
    assert.equal(s.lastScheme, SignatureScheme.rsa_pkcs1_sha256);
    assert.equal(socket.info?.clientSignatureScheme, SignatureScheme.rsa_pkcs1_sha256);
    socket.destroy();
  });

  it('a server requiring a client certificate refuses us without one: TLS_CLIENT_CERT_REJECTED', async () => {
    const err = await refused(server.port);
    assert.equal(err.code, 'TLS_CLIENT_CERT_REJECTED', err.message);
  });

  it('a signer that is slower than the handshake clock (PIN prompt) still completes', async () => {
    const slow = new SoftwareSigner(read(pki.clientKey), read(pki.clientCert), undefined, 1500);
    const socket = connectTls({ host: '127.0.0.1', port: server.port, serverName: 'localhost', verifier: verifier(), signer: slow, handshakeTimeoutMs: 1000 });
    await socket.secured;
    assert.equal(slow.signatures, 1);
    socket.destroy();
  });

  it('a signer that never answers fails with TLS_SIGN_TIMEOUT', async () => {
    const stuck = new SoftwareSigner(read(pki.clientKey), read(pki.clientCert), undefined, 60_000);
    const socket = connectTls({ host: '127.0.0.1', port: server.port, serverName: 'localhost', verifier: verifier(), signer: stuck, signTimeoutMs: 300 });
    socket.on('error', () => undefined);
    await assert.rejects(socket.secured, (e: AppError) => e.code === 'TLS_SIGN_TIMEOUT');
  });

  it('refuses a server whose certificate the verifier rejects (unknown CA), before sending any key material', async () => {
    const other = new PinnedCaVerifier(read(pki.otherCaCert));
    const s = signer();
    const err = await refused(server.port, { verifier: other, signer: s });
    assert.equal(err.code, 'CERT_UNKNOWN_CA');
    assert.equal(s.signatures, 0);
  });
});

describe('interop: OpenSSL with fragmented records', () => {
  let server: ExternalServer;
  before(async () => {
    // 512-byte records: the Certificate message spans several records
    server = await startOpensslServer(['-cert', pki.serverCert, '-key', pki.serverKey, '-cert_chain', pki.caCert, '-max_send_frag', '512', '-rev']);
  });
  after(() => server.stop());

  it('reassembles handshake messages split over records, and records split over 3-byte TCP segments', async () => {
    const proxy = await startProxy(server.port, { chunkSize: 3 });
    try {
      const socket = await open(proxy.port);
      const line = Buffer.from('x'.repeat(3000) + 'y\n');
      const back = await roundTrip(socket, line);
      assert.equal(back.toString(), 'y' + 'x'.repeat(3000) + '\n');
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });
});

describe('interop: GnuTLS gnutls-serv', () => {
  let server: ExternalServer;
  before(async () => {
    server = await startGnutlsServer(['--echo', '--x509certfile', pki.serverChain, '--x509keyfile', pki.serverKey, '--x509cafile', pki.caCert, '--require-client-cert', '--verify-client-cert']);
  });
  after(() => server.stop());

  it('mutual TLS and a 1 MiB+ echo round trip', async () => {
    const s = signer();
    const socket = await open(server.port, { signer: s });
    assert.equal(s.signatures, 1);
    const payload = echoPayload(1024 * 1024 + 4096);
    const back = await roundTrip(socket, payload);
    assert.equal(back.length, payload.length);
    assert.ok(back.equals(payload), 'echoed bytes differ');
    socket.end();
    await closed(socket);
  });
});

describe('interop: Node tls server', () => {
  let server: tls.Server;
  let port: number;
  const peers: string[] = [];
  before(async () => {
    server = tls.createServer(
      { key: read(pki.serverKey), cert: read(pki.serverChain), ca: read(pki.caCert), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      (sock) => {
        peers.push(String(sock.getPeerCertificate().subject?.CN));
        sock.on('error', () => undefined);
        sock.pipe(sock);
      },
    );
    port = await listenOnFreePort(server);
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('mutual TLS (server sees our client certificate) and 1 MiB+ binary round trip', async () => {
    const socket = await open(port, { signer: signer() });
    assert.equal(peers.at(-1), '810000000001');
    const payload = randomBytes(1024 * 1024 + 777);
    const back = await roundTrip(socket, payload);
    assert.ok(back.equals(payload));
    socket.end();
    await closed(socket);
  });

  it('accepts the DOWNGRD sentinel of a TLS 1.3-capable server (Node offers 1.3 by default)', async () => {
    const socket = await open(port, { signer: signer() });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    socket.destroy();
  });

  /** Through a proxy that rewrites the server's first application record: the client must fail with `alert`. */
  async function refusedAfterRewrite(rewrite: NonNullable<ProxyHooks['onServerRecord']>, alert: string): Promise<void> {
    const proxy = await startProxy(port, { onServerRecord: (rec) => (rec.type === 23 && rec.appIndex === 0 ? rewrite(rec) : undefined) });
    try {
      const socket = await open(proxy.port, { signer: signer() });
      const result = readAll(socket);
      socket.write('ping');
      const { error } = await result;
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'TLS_BAD_RECORD');
      assert.equal(error.data.alert, alert);
    } finally {
      await proxy.close();
    }
  }

  it('refuses a tampered record (bad GCM tag) with TLS_BAD_RECORD / bad_record_mac', async () => {
    await refusedAfterRewrite(
      (rec) => {
        const body = Buffer.from(rec.body);
        body[body.length - 20] = (body[body.length - 20] as number) ^ 0x01;
        return Buffer.concat([rec.header, body]);
      },
      'bad_record_mac',
    );
  });

  it('refuses an oversized record with TLS_BAD_RECORD / record_overflow', async () => {
    await refusedAfterRewrite(() => record(23, randomBytes(2 ** 14 + 2048 + 1)), 'record_overflow');
  });

  it('reports truncation (TCP close without close_notify) as TLS_TRUNCATED after delivering the data received', async () => {
    const proxy = await startProxy(port, { onServerRecord: (rec) => (rec.type === 23 && rec.appIndex === 1 ? 'close' : undefined) });
    try {
      const socket = await open(proxy.port, { signer: signer() });
      const result = readAll(socket);
      // 'second' only once 'first' came back, so the server echoes them in two records
      const firstBack = new Promise((r) => socket.once('data', r));
      socket.write('first');
      await firstBack;
      socket.write('second');
      const { data, error } = await result;
      assert.equal(data.toString(), 'first');
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'TLS_TRUNCATED');
    } finally {
      await proxy.close();
    }
  });
});

describe('hostile and out-of-policy servers', () => {
  it('refuses a server asking for renegotiation with TLS_RENEGOTIATION_REFUSED', async () => {
    const server = tls.createServer({ key: read(pki.serverKey), cert: read(pki.serverChain), maxVersion: 'TLSv1.2' }, (sock) => {
      sock.on('error', () => undefined);
      sock.once('data', () => sock.renegotiate({}, () => undefined));
    });
    const port = await listenOnFreePort(server);
    try {
      const socket = await open(port);
      const result = readAll(socket);
      socket.write('hello');
      const { error } = await result;
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'TLS_RENEGOTIATION_REFUSED');
    } finally {
      server.close();
    }
  });

  it('refuses a TLS 1.1-only server with TLS_PROTOCOL_VERSION', async () => {
    const server = await startOpensslServer(['-cert', pki.serverCert, '-key', pki.serverKey, '-tls1_1', '-cipher', 'ALL:@SECLEVEL=0']);
    try {
      assert.equal((await refused(server.port)).code, 'TLS_PROTOCOL_VERSION');
    } finally {
      await server.stop();
    }
  });

  it('refuses a TLS 1.3-only server with TLS_PROTOCOL_VERSION', async () => {
    const server = await startOpensslServer(['-cert', pki.serverCert, '-key', pki.serverKey, '-tls1_3']);
    try {
      assert.equal((await refused(server.port)).code, 'TLS_PROTOCOL_VERSION');
    } finally {
      await server.stop();
    }
  });

  it('refuses a server offering only suites outside the policy with TLS_NO_SHARED_CIPHER', async () => {
    const server = await startOpensslServer(['-cert', pki.serverCert, '-key', pki.serverKey, '-no_tls1_3', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305:AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA']);
    try {
      assert.equal((await refused(server.port)).code, 'TLS_NO_SHARED_CIPHER');
    } finally {
      await server.stop();
    }
  });

  it('refuses a corrupted server Finished with TLS_HANDSHAKE_TAMPERED', async () => {
    const server = await startMiniServer({ certPem: read(pki.serverChain), keyPem: read(pki.serverKey), corruptFinished: true });
    try {
      const err = await refused(server.port);
      assert.equal(err.code, 'TLS_HANDSHAKE_TAMPERED');
      assert.match(err.message, /Finished/);
    } finally {
      await server.close();
    }
  });

  it('refuses a server without extended master secret with TLS_SERVER_INSECURE', async () => {
    const server = await startMiniServer({ certPem: read(pki.serverChain), keyPem: read(pki.serverKey), omitExtendedMasterSecret: true });
    try {
      const err = await refused(server.port);
      assert.equal(err.code, 'TLS_SERVER_INSECURE');
      assert.match(err.message, /extended master secret/);
    } finally {
      await server.close();
    }
  });

  it('accepts DOWNGRD\\x01 in the server random and exchanges data', async () => {
    const server = await startMiniServer({ certPem: read(pki.serverChain), keyPem: read(pki.serverKey), randomTail: Buffer.from('444f574e47524401', 'hex'), echo: true });
    try {
      const socket = await open(server.port);
      assert.equal((await roundTrip(socket, Buffer.from('ok?'))).toString(), 'ok?');
      socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('refuses a wrong host name through the verifier (CERT_HOSTNAME_MISMATCH)', async () => {
    const server = await startMiniServer({ certPem: read(pki.serverChain), keyPem: read(pki.serverKey) });
    try {
      assert.equal((await refused(server.port, { serverName: 'mail.example.org' })).code, 'CERT_HOSTNAME_MISMATCH');
    } finally {
      await server.close();
    }
  });

  it('a server that never answers fails with TLS_TIMEOUT', async () => {
    const srv = net.createServer(() => undefined); // accepts, then stays silent
    const port = await listenOnFreePort(srv);
    try {
      const socket = connectTls({ host: '127.0.0.1', port, serverName: 'localhost', verifier: verifier(), handshakeTimeoutMs: 300 });
      socket.on('error', () => undefined);
      await assert.rejects(socket.secured, (e: AppError) => e.code === 'TLS_TIMEOUT');
    } finally {
      srv.close();
    }
  });

  it('an unreachable port fails with NETWORK_UNREACHABLE', async () => {
    assert.equal((await refused(await closedPort())).code, 'NETWORK_UNREACHABLE');
  });
});
