// The product verifier (tls/pki) with the test bench's IGC-Santé-shaped PKI: its CRLs over HTTP,
// then end to end through our TLS client against openssl s_server presenting each bad certificate,
// and against the bench's Dovecot. Each refusal has its own code. Ports come from the OS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { Pkcs12Signer } from '../../../src-main/tls/pki/pkcs12-signer.js';
import { DiskCrlCache } from '../../../src-main/tls/pki/crl-cache.js';
import { loadTrustAnchorsFile, type TrustStore } from '../../../src-main/tls/pki/trust-store.js';
import { PkiServerCertificateVerifier, createServerCertificateVerifier } from '../../../src-main/tls/pki/verifier.js';
import { parsePemCertificates } from '../../../src-main/tls/pki/x509.js';
import { connectTls } from '../../../src-main/tls/index.js';
import { loadTestbed, type PemSet, type TestbedState } from '../../support/testbed.js';
import { startOpensslServer, type ExternalServer } from '../../support/tls.js';

const bench: TestbedState = loadTestbed();
let store: TrustStore;
const logs: string[] = [];

before(() => {
  store = loadTrustAnchorsFile(bench.pki.caBundle, (l) => logs.push(l));
});

const chainOf = (set: PemSet): Buffer[] => parsePemCertificates(readFileSync(set.chain, 'utf8')).map((c) => Buffer.from(c.rawData));
const verifier = (o: ConstructorParameters<typeof PkiServerCertificateVerifier>[0] = {}): PkiServerCertificateVerifier =>
  new PkiServerCertificateVerifier({ trustStore: store, ...o });

async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof AppError ? e.code : `unexpected: ${String(e)}`),
  );
}

// The negative cases of issue 4 with the certificate the bench made for each.
const CASES = [
  ['revokedServer', 'CERT_REVOKED'],
  ['expiredServer', 'CERT_EXPIRED'],
  ['notYetValidServer', 'CERT_NOT_YET_VALID'],
  ['noServerAuthServer', 'CERT_BAD_USAGE'],
  ['wrongHostServer', 'CERT_HOSTNAME_MISMATCH'],
  ['foreignServer', 'CERT_UNKNOWN_CA'],
] as const;

