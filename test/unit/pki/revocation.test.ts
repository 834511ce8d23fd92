// Revocation by CRL: the pure policy, then the whole verifier against CRLs served over loopback HTTP,
// with the on-disk cache, an unreachable distribution point, expired and forged CRLs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { DiskCrlCache, MemoryCrlCache } from '../../../src-main/tls/pki/crl-cache.js';
import { httpCrlFetcher } from '../../../src-main/tls/pki/crl-fetcher.js';
import { DEFAULT_REVOCATION_POLICY, decideRevocation, type CrlEvidence } from '../../../src-main/tls/pki/revocation-policy.js';
import { PkiServerCertificateVerifier, type PkiVerifierOptions } from '../../../src-main/tls/pki/verifier.js';
import { closedPort } from '../../support/ports.js';
import { CrlServer } from './crl-server.js';
import { DAY, keys, makeCa, makeCrl, makeRoot, makeServer, type Issued } from './pki-factory.js';

const HOUR = 3600 * 1000;
const NOW = new Date('2026-06-01T12:00:00Z');

// ---- pure policy -------------------------------------------------------------------------------

function evidence(o: Partial<CrlEvidence> = {}): CrlEvidence {
  return { source: 'network', url: 'http://x/ca.crl', thisUpdate: new Date(NOW.getTime() - DAY), nextUpdate: new Date(NOW.getTime() + 6 * DAY), revoked: null, ...o };
}
const base = { hasDistributionPoint: true, isLeaf: true, unreachable: false };
const policy = DEFAULT_REVOCATION_POLICY;

test('policy: a current CRL not listing the certificate is good; listing it is revoked', () => {
  assert.deepEqual(decideRevocation({ ...base, crls: [evidence()] }, NOW, policy), { verdict: 'good', crl: evidence(), withinGrace: false });
  const listed = evidence({ revoked: { date: new Date(NOW.getTime() - DAY) } });
  assert.equal(decideRevocation({ ...base, crls: [listed] }, NOW, policy).verdict, 'revoked');
});

test('policy: revoked in an out-of-date CRL is still revoked (revocation is final)', () => {
  const old = evidence({ nextUpdate: new Date(NOW.getTime() - 30 * DAY), thisUpdate: new Date(NOW.getTime() - 37 * DAY), revoked: { date: new Date(NOW.getTime() - 40 * DAY) } });
  assert.equal(decideRevocation({ ...base, crls: [old], unreachable: true }, NOW, { ...policy, softFail: true }).verdict, 'revoked');
});

test('policy: past nextUpdate, a CRL serves during the grace period, then CERT_CRL_EXPIRED', () => {
  const late = evidence({ nextUpdate: new Date(NOW.getTime() - 2 * HOUR) });
  assert.deepEqual(decideRevocation({ ...base, crls: [late], unreachable: true }, NOW, policy), { verdict: 'good', crl: late, withinGrace: true });
  const stale = evidence({ nextUpdate: new Date(NOW.getTime() - 25 * HOUR) });
  const d = decideRevocation({ ...base, crls: [stale], unreachable: true }, NOW, policy);
  assert.equal(d.verdict, 'unknown');
  assert.equal(d.verdict === 'unknown' && d.refusal, 'CERT_CRL_EXPIRED');
  assert.equal(d.verdict === 'unknown' && d.accepted, false);
  const soft = decideRevocation({ ...base, crls: [stale], unreachable: true }, NOW, { ...policy, softFail: true });
  assert.equal(soft.verdict === 'unknown' && soft.accepted, true);
});

test('policy: the most recent CRL decides when several are available', () => {
  const old = evidence({ source: 'cache', thisUpdate: new Date(NOW.getTime() - 10 * DAY), nextUpdate: new Date(NOW.getTime() - 3 * DAY) });
  const fresh = evidence();
  const d = decideRevocation({ ...base, crls: [old, fresh] }, NOW, policy);
  assert.equal(d.verdict === 'good' && d.crl, fresh);
});

test('policy: unreachable with nothing cached is CERT_REVOCATION_UNKNOWN, accepted only by soft-fail', () => {
  const d = decideRevocation({ ...base, crls: [], unreachable: true }, NOW, policy);
  assert.deepEqual([d.verdict, d.verdict === 'unknown' && d.refusal, d.verdict === 'unknown' && d.accepted], ['unknown', 'CERT_REVOCATION_UNKNOWN', false]);
  const s = decideRevocation({ ...base, crls: [], unreachable: true }, NOW, { ...policy, softFail: true });
  assert.equal(s.verdict === 'unknown' && s.accepted, true);
});

test('policy: an invalid CRL is CERT_CRL_INVALID and soft-fail does not cover it', () => {
  const d = decideRevocation({ ...base, crls: [], invalid: 'bad signature' }, NOW, { ...policy, softFail: true });
  assert.deepEqual([d.verdict === 'unknown' && d.refusal, d.verdict === 'unknown' && d.accepted], ['CERT_CRL_INVALID', false]);
});

