import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { isAppError, messageFr } from '../../../src-main/errors/index.js';
import { trustStoreFromPem } from '../../../src-main/tls/pki/trust-store.js';
import { igcSanteSignerCheck, importListeBlanche, ListeBlancheIndex, type ListeBlancheImportReport } from '../../../src-main/trust/index.js';
import { parseListeBlanche } from '../../../src-main/trust/listeblanche/parse.js';
import { decideReplacement } from '../../../src-main/trust/listeblanche/store.js';
import { FIXTURES_DIR } from './support/extraction.js';

const LB = join(FIXTURES_DIR, 'listeblanche');
const SIGNED = join(LB, 'listeblanchemssante_signed_2025-02-28.xml');
const BROKEN = join(LB, 'listeblanchemssante.xml');
const TRUNCATED = join(LB, 'listeblanchemssante_signed_truncated_sample.xml');

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'trust-lb-'));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let signedHome: string;
let signed: ListeBlancheImportReport;
before(async () => {
  signedHome = tempDir();
  signed = await importListeBlanche(SIGNED, { home: signedHome });
});

test('the real signed liste blanche: signature valid against the IGC-Santé chain, 4,944 distinct domains, version kept', () => {
  assert.equal(signed.signature.status, 'valid');
  assert.match(signed.signature.signer?.subject ?? '', /CN=alb\.mssante\.fr/);
  assert.deepEqual(signed.signature.path?.map((s) => /CN=([^,]+)$/.exec(s)?.[1]), ['alb.mssante.fr', 'AC IGC-SANTE ELEMENTAIRE ORGANISATIONS', 'AC RACINE IGC-SANTE ELEMENTAIRE']);
  assert.equal(signed.signature.checkedAt, '2025-02-28T15:42:07.000Z', 'chain checked at the signed generation date');
  assert.equal(signed.entries, 6494);
  assert.equal(signed.domains, 4944);
  assert.equal(signed.wellFormed, true);
  assert.equal(signed.version.generatedAt, '2025-02-28T15:42:07Z');
  assert.equal(signed.version.sha256, 'c14b71352b39cddce9b78b2eb1ce6cacb7e87b605ade40d95fae858797ad4761');
  assert.deepEqual(signed.warnings, []);
  const index = ListeBlancheIndex.load(signedHome);
  assert.equal(index.size, 4944);
  assert.equal(index.has('zenidoc.mssante.fr'), true);
  assert.equal(index.has('ZENIDOC.MSSANTE.FR.'), true);
  assert.equal(index.has('gmail.com'), false);
  assert.equal(index.version?.signature, 'valid');
});

test('the real not-well-formed liste blanche (ANS repository) is read tolerantly: unsigned, 516 domains', async () => {
  const home = tempDir();
  const r = await importListeBlanche(BROKEN, { home });
  assert.equal(r.wellFormed, false);
  assert.equal(r.signature.status, 'absent');
  assert.equal(r.entries, 619);
  assert.equal(r.domains, 516);
  assert.equal(r.version.generatedAt, '2025-03-13T14:54:10Z');
  const index = ListeBlancheIndex.load(home);
  assert.equal(index.has('uc-cmp.mssante.fr'), true, 'mixed-case <Nom> normalised');
  assert.equal(index.has('apta78.mssante.fr'), true, 'last domain before the missing end tag');
});