describe('bench PKI, verifier alone (CRLs from the bench HTTP server)', () => {
  it('the --trust-anchors bundle gives the bench root as the only anchor, and says so in the log', () => {
    assert.equal(store.anchors.length, 1);
    assert.match(store.anchors[0]!.subject, /TEST AC RACINE IGC-SANTE/);
    assert.ok(logs.some((l) => l.includes('NON-DEFAULT trust anchor')));
  });

  it('the bench server certificate is valid for localhost and 127.0.0.1, revocation checked online', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const result = await verifier().verify(chainOf(bench.pki.server), host);
      assert.equal(result.revocation, 'good');
      assert.equal(result.subjects.length, 3);
      assert.match(result.revocationDetail ?? '', new RegExp(bench.pki.crls.find((c) => c.url.includes('ORG'))?.url.replace(/[.]/g, '\\.') ?? 'ORG'));
    }
  });

  for (const [name, code] of CASES) {
    it(`${name} → ${code}`, async () => {
      assert.equal(await outcome(verifier().verify(chainOf(bench.pki[name]), 'localhost')), code);
    });
  }

  it('the bench certificates are unknown to the default (IGC-Santé production) trust store', async () => {
    assert.equal(await outcome(new PkiServerCertificateVerifier().verify(chainOf(bench.pki.server), 'localhost')), 'CERT_UNKNOWN_CA');
  });

  it('with a disk cache, a later run verifies offline while the CRLs are current', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pki-bench-home-'));
    try {
      const online = createServerCertificateVerifier({ home, trustAnchorsFile: bench.pki.caBundle, log: () => undefined });
      assert.equal((await online.verify(chainOf(bench.pki.server), 'localhost')).revocation, 'good');
      const offline = verifier({ crlCache: new DiskCrlCache(join(home, 'crl-cache')), fetchCrl: () => Promise.reject(new Error('offline')) });
      assert.equal((await offline.verify(chainOf(bench.pki.server), 'localhost')).revocation, 'good-cached');
      assert.equal(await outcome(offline.verify(chainOf(bench.pki.revokedServer), 'localhost')), 'CERT_REVOKED');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('end to end: our TLS client refuses openssl s_server presenting each bad bench certificate', () => {
  const servers: ExternalServer[] = [];
  const ports = new Map<string, number>();

  before(async () => {
    const all = [['server', bench.pki.organisationsCa], ...CASES.map(([n]) => [n, n === 'foreignServer' ? bench.pki.foreignCa : bench.pki.organisationsCa])] as const;
    for (const [name, ca] of all) {
      const set = bench.pki[name as 'server'];
      const server = await startOpensslServer(['-cert', set.cert, '-key', set.key, '-cert_chain', ca, '-tls1_2', '-rev']);
      servers.push(server);
      ports.set(name, server.port);
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function handshake(name: string): Promise<{ code: string; revocation?: string; subjects?: string[] }> {
    const socket = connectTls({ host: '127.0.0.1', port: ports.get(name)!, serverName: 'localhost', verifier: verifier() });
    socket.on('error', () => undefined);
    try {
      const info = await socket.secured;
      socket.destroy();
      return { code: 'accepted', revocation: info.serverChain.revocation, subjects: info.serverChain.subjects };
    } catch (e) {
      return { code: e instanceof AppError ? e.code : `unexpected: ${String(e)}` };
    }
  }

  it('the valid bench certificate: handshake completes with revocation good', async () => {
    const r = await handshake('server');
    assert.equal(r.code, 'accepted');
    assert.equal(r.revocation, 'good');
    assert.match(r.subjects?.[2] ?? '', /TEST AC RACINE IGC-SANTE/);
  });

  for (const [name, code] of CASES) {
    it(`${name}: handshake refused with ${code}`, async () => {
      assert.equal((await handshake(name)).code, code);
    });
  }
});

describe('end to end: the bench Dovecot (implicit TLS) under the product verifier', () => {
  it('presents a chain that validates, with revocation checked against the bench CRLs', async () => {
    const socket = connectTls({ host: bench.host, port: bench.ports.imaps, serverName: 'localhost', verifier: verifier() });
    socket.on('error', () => undefined);
    const info = await socket.secured;
    assert.equal(info.serverChain.revocation, 'good');
    assert.equal(info.serverChain.subjects.length, 3);
    socket.destroy();
  });

  it('is refused under the default IGC-Santé production trust store (CERT_UNKNOWN_CA)', async () => {
    const socket = connectTls({ host: bench.host, port: bench.ports.imaps, serverName: 'localhost', verifier: new PkiServerCertificateVerifier() });
    socket.on('error', () => undefined);
    await assert.rejects(socket.secured, (e: unknown) => e instanceof AppError && e.code === 'CERT_UNKNOWN_CA');
  });
});

describe('PKCS#12 software certificate of the bench (organisational mailbox)', () => {
  it('opens the bench .p12 and authenticates a mutual-TLS handshake that OpenSSL verifies against the bench root', async () => {
    const p12 = bench.pki.orgClientP12;
    const signer = await Pkcs12Signer.fromFile(p12.file, p12.password);
    const [leaf] = await signer.certificateChain();
    assert.match(new X509Certificate(leaf!).subjectAltName ?? '', new RegExp(p12.address.replace(/[.]/g, '\\.')));
    const server = await startOpensslServer(
      ['-cert', bench.pki.server.cert, '-key', bench.pki.server.key, '-cert_chain', bench.pki.organisationsCa, '-CAfile', bench.pki.caBundle, '-Verify', '2', '-verify_return_error', '-tls1_2', '-rev'],
    );
    const { port } = server;
    try {
      const socket = connectTls({ host: '127.0.0.1', port, serverName: 'localhost', verifier: verifier(), signer });
      socket.on('error', () => undefined);
      const info = await socket.secured;
      assert.equal(info.clientCertificateRequested, true);
      assert.ok(info.clientSignatureScheme !== undefined, 'a CertificateVerify was signed with the PKCS#12 key');
      const echoed = await new Promise<string>((resolve, reject) => {
        socket.once('data', (d: Buffer) => resolve(d.toString()));
        socket.once('error', reject);
        socket.write('organisation\n');
      });
      assert.equal(echoed, 'noitasinagro\n');
      socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('a wrong password for the bench .p12 is PKCS12_BAD_PASSWORD', async () => {
    await assert.rejects(Pkcs12Signer.fromFile(bench.pki.orgClientP12.file, 'wrong'), (e: unknown) => e instanceof AppError && e.code === 'PKCS12_BAD_PASSWORD');
  });
});
