// The revocation policy end to end: our TLS client against openssl s_server whose certificate's CRL
// distribution point is unreachable, or publishes an out-of-date CRL. Refused by default, accepted
// (status 'unknown') only with soft-fail. Own test CA (RSA: ECDHE_RSA suites), ports from the OS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { connectTls } from '../../../src-main/tls/index.js';
import { trustStoreFromPem } from '../../../src-main/tls/pki/trust-store.js';
import { PkiServerCertificateVerifier, type PkiVerifierOptions } from '../../../src-main/tls/pki/verifier.js';
import { startOpensslServer, type ExternalServer } from '../../support/tls.js';
import { CrlServer } from '../../unit/pki/crl-server.js';
import { closedPort } from '../../support/ports.js';

const crlServer = new CrlServer();
const DEAD = `http://127.0.0.1:${await closedPort()}/gone.crl`; // nothing listens there
let UNREACHABLE_PORT: number;
let STALE_PORT: number;
const servers: ExternalServer[] = [];
let dir: string;
let caPem: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A server certificate for localhost whose CDP is `crlUrl`, served by openssl s_server; returns its port. */
async function serverWithCdp(name: string, crlUrl: string): Promise<number> {
  writeFileSync(join(dir, `${name}.cnf`), `[srv]\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\ncrlDistributionPoints=URI:${crlUrl}\n`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '10', '-extfile', `${name}.cnf`, '-extensions', 'srv');
  const server = await startOpensslServer(['-cert', join(dir, `${name}.pem`), '-key', join(dir, `${name}.key`), '-tls1_2']);
  servers.push(server);
  return server.port;
}

before(async () => {
  await crlServer.start();
  dir = mkdtempSync(join(tmpdir(), 'pki-rev-e2e-'));
  writeFileSync(join(dir, 'ca.cnf'), `[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n[gen]\ndefault_ca=c\n[c]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\n`);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=TEST AC REVOCATION', '-days', '30', '-extensions', 'ca', '-config', 'ca.cnf');
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  // An out-of-date CRL: thisUpdate 10 days ago, nextUpdate 3 days ago (beyond the 24 h grace).
  openssl('ca', '-config', 'ca.cnf', '-name', 'c', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'stale.crl.pem', '-batch', '-crl_lastupdate', stamp(-10), '-crl_nextupdate', stamp(-3));
  crlServer.files.set('stale.crl', readFileSync(join(dir, 'stale.crl.pem')));
  UNREACHABLE_PORT = await serverWithCdp('unreachable', DEAD);
  STALE_PORT = await serverWithCdp('stale', crlServer.url('stale.crl'));
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await crlServer.stop();
  rmSync(dir, { recursive: true, force: true });
});

function stamp(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

async function handshake(port: number, o: PkiVerifierOptions = {}): Promise<{ code: string; revocation?: string }> {
  const verifier = new PkiServerCertificateVerifier({ trustStore: trustStoreFromPem(caPem, 'test'), ...o });
  const socket = connectTls({ host: '127.0.0.1', port, serverName: 'localhost', verifier });
  socket.on('error', () => undefined);
  try {
    const info = await socket.secured;
    socket.destroy();
    return { code: 'accepted', revocation: info.serverChain.revocation };
  } catch (e) {
    return { code: e instanceof AppError ? e.code : `unexpected: ${String(e)}` };
  }
}

describe('revocation policy through the TLS client', () => {
  it('CRL distribution point unreachable: refused with CERT_REVOCATION_UNKNOWN', async () => {
    assert.deepEqual(await handshake(UNREACHABLE_PORT), { code: 'CERT_REVOCATION_UNKNOWN' });
  });

  it('CRL distribution point unreachable with soft-fail: accepted, revocation "unknown", warning logged', async () => {
    const logs: string[] = [];
    assert.deepEqual(await handshake(UNREACHABLE_PORT, { revocation: { softFail: true }, log: (l) => logs.push(l) }), { code: 'accepted', revocation: 'unknown' });
    assert.ok(logs.some((l) => l.includes('soft-fail')), logs.join('\n'));
  });

  it('CRL past nextUpdate + grace: refused with CERT_CRL_EXPIRED', async () => {
    assert.deepEqual(await handshake(STALE_PORT), { code: 'CERT_CRL_EXPIRED' });
  });

  it('the same out-of-date CRL within a 4-day grace is used (good-cached)', async () => {
    assert.deepEqual(await handshake(STALE_PORT, { revocation: { graceMs: 4 * 86_400_000 } }), { code: 'accepted', revocation: 'good-cached' });
  });
});
