import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { zipSync, strToU8 } from 'fflate';
import { runMssante } from '../../support/cli.js';
import { AnnuaireReader, trustDirOf } from '../../../src-main/trust/index.js';
import { extractionLine, headerWithoutSuffix, FIXTURES_DIR, referenceHeader, writeExtraction } from '../../unit/trust/support/extraction.js';
import { closedPort, freePort } from '../../support/ports.js';

// Ports of this file, from the OS: one never listened on (offline case), one serving a ZIP over loopback HTTP.
const CLOSED_PORT = await closedPort();
const SERVER_PORT = await freePort();

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'trust-cli-'));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DUPONT = extractionLine({
  type: 'PER', address: 'jean.kerdraon@medecin.mssante.fr', nationalId: '810001234567', lastName: 'KERDRAON', firstName: 'Jean',
  profession: 'Médecin', specialty: 'Cardiologie', structureName: 'CHU DE BREST', postalCode: '29200', city: 'BREST', department: '29', dematerialisation: '1',
});

test('annuaire import --json reports rows, imported, duplicates, malformed, seconds; search --json returns the issue\'s fields, also by address or domain', async () => {
  const home = tempDir();
  const file = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(file, [referenceHeader(), DUPONT, DUPONT, 'PER|coupé'].join('\n') + '\n');
  const imp = await runMssante(['--home', home, 'annuaire', 'import', file, '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const report = JSON.parse(imp.stdout);
  assert.deepEqual([report.ok, report.rows, report.imported, report.duplicates, report.malformed], [true, 3, 1, 1, 1]);
  assert.equal(typeof report.seconds, 'number');
  assert.equal(report.version.extractionDate, '2026-11-26T03:00:00');
  assert.match(imp.stderr, /Import de l’annuaire : 100 %/, 'progress on stderr');

  const search = await runMssante(['--home', home, 'annuaire', 'search', 'kerdraon brest', '--limit', '5', '--json']);
  assert.equal(search.code, 0, search.stderr);
  assert.deepEqual(JSON.parse(search.stdout).results, [{
    address: 'jean.kerdraon@medecin.mssante.fr', type: 'PER', nationalId: '810001234567', lastName: 'KERDRAON', firstName: 'Jean',
    profession: 'Médecin', specialty: 'Cardiologie', structure: 'CHU DE BREST', city: 'BREST', postalCode: '29200', dematerialisation: true,
  }]);
  const status = JSON.parse((await runMssante(['--home', home, 'annuaire', 'status', '--json'])).stdout);
  assert.deepEqual([status.annuaire.entries, status.annuaire.extractionDate, status.listeBlanche], [1, '2026-11-26T03:00:00', null]);
  const text = await runMssante(['--home', home, 'annuaire', 'search', 'Kerdraon']);
  assert.match(text.stdout, /jean\.kerdraon@medecin\.mssante\.fr {2}Jean KERDRAON — Médecin, Cardiologie — CHU DE BREST, 29200 BREST \[dématérialisation\]/);
  // Issue 15: a pasted address (with its display name) or a domain finds the entry too.
  for (const query of ['Dr Jean Kerdraon <Jean.Kerdraon@medecin.mssante.fr>', '@medecin.mssante.fr', 'medecin.mssante.fr']) {
    const r = await runMssante(['--home', home, 'annuaire', 'search', query, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).results.map((e: { address: string }) => e.address), ['jean.kerdraon@medecin.mssante.fr'], query);
  }
});

test('annuaire import in French: the malformed lines are named; a bad file is a French error and exit code 1', async () => {
  const home = tempDir();
  const zip = join(home, 'extraction.zip');
  writeFileSync(zip, zipSync({ 'Extraction_Correspondance_MSSante_202611260300.txt': strToU8([headerWithoutSuffix(), DUPONT, 'PER|coupé'].join('\r\n') + '\r\n') }));
  const ok = await runMssante(['--home', home, 'annuaire', 'import', zip]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Annuaire importé : 1 adresses \(2 lignes lues, 0 doublons ignorés, 1 lignes invalides\)/);
  assert.match(ok.stdout, /1 × nombre de colonnes incorrect \(premières : lignes 3\)/);

  const bad = join(home, 'pas-une-extraction.txt');
  writeFileSync(bad, 'Nom|Prénom\nA|B\n');
  const ko = await runMssante(['--home', home, 'annuaire', 'import', bad, '--json']);
  assert.equal(ko.code, 1);
  assert.equal(JSON.parse(ko.stdout).error.code, 'ANNUAIRE_BAD_FILE');
  assert.match(ko.stderr, /n’est pas une extraction de l’annuaire MSSanté/);
  const still = await runMssante(['--home', home, 'annuaire', 'search', 'kerdraon', '--json']);
  assert.equal(JSON.parse(still.stdout).results.length, 1, 'previous annuaire still served');

  const none = await runMssante(['--home', tempDir(), 'annuaire', 'search', 'x']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /n’a pas encore été importé/);
});

test('annuaire import refuses a truncated or much smaller extraction with exit code 1 and French counts; --force accepts', async () => {
  const home = tempDir();
  const full = join(home, 'Extraction_Correspondance_MSSante_202611250300.txt');
  await writeExtraction(full, { rows: 1997 });
  assert.equal((await runMssante(['--home', home, 'annuaire', 'import', full])).code, 0);

  const small = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  await writeExtraction(small, { rows: 682 });
  const cut = join(home, 'cut.txt');
  writeFileSync(cut, readFileSync(small).subarray(0, readFileSync(small).length - 25));
  const truncated = await runMssante(['--home', home, 'annuaire', 'import', cut, '--json']);
  assert.equal(truncated.code, 1);
  assert.equal(JSON.parse(truncated.stdout).error.code, 'ANNUAIRE_TRUNCATED');
  assert.match(truncated.stderr, /Erreur : L’extraction de l’annuaire est tronquée : la ligne 683 est coupée/);
  assert.doesNotMatch(truncated.stderr, /en-tête/);

  const shrink = await runMssante(['--home', home, 'annuaire', 'import', small]);
  assert.equal(shrink.code, 1);
  assert.match(shrink.stderr, /ne contient que 682 adresses contre 1\u202f997 dans l’annuaire actuel \(baisse de plus de 10 %\)/);
  const status = JSON.parse((await runMssante(['--home', home, 'annuaire', 'status', '--json'])).stdout);
  assert.equal(status.annuaire.entries, 1997, 'the current annuaire is kept');
  assert.equal((await runMssante(['--home', home, 'annuaire', 'import', small, '--max-shrink', '70'])).code, 0, '--max-shrink');
  assert.equal((await runMssante(['--home', home, 'annuaire', 'import', full])).code, 0);
  const forced = await runMssante(['--home', home, 'annuaire', 'import', small, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /Annuaire importé : 682 adresses/);
});

test('an import killed mid-way (SIGKILL) leaves the previous annuaire served; the next import cleans up', async () => {
  const home = tempDir();
  const first = join(home, 'Extraction_Correspondance_MSSante_202611250300.txt');
  writeFileSync(first, [referenceHeader(), DUPONT].join('\n') + '\n');
  assert.equal((await runMssante(['--home', home, 'annuaire', 'import', first])).code, 0);

  const big = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  await writeExtraction(big, { rows: 20_000 });
  const child = fileURLToPath(new URL('./support/import-child.ts', import.meta.url));
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, child, big, trustDirOf(home), '10000'], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (_code, sig) => resolve(sig));
  });
  assert.equal(signal, 'SIGKILL');
  assert.equal(readdirSync(trustDirOf(home)).filter((n) => n.includes('.build-')).length, 1, 'the half-built file is left by the killed process');

  const reader = AnnuaireReader.require(trustDirOf(home));
  assert.equal(reader.version.extractionDate, '2026-11-25T03:00:00');
  assert.equal(reader.byAddress('jean.kerdraon@medecin.mssante.fr')?.lastName, 'KERDRAON');
  reader.close();
  const search = await runMssante(['--home', home, 'annuaire', 'search', 'kerdraon', '--json']);
  assert.equal(JSON.parse(search.stdout).version.extractionDate, '2026-11-25T03:00:00');

  const again = await runMssante(['--home', home, 'annuaire', 'import', big, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).imported, 20_000);
  assert.deepEqual(readdirSync(trustDirOf(home)).filter((n) => n.includes('.build-')), [], 'stale build removed');
});