test('policy: a leaf without distribution point is unknown; a CA without one is not checked', () => {
  const leaf = decideRevocation({ ...base, hasDistributionPoint: false, crls: [] }, NOW, policy);
  assert.equal(leaf.verdict === 'unknown' && leaf.refusal, 'CERT_REVOCATION_UNKNOWN');
  assert.equal(decideRevocation({ ...base, isLeaf: false, hasDistributionPoint: false, crls: [] }, NOW, policy).verdict, 'not-checked');
});

test('policy: a CRL issued in the future (beyond clock skew) is not trusted', () => {
  const d = decideRevocation({ ...base, crls: [evidence({ thisUpdate: new Date(NOW.getTime() + DAY), nextUpdate: new Date(NOW.getTime() + 8 * DAY) })] }, NOW, policy);
  assert.equal(d.verdict === 'unknown' && d.refusal, 'CERT_CRL_INVALID');
});

// ---- verifier with CRLs over loopback HTTP -----------------------------------------------------

const server = new CrlServer();
let DEAD_PORT = 0; // nothing listens there (chosen in before())
let root: Issued;
let ca: Issued;
let good: Issued;
let revoked: Issued;
let tmp: string;

before(async () => {
  await server.start();
  DEAD_PORT = await closedPort();
  tmp = mkdtempSync(join(tmpdir(), 'pki-crl-'));
  root = await makeRoot('TEST AC RACINE CRL');
  ca = await makeCa('TEST AC ORGANISATIONS CRL', root, { crlUrl: server.url('root.crl') });
  good = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('ca.crl') });
  revoked = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('ca.crl') });
  server.files.set('root.crl', await makeCrl(root));
  server.files.set('ca.crl', await makeCrl(ca, { revoked: [revoked] }));
});

after(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function verifier(o: PkiVerifierOptions = {}): PkiServerCertificateVerifier {
  return new PkiServerCertificateVerifier({ trustStore: { source: 'test', anchors: [root.cert], intermediates: [] }, fetchCrl: httpCrlFetcher({ timeoutMs: 2000 }), ...o });
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => 'accepted', (e: unknown) => e);
  if (err === 'accepted') return err;
  assert.ok(err instanceof AppError, String(err));
  return err.code;
}

test('a certificate listed in its issuer CRL is refused as CERT_REVOKED', async () => {
  const err = await verifier().verify([revoked.der, ca.der], 'imap.operateur.test').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof AppError);
  assert.equal(err.code, 'CERT_REVOKED');
  assert.equal(err.data.serial, revoked.cert.serialNumber);
  assert.equal(await code(verifier().verify([good.der, ca.der], 'imap.operateur.test')), 'accepted');
});

test('a revoked intermediate revokes the path (checked against the root CRL)', async () => {
  const badCa = await makeCa('TEST AC REVOQUEE', root, { crlUrl: server.url('root2.crl') });
  const srv = await makeServer('imap.operateur.test', badCa, { crlUrl: server.url('badca.crl') });
  server.files.set('badca.crl', await makeCrl(badCa));
  server.files.set('root2.crl', await makeCrl(root, { revoked: [badCa] }));
  assert.equal(await code(verifier().verify([srv.der, badCa.der], 'imap.operateur.test')), 'CERT_REVOKED');
});

test('CRL unreachable and nothing cached: refused with CERT_REVOCATION_UNKNOWN, accepted only with soft-fail', async () => {
  const lost = await makeServer('imap.operateur.test', ca, { crlUrl: `http://127.0.0.1:${DEAD_PORT}/ca.crl` });
  assert.equal(await code(verifier().verify([lost.der, ca.der], 'imap.operateur.test')), 'CERT_REVOCATION_UNKNOWN');
  const logs: string[] = [];
  const result = await verifier({ revocation: { softFail: true }, log: (l) => logs.push(l) }).verify([lost.der, ca.der], 'imap.operateur.test');
  assert.equal(result.revocation, 'unknown');
  assert.ok(logs.some((l) => /soft-fail/.test(l)), logs.join('\n'));
});

test('an HTTP error (404) at the distribution point counts as unreachable', async () => {
  const missing = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('nothing-here.crl') });
  assert.equal(await code(verifier().verify([missing.der, ca.der], 'imap.operateur.test')), 'CERT_REVOCATION_UNKNOWN');
});

test('a CRL past its nextUpdate (+ grace) at the source: CERT_CRL_EXPIRED', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('stale.crl') });
  server.files.set('stale.crl', await makeCrl(ca, { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - 3 * DAY) }));
  assert.equal(await code(verifier().verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_CRL_EXPIRED');
  const justLate = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('late.crl') });
  server.files.set('late.crl', await makeCrl(ca, { thisUpdate: new Date(Date.now() - 7 * DAY), nextUpdate: new Date(Date.now() - HOUR) }));
  assert.equal((await verifier().verify([justLate.der, ca.der], 'imap.operateur.test')).revocation, 'good-cached');
});