test('a signature that does not match the content (the cut-down real sample) is refused; the previous list stays', async () => {
  const home = tempDir();
  await importListeBlanche(BROKEN, { home });
  await assert.rejects(importListeBlanche(TRUNCATED, { home }), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_SIGNATURE_INVALID' && err.data.reason === 'signature_mismatch');
  const index = ListeBlancheIndex.load(home);
  assert.equal(index.size, 516);
  assert.equal(index.version?.signature, 'absent');
});

/** A small PKI of our own (openssl) and a liste blanche signed with it, like the official one. */
function signedWithOwnPki(dir: string, domains: string[]): { xml: string; checkChain: ReturnType<typeof igcSanteSignerCheck> } {
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Test Root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=listeblanche.test']);
  o(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30']);
  const body = `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>${new Date().toISOString()}</DateDeGeneration><ListeDomaines>${domains.map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join('')}</ListeDomaines></ListeBlancheMSSante>`;
  const sig = new SignedXml({
    privateKey: readFileSync(join(dir, 'leaf.key')), publicCert: readFileSync(join(dir, 'leaf.pem')),
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: '/*', uri: '', isEmptyUri: true, digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(body, { location: { reference: '/*', action: 'append' } });
  return { xml: sig.getSignedXml(), checkChain: igcSanteSignerCheck(trustStoreFromPem(readFileSync(join(dir, 'ca.pem'), 'utf8'), 'test')) };
}

test('signed with a trusted key: valid; any change to a domain, or a second signature, makes it invalid', async () => {
  const dir = tempDir();
  const { xml, checkChain } = signedWithOwnPki(dir, ['a.mssante.fr', 'b.mssante.fr']);
  const file = join(dir, 'lb.xml');
  writeFileSync(file, xml);
  const ok = await importListeBlanche(file, { home: dir, checkChain });
  assert.equal(ok.signature.status, 'valid');
  assert.equal(ok.domains, 2);

  const cases: [string, string, RegExp][] = [
    ['tampered domain', xml.replace('<Nom>b.mssante.fr</Nom>', '<Nom>evil.example</Nom>'), /^signature_mismatch$/],
    ['added domain', xml.replace('</ListeDomaines>', '<Domaine><Nom>evil.example</Nom></Domaine></ListeDomaines>'), /^signature_mismatch$/],
    ['second signature', xml.replace('</ListeBlancheMSSante>', `${/<Signature[\s\S]*<\/Signature>/.exec(xml)![0]}</ListeBlancheMSSante>`), /^several_signatures$/],
    ['partial reference', xml.replace('<Reference URI="">', '<Reference URI="#x">'), /^reference_not_whole_document$/],
  ];
  for (const [what, content, reason] of cases) {
    writeFileSync(file, content);
    await assert.rejects(importListeBlanche(file, { home: dir, checkChain }), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_SIGNATURE_INVALID' && reason.test(String(err.data.reason)), what);
  }
  assert.equal(ListeBlancheIndex.load(dir).has('evil.example'), false);
});

test('a signer that does not chain to the trusted roots is refused (test IGC-Santé root only)', async () => {
  const testRoot = readFileSync(join(FIXTURES_DIR, 'certs', 'igc-sante-test', 'TEST_AC_RACINE_IGC-SANTE_ELEMENTAIRE.pem'), 'utf8');
  const checkChain = igcSanteSignerCheck(trustStoreFromPem(testRoot, 'test'));
  await assert.rejects(importListeBlanche(TRUNCATED, { home: tempDir(), checkChain }), (err) => isAppError(err) && /^untrusted_signer:CERT_UNKNOWN_CA/.test(String(err.data.reason)));
});

test('DTDs and entities are refused (no XXE, no entity expansion)', () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><ListeDomaines><Domaine><Nom>&x;</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>`;
  assert.throws(() => parseListeBlanche(xxe), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_BAD_FILE');
});

test('Unicode domains are normalised to punycode, and both forms match', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration><ListeDomaines>
    <Domaine><Nom>Hôpital-Sud.mssante.fr</Nom></Domaine><Domaine><Nom>pas un domaine</Nom></Domaine><Domaine><Nom>xn--hpital-nord-2eb.mssante.fr</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>`;
  const p = parseListeBlanche(xml);
  assert.deepEqual(p.domains, ['xn--hpital-nord-2eb.mssante.fr', 'xn--hpital-sud-rbb.mssante.fr']);
  assert.deepEqual(p.invalidNames, ['pas un domaine']);
  const index = ListeBlancheIndex.fromDomains(p.domains);
  assert.equal(index.has('hôpital-sud.mssante.fr'), true);
  assert.equal(index.has('HÔPITAL-NORD.mssante.fr'), true);
});

test('a file without any domain, or not a liste blanche, is refused', () => {
  for (const xml of ['<a/>', 'bonjour', '<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><ListeDomaines/></ListeBlancheMSSante>']) {
    assert.throws(() => parseListeBlanche(xml), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_BAD_FILE', xml);
  }
});

/** A folder holding the list imported in `before` (the real signed file), without verifying it again (~6 s CPU). */
function homeWithSignedList(): string {
  const home = tempDir();
  writeFileSync(join(home, 'listeblanche.json'), readFileSync(join(signedHome, 'listeblanche.json')));
  return home;
}

/** The issue's downgrade: the real signed file with its <Signature> removed and a domain added. */
function strippedWithDomain(dir: string, generatedAt?: string): string {
  let xml = readFileSync(SIGNED, 'utf8');
  const start = xml.indexOf('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"');
  const end = xml.indexOf('</Signature>') + '</Signature>'.length;
  assert.ok(start > 0 && end > start);
  xml = xml.slice(0, start) + xml.slice(end);
  xml = xml.replace('</ListeDomaines>', '<Domaine><Nom>intrus.example</Nom></Domaine></ListeDomaines>');
  if (generatedAt) xml = xml.replace('<DateDeGeneration>2025-02-28T15:42:07Z', `<DateDeGeneration>${generatedAt}`);
  const file = join(dir, `listeblanche-${generatedAt ?? 'same'}.xml`);
  writeFileSync(file, xml);
  return file;
}

function assertCurrentKept(home: string): void {
  const index = ListeBlancheIndex.load(home);
  assert.equal(index.version?.signature, 'valid', 'the signed list stays');
  assert.equal(index.version?.generatedAt, '2025-02-28T15:42:07Z');
  assert.equal(index.has('intrus.example'), false);
  assert.equal(index.size, 4944);
}

test('once a signed list is imported, an unsigned file (signature removed, a domain added) is refused unless acceptUnsigned', async () => {
  const home = homeWithSignedList();
  const stripped = strippedWithDomain(home);
  await assert.rejects(importListeBlanche(stripped, { home }), (err) => {
    assert.ok(isAppError(err) && err.code === 'LISTE_BLANCHE_UNSIGNED_REFUSED', String(err));
    assert.match(messageFr(err.code, err.data), /n’est pas signé alors que la liste actuelle l’était : import refusé, la liste actuelle reste utilisée/);
    return true;
  });
  assertCurrentKept(home);
  // the ANS repository's unsigned copy, newer: refused just the same
  await assert.rejects(importListeBlanche(BROKEN, { home }), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_UNSIGNED_REFUSED');
  assertCurrentKept(home);

  const r = await importListeBlanche(stripped, { home, acceptUnsigned: true });
  assert.deepEqual(r.warnings, ['unsigned_replaces_signed']);
  assert.equal(ListeBlancheIndex.load(home).has('intrus.example'), true);
  // the folder remembers a signed list was seen: the next unsigned file needs the option again
  await assert.rejects(importListeBlanche(BROKEN, { home }), (err) => isAppError(err) && err.code === 'LISTE_BLANCHE_UNSIGNED_REFUSED');
  assert.equal((await importListeBlanche(BROKEN, { home, acceptUnsigned: true })).version.signature, 'absent');
});

test('a file generated before the current list is refused unless force, naming both dates', async () => {
  const home = homeWithSignedList();
  const older = strippedWithDomain(home, '2024-12-01T10:00:00Z');
  await assert.rejects(importListeBlanche(older, { home, acceptUnsigned: true }), (err) => {
    assert.ok(isAppError(err) && err.code === 'LISTE_BLANCHE_OLDER_REFUSED', String(err));
    assert.match(messageFr(err.code, err.data), /générée le 2024-12-01, avant la liste actuelle \(générée le 2025-02-28\) : import refusé.*--force/);
    return true;
  });
  assertCurrentKept(home);
  const r = await importListeBlanche(older, { home, acceptUnsigned: true, force: true });
  assert.deepEqual(r.warnings, ['unsigned_replaces_signed', 'older_than_previous']);
});

test('decideReplacement: first import, same date, unsigned after unsigned are fine', () => {
  const v = (signature: 'valid' | 'absent', generatedAt: string | null) => ({ sourceName: 'x', sha256: '', importedAt: '', signature, generatedAt });
  assert.deepEqual(decideReplacement(null, { signature: 'absent', generatedAt: null }, {}), { ok: true, warnings: [] });
  assert.deepEqual(decideReplacement({ version: v('absent', '2025-01-01'), signedSeen: false }, { signature: 'absent', generatedAt: '2025-01-01' }, {}), { ok: true, warnings: [] });
  assert.deepEqual(decideReplacement({ version: v('valid', '2025-01-01'), signedSeen: true }, { signature: 'valid', generatedAt: '2025-02-01' }, {}), { ok: true, warnings: [] });
  assert.deepEqual(decideReplacement({ version: v('absent', '2025-01-01'), signedSeen: true }, { signature: 'absent', generatedAt: '2025-02-01' }, {}), { ok: false, code: 'LISTE_BLANCHE_UNSIGNED_REFUSED' });
  assert.deepEqual(decideReplacement({ version: v('valid', '2025-03-01'), signedSeen: true }, { signature: 'valid', generatedAt: '2025-02-01' }, {}), { ok: false, code: 'LISTE_BLANCHE_OLDER_REFUSED' });
});