test('annuaire download without network: clear French offline error, nothing replaced', async () => {
  const home = tempDir();
  const r = await runMssante(['--home', home, 'annuaire', 'download', '--url', `http://127.0.0.1:${CLOSED_PORT}/Extraction.zip`, '--json']);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).error.code, 'ANNUAIRE_DOWNLOAD_OFFLINE');
  assert.match(r.stderr, /Téléchargement impossible : pas de connexion Internet ou serveur de l’annuaire injoignable/);
  assert.equal(AnnuaireReader.open(trustDirOf(home)), null);
  const plain = await runMssante(['--home', home, 'annuaire', 'download', '--url', 'http://example.invalid/x.zip']);
  assert.equal(plain.code, 1, 'plain HTTP to a non-loopback host is refused before any connection');
  assert.match(plain.stderr, /Paramètre invalide/);
});

test('annuaire download from a (loopback) mirror: follows the redirect, imports the ZIP', async () => {
  const home = tempDir();
  const zip = zipSync({ 'Extraction_Correspondance_MSSante_202611260300.txt': strToU8([referenceHeader(), DUPONT].join('\n') + '\n') });
  const server: Server = createServer((req, res) => {
    if (req.url === '/r/latest') {
      res.writeHead(302, { location: '/files/Extraction_Correspondance_MSSante.zip' }).end();
    } else if (req.url === '/files/Extraction_Correspondance_MSSante.zip') {
      res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(zip));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(SERVER_PORT, '127.0.0.1', resolve));
  try {
    const r = await runMssante(['--home', home, 'annuaire', 'download', '--source', 'datagouv', '--url', `http://127.0.0.1:${SERVER_PORT}/r/latest`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).imported, 1);
    const missing = await runMssante(['--home', home, 'annuaire', 'download', '--url', `http://127.0.0.1:${SERVER_PORT}/absent`, '--json']);
    assert.equal(JSON.parse(missing.stdout).error.code, 'ANNUAIRE_DOWNLOAD_FAILED');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('listeblanche import --json: domains and signature status (real broken file: absent; truncated signed sample: refused)', async () => {
  const home = tempDir();
  const broken = await runMssante(['--home', home, 'listeblanche', 'import', join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante.xml'), '--json']);
  assert.equal(broken.code, 0, broken.stderr);
  const r = JSON.parse(broken.stdout);
  assert.deepEqual([r.domains, r.entries, r.wellFormed, r.signature.status], [516, 619, false, 'absent']);
  const text = await runMssante(['--home', home, 'listeblanche', 'import', join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante.xml')]);
  assert.match(text.stdout, /Liste blanche importée : 516 domaines \(619 entrées\), fichier non signé\./);
  assert.match(text.stdout, /mal formé/);
  const sample = await runMssante(['--home', home, 'listeblanche', 'import', join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante_signed_truncated_sample.xml'), '--json']);
  assert.equal(sample.code, 1);
  assert.equal(JSON.parse(sample.stdout).error.code, 'LISTE_BLANCHE_SIGNATURE_INVALID');
  assert.match(sample.stderr, /signature de la liste blanche est invalide/);
  assert.equal(JSON.parse(readFileSync(join(trustDirOf(home), 'listeblanche.json'), 'utf8')).domains.length, 516, 'previous list kept');
});

test('listeblanche import: after the signed ANS list, the same file without its Signature and with a domain added is refused (exit 1, French) unless --accept-unsigned', async () => {
  const home = tempDir();
  const signedFile = join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante_signed_2025-02-28.xml');
  const signed = await runMssante(['--home', home, 'listeblanche', 'import', signedFile]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(signed.stdout, /signature valide/);

  let xml = readFileSync(signedFile, 'utf8');
  xml = xml.slice(0, xml.indexOf('<Signature xmlns=')) + xml.slice(xml.indexOf('</Signature>') + '</Signature>'.length);
  const stripped = join(home, 'listeblanchemssante.xml');
  writeFileSync(stripped, xml.replace('</ListeDomaines>', '<Domaine><Nom>intrus.example</Nom></Domaine></ListeDomaines>'));
  const refused = await runMssante(['--home', home, 'listeblanche', 'import', stripped]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Erreur : Ce fichier de liste blanche n’est pas signé alors que la liste actuelle l’était : import refusé, la liste actuelle reste utilisée/);
  const kept = JSON.parse(readFileSync(join(trustDirOf(home), 'listeblanche.json'), 'utf8'));
  assert.deepEqual([kept.version.signature, kept.domains.includes('intrus.example')], ['valid', false]);

  const older = join(home, 'older.xml');
  writeFileSync(older, readFileSync(stripped, 'utf8').replace('<DateDeGeneration>2025-02-28T15:42:07Z', '<DateDeGeneration>2025-01-15T08:00:00Z'));
  const downgrade = await runMssante(['--home', home, 'listeblanche', 'import', older, '--accept-unsigned', '--json']);
  assert.equal(downgrade.code, 1);
  assert.equal(JSON.parse(downgrade.stdout).error.code, 'LISTE_BLANCHE_OLDER_REFUSED');
  assert.match(downgrade.stderr, /générée le 2025-01-15, avant la liste actuelle \(générée le 2025-02-28\)/);

  const accepted = await runMssante(['--home', home, 'listeblanche', 'import', stripped, '--accept-unsigned']);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stdout, /fichier non signé[\s\S]*acceptée par --accept-unsigned/);
});