test('a CRL signed by another key, or not a CRL at all: CERT_CRL_INVALID even with soft-fail', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('forged.crl') });
  server.files.set('forged.crl', await makeCrl(ca, { signingKey: (await keys()).privateKey }));
  assert.equal(await code(verifier({ revocation: { softFail: true } }).verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_CRL_INVALID');
  const junk = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('junk.crl') });
  server.files.set('junk.crl', Buffer.from('<html>maintenance</html>'));
  assert.equal(await code(verifier({ revocation: { softFail: true } }).verify([junk.der, ca.der], 'imap.operateur.test')), 'CERT_CRL_INVALID');
});

test('a CRL from another CA served at the distribution point is refused (issuer mismatch)', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('other.crl') });
  server.files.set('other.crl', await makeCrl(root));
  assert.equal(await code(verifier().verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_CRL_INVALID');
});

test('a PEM-encoded CRL is accepted like DER', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('pem.crl') });
  const der = await makeCrl(ca, { revoked: [srv] });
  server.files.set('pem.crl', Buffer.from(`-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`));
  assert.equal(await code(verifier().verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_REVOKED');
});

test('the disk cache serves a current CRL offline, then within grace, then refuses', async () => {
  const dir = join(tmp, 'cache');
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('cached.crl') });
  const nextUpdate = new Date(Date.now() + 2 * DAY);
  server.files.set('cached.crl', await makeCrl(ca, { nextUpdate }));
  const first = await verifier({ crlCache: new DiskCrlCache(dir) }).verify([srv.der, ca.der], 'imap.operateur.test');
  assert.equal(first.revocation, 'good');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.crl')).length, 2); // ca.crl-like + root.crl

  // The CRL server goes away: a new verifier (new process) reads the cache, no network needed.
  server.files.delete('cached.crl');
  const before = server.requests;
  const offline = await verifier({ crlCache: new DiskCrlCache(dir) }).verify([srv.der, ca.der], 'imap.operateur.test');
  assert.equal(offline.revocation, 'good-cached');
  assert.equal(server.requests, before, 'a current cached CRL is used without any download');

  // After nextUpdate the cache is re-fetched; unreachable → still fine within the grace period ...
  const later = (ms: number) => () => new Date(nextUpdate.getTime() + ms);
  const grace = await verifier({ crlCache: new DiskCrlCache(dir), now: later(2 * HOUR) }).verify([srv.der, ca.der], 'imap.operateur.test');
  assert.equal(grace.revocation, 'good-cached');
  assert.match(grace.revocationDetail ?? '', /grace/);
  // ... and refused beyond it.
  assert.equal(await code(verifier({ crlCache: new DiskCrlCache(dir), now: later(25 * HOUR) }).verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_CRL_EXPIRED');
});

test('a tampered cache file is ignored and the CRL downloaded again', async () => {
  const dir = join(tmp, 'cache-tampered');
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('t.crl') });
  server.files.set('t.crl', await makeCrl(ca, { revoked: [srv] }));
  const cache = new DiskCrlCache(dir);
  await cache.put(server.url('t.crl'), await makeCrl(ca, { signingKey: (await keys()).privateKey })); // forged "nothing revoked"
  assert.equal(await code(verifier({ crlCache: cache }).verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_REVOKED');
  const files = readdirSync(dir).filter((f) => f.endsWith('.crl'));
  for (const f of files) writeFileSync(join(dir, f), 'garbage');
  assert.equal(await code(verifier({ crlCache: cache }).verify([srv.der, ca.der], 'imap.operateur.test')), 'CERT_REVOKED');
});

test('a leaf without CRL distribution point is refused unless soft-fail', async () => {
  const noCdp = await makeServer('imap.operateur.test', ca);
  assert.equal(await code(verifier().verify([noCdp.der, ca.der], 'imap.operateur.test')), 'CERT_REVOCATION_UNKNOWN');
  assert.equal((await verifier({ revocation: { softFail: true } }).verify([noCdp.der, ca.der], 'imap.operateur.test')).revocation, 'unknown');
});

test('the memory cache avoids a second download within nextUpdate', async () => {
  const cache = new MemoryCrlCache();
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('mem.crl') });
  server.files.set('mem.crl', await makeCrl(ca));
  const v = verifier({ crlCache: cache });
  await v.verify([srv.der, ca.der], 'imap.operateur.test');
  const n = server.requests;
  await v.verify([srv.der, ca.der], 'imap.operateur.test');
  assert.equal(server.requests, n);
});

test('concurrent verifications share one download of the same CRL', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: server.url('shared.crl') });
  server.files.set('shared.crl', await makeCrl(ca));
  let downloads = 0;
  const fetcher = httpCrlFetcher();
  const v = verifier({ fetchCrl: (url) => ((downloads += url.endsWith('shared.crl') ? 1 : 0), fetcher(url)) });
  const results = await Promise.all([1, 2, 3].map(() => v.verify([srv.der, ca.der], 'imap.operateur.test')));
  assert.equal(results.length, 3);
  assert.equal(downloads, 1);
});
