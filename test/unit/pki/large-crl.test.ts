// A CRL as large as real CA CRLs (thousands of entries, made by `openssl ca`) is parsed despite
// asn1js's default node limit, indexed once per process (memo) and, when large, in a worker thread.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { memoizedIndexer, threadedIndexer, type CrlIndexer } from '../../../src-main/tls/pki/crl-indexer.js';
import { PkiServerCertificateVerifier } from '../../../src-main/tls/pki/verifier.js';
import { parsePemCertificates } from '../../../src-main/tls/pki/x509.js';
import { CrlServer } from './crl-server.js';

const ENTRIES = 6000;
const server = new CrlServer();
let dir: string;
let chain: { revoked: Buffer[]; good: Buffer[] };
let anchor: ReturnType<typeof parsePemCertificates>[number];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(async () => {
  await server.start();
  dir = mkdtempSync(join(tmpdir(), 'pki-bigcrl-'));
  const crlUrl = server.url('big.crl');
  writeFileSync(
    join(dir, 'ext.cnf'),
    `[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n` +
      `[srv]\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:imap.operateur.test\ncrlDistributionPoints=URI:${crlUrl}\n` +
      `[gen]\ndefault_ca=c\n[c]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n`,
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl('req', '-x509', '-key', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=TEST AC GROSSE CRL', '-days', '30', '-extensions', 'ca', '-config', 'ext.cnf');
  for (const [name, serial] of [['revoked', '0A0001'], ['good', '0A0002']] as const) {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=imap.operateur.test');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${serial}`, '-out', `${name}.pem`, '-days', '10', '-extfile', 'ext.cnf', '-extensions', 'srv');
  }
  const lines = Array.from({ length: ENTRIES }, (_, i) => `R\t301231000000Z\t250101000000Z\t${(0x100000 + i).toString(16).toUpperCase()}\tunknown\t/CN=x${i}`);
  lines.splice(ENTRIES / 2, 0, 'R\t301231000000Z\t250101000000Z\t0A0001\tunknown\t/CN=imap.operateur.test');
  writeFileSync(join(dir, 'index.txt'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  openssl('ca', '-config', 'ext.cnf', '-name', 'c', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'big.crl.pem', '-batch');
  openssl('crl', '-in', 'big.crl.pem', '-outform', 'DER', '-out', 'big.crl');
  server.files.set('big.crl', readFileSync(join(dir, 'big.crl')));
  const der = (f: string): Buffer => Buffer.from(parsePemCertificates(readFileSync(join(dir, f), 'utf8'))[0]!.rawData);
  chain = { revoked: [der('revoked.pem')], good: [der('good.pem')] };
  anchor = parsePemCertificates(readFileSync(join(dir, 'ca.pem'), 'utf8'))[0]!;
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function counting(inner: CrlIndexer): { indexer: CrlIndexer; calls: () => number } {
  let n = 0;
  return { indexer: (b, i) => ((n += 1), inner(b, i)), calls: () => n };
}

test(`a ${ENTRIES}-entry CRL (beyond asn1js's default 10,000 nodes) is indexed in a worker thread, once`, async () => {
  assert.ok(server.files.get('big.crl')!.length > 100_000);
  const inner = counting(threadedIndexer(0)); // every CRL through the worker
  const indexCrl = memoizedIndexer(inner.indexer);
  const v = new PkiServerCertificateVerifier({ trustStore: { source: 'test', anchors: [anchor], intermediates: [] }, indexCrl });
  const err = await v.verify(chain.revoked, 'imap.operateur.test').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.code, 'CERT_REVOKED');
  // A second verifier (new connection) in the same process re-downloads but does not re-parse.
  const v2 = new PkiServerCertificateVerifier({ trustStore: { source: 'test', anchors: [anchor], intermediates: [] }, indexCrl });
  assert.equal((await v2.verify(chain.good, 'imap.operateur.test')).revocation, 'good');
  assert.equal(inner.calls(), 1);
});

test('a CRL rejected in the worker (wrong issuer key) comes back as a CRL rejection (CERT_CRL_INVALID), not a crash', async () => {
  const other = parsePemCertificates(readFileSync(join(dir, 'good.pem'), 'utf8'))[0]!; // not the CRL issuer
  const indexer = threadedIndexer(0);
  await assert.rejects(indexer(server.files.get('big.crl')!, other), (e: unknown) => e instanceof Error && e.constructor.name === 'CrlRejected');
});
