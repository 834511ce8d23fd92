import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { zipSync, strToU8 } from 'fflate';
import { shrinkAllowed } from '../../../src-main/trust/annuaire/import.js';
import { isAppError, messageFr, type AppError } from '../../../src-main/errors/index.js';
import { AnnuaireReader, importAnnuaire } from '../../../src-main/trust/index.js';
import { extractionLine, headerWithoutSuffix, referenceHeader, writeExtraction, type GeneratedPerson } from './support/extraction.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'trust-annuaire-'));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const KERDRAON: GeneratedPerson = {
  type: 'PER', address: 'Jean.Kerdraon@medecin.mssante.fr', nationalId: '810001234567', civility: 'M', lastName: 'KERDRAON', firstName: 'Jean',
  profession: 'Médecin', professionCode: '10', specialty: 'Cardiologie et maladies vasculaires', specialtyCode: 'SM04',
  structureName: 'CENTRE HOSPITALIER DE BREST', postalCode: '29200', city: 'BREST', department: '29', dematerialisation: 'True',
};
const LEFEVRE: GeneratedPerson = {
  type: 'PER', address: 'helene.leveque@infirmier.mssante.fr', nationalId: '0291234567', lastName: 'LÉVÊQUE', firstName: 'Hélène',
  profession: 'Infirmier', structureName: 'CABINET INFIRMIER', postalCode: '69003', city: 'LYON', department: '69', dematerialisation: 'false',
};
const SECRETARIAT: GeneratedPerson = {
  type: 'ORG', address: 'secretariat.cardio@ch-brest.mssante.fr', structureName: 'CHU DE BREST', service: 'Cardiologie', postalCode: '29200',
  city: 'BREST', department: '29',
};

function smallExtraction(header: string, extra: string[] = []): string {
  return [header, extractionLine(KERDRAON), extractionLine(LEFEVRE), extractionLine(SECRETARIAT), ...extra].join('\n') + '\n';
}

test('imports both header variants with the same result, keeps the version and the dématérialisation flag', async () => {
  for (const header of [referenceHeader(), headerWithoutSuffix()]) {
    const home = tempDir();
    const file = join(home, 'Extraction_Correspondance_MSSante_202611250312.txt');
    writeFileSync(file, smallExtraction(header));
    const r = await importAnnuaire(file, { home });
    assert.deepEqual([r.rows, r.imported, r.duplicates, r.malformed], [3, 3, 0, 0]);
    assert.equal(r.version.extractionDate, '2026-11-25T03:12:00');
    const reader = AnnuaireReader.require(home);
    const e = reader.byAddress('JEAN.KERDRAON@MEDECIN.MSSANTE.FR');
    assert.ok(e);
    assert.equal(e.lastName, 'KERDRAON');
    assert.equal(e.nationalIdType, 'RPPS');
    assert.equal(e.specialty, 'Cardiologie et maladies vasculaires');
    assert.equal(e.structureName, 'CENTRE HOSPITALIER DE BREST');
    assert.equal(e.city, 'BREST');
    assert.equal(e.dematerialisation, true);
    assert.equal(reader.byAddress('helene.leveque@infirmier.mssante.fr')?.dematerialisation, false);
    assert.equal(reader.version.sourceName, 'Extraction_Correspondance_MSSante_202611250312.txt');
    reader.close();
  }
});

test('duplicate addresses are counted and the first occurrence kept; malformed lines counted with line numbers', async () => {
  const home = tempDir();
  const file = join(home, 'Extraction_Correspondance_MSSante_202611250312.txt');
  const dupe = extractionLine({ ...KERDRAON, address: 'JEAN.KERDRAON@medecin.mssante.fr', lastName: 'AUTRE' });
  writeFileSync(file, smallExtraction(referenceHeader(), [dupe, 'PER|tronquee@x.mssante.fr|8', '', extractionLine({ ...LEFEVRE, address: 'sans-arobase' })]));
  const r = await importAnnuaire(file, { home });
  assert.equal(r.rows, 6);
  assert.equal(r.imported, 3);
  assert.equal(r.duplicates, 1);
  assert.equal(r.malformed, 2);
  assert.deepEqual(r.malformedByReason, { field_count: 1, missing_type: 0, invalid_address: 1 });
  assert.deepEqual(r.malformedSamples, [{ line: 6, reason: 'field_count' }, { line: 8, reason: 'invalid_address' }]);
  const reader = AnnuaireReader.require(home);
  assert.equal(reader.byAddress('jean.kerdraon@medecin.mssante.fr')?.lastName, 'KERDRAON');
  reader.close();
});

test('imports the ZIP that wraps the extraction (CRLF lines), and finds entries by words, accents optional', async () => {
  const home = tempDir();
  const txt = join(home, 'x.txt');
  const counts = await writeExtraction(txt, { rows: 3000, duplicateEvery: 500, malformedEvery: 1000, crlf: true, header: headerWithoutSuffix() });
  const content = readFileSync(txt, 'utf8') + smallExtraction(referenceHeader()).split('\n').slice(1).join('\r\n');
  const zip = join(home, 'Extraction_Correspondance_MSSante.zip');
  writeFileSync(zip, zipSync({ 'README.txt': strToU8('notice'), 'Extraction_Correspondance_MSSante_202611250312.txt': strToU8(content) }));
  const r = await importAnnuaire(zip, { home });
  assert.equal(r.rows, 3003);
  assert.equal(r.duplicates, counts.duplicates);
  assert.equal(r.malformed, counts.malformed);
  assert.equal(r.imported, 3003 - counts.duplicates - counts.malformed);
  assert.equal(r.version.sourceName, 'Extraction_Correspondance_MSSante_202611250312.txt');
  const reader = AnnuaireReader.require(home);
  assert.equal(reader.search('helene leveque')[0]?.address, 'helene.leveque@infirmier.mssante.fr');
  assert.equal(reader.search('Hélène LÉVÊQUE lyon')[0]?.address, 'helene.leveque@infirmier.mssante.fr');
  assert.equal(reader.search('kerdraon cardio brest')[0]?.address, 'jean.kerdraon@medecin.mssante.fr');
  assert.equal(reader.search('29200 kerdra')[0]?.address, 'jean.kerdraon@medecin.mssante.fr');
  assert.ok(reader.search('chu brest').some((e) => e.address === 'secretariat.cardio@ch-brest.mssante.fr'), 'structure name');
  assert.equal(reader.autocomplete('jean.kerdraon@')[0]?.address, 'jean.kerdraon@medecin.mssante.fr');
  assert.ok(reader.autocomplete('hel levequ').some((e) => e.address === 'helene.leveque@infirmier.mssante.fr'));
  assert.deepEqual(reader.search('"); DROP TABLE entry; --'), [], 'FTS syntax in the query is inert');
  reader.close();
});

test('a failed import (not an extraction, truncated ZIP, empty) leaves the previous annuaire in service', async () => {
  const home = tempDir();
  const good = join(home, 'Extraction_Correspondance_MSSante_202611250312.txt');
  writeFileSync(good, smallExtraction(referenceHeader()));
  await importAnnuaire(good, { home });

  const notExtraction = join(home, 'autre.txt');
  writeFileSync(notExtraction, 'Nom|Prénom\nA|B\n');
  const zipBytes = zipSync({ 'Extraction_Correspondance_MSSante_202611260312.txt': strToU8(smallExtraction(referenceHeader()).repeat(200)) });
  const truncated = join(home, 'truncated.zip');
  writeFileSync(truncated, zipBytes.subarray(0, Math.floor(zipBytes.length / 2)));
  const headerOnly = join(home, 'header-only.txt');
  writeFileSync(headerOnly, referenceHeader() + '\n');
  const wrongZip = join(home, 'wrong.zip');
  writeFileSync(wrongZip, zipSync({ 'autre.txt': strToU8('x') }));

  const noLineEnds = join(home, 'binary.txt');
  writeFileSync(noLineEnds, Buffer.alloc(300_000, 0x41));
  for (const bad of [notExtraction, truncated, headerOnly, wrongZip, noLineEnds, join(home, 'missing.txt')]) {
    await assert.rejects(importAnnuaire(bad, { home }), (err) => isAppError(err) && ['ANNUAIRE_BAD_FILE', 'IO_FAILED'].includes(err.code), bad);
    const reader = AnnuaireReader.require(home);
    assert.equal(reader.version.extractionDate, '2026-11-25T03:12:00');
    assert.equal(reader.byAddress('jean.kerdraon@medecin.mssante.fr')?.lastName, 'KERDRAON');
    reader.close();
  }
  assert.deepEqual(readdirSync(home).filter((n) => n.includes('.build-')), [], 'no build file left behind');
});

test('a reader keeps serving during an import and switches to the new version when asked', async () => {
  const home = tempDir();
  const first = join(home, 'Extraction_Correspondance_MSSante_202611250312.txt');
  writeFileSync(first, smallExtraction(referenceHeader()));
  await importAnnuaire(first, { home });
  const reader = AnnuaireReader.require(home);
  const second = join(home, 'Extraction_Correspondance_MSSante_202611260312.txt');
  writeFileSync(second, [referenceHeader(), extractionLine({ ...KERDRAON, lastName: 'KERDRAON-MARTIN' })].join('\n') + '\n');
  await importAnnuaire(second, { home, force: true }); // 3 → 1 address: a deliberate shrink
  assert.equal(reader.byAddress('jean.kerdraon@medecin.mssante.fr')?.lastName, 'KERDRAON', 'old handle still reads the old file');
  assert.equal(reader.reopenIfReplaced(), true);
  assert.equal(reader.version.extractionDate, '2026-11-26T03:12:00');
  assert.equal(reader.byAddress('jean.kerdraon@medecin.mssante.fr')?.lastName, 'KERDRAON-MARTIN');
  assert.equal(reader.byAddress('helene.leveque@infirmier.mssante.fr'), null);
  assert.equal(reader.reopenIfReplaced(), false);
  reader.close();
});

test('searching before any import is a clear ANNUAIRE_NOT_IMPORTED error', () => {
  assert.equal(AnnuaireReader.open(tempDir()), null);
  assert.throws(() => AnnuaireReader.require(tempDir()), (err) => isAppError(err) && err.code === 'ANNUAIRE_NOT_IMPORTED');
});

/** Asserts a refusal with `code` and returns it, the previous annuaire (`entries`) still in service. */
async function assertRefused(home: string, file: string, code: string, entries: number, opts: Partial<Parameters<typeof importAnnuaire>[1]> = {}): Promise<AppError> {
  let caught: AppError | null = null;
  await assert.rejects(importAnnuaire(file, { home, ...opts }), (err) => {
    assert.ok(isAppError(err), String(err));
    assert.equal(err.code, code, err.message);
    caught = err;
    return true;
  });
  const reader = AnnuaireReader.require(home);
  assert.equal(reader.version.entries, entries, 'the previous annuaire stays in service');
  reader.close();
  assert.deepEqual(readdirSync(home).filter((n) => n.includes('.build-')), [], 'no build file left behind');
  return caught!;
}

test('a truncated extraction (last line cut, no final line end) is refused and says so, not "en-tête"', async () => {
  const home = tempDir();
  const good = join(home, 'good.txt');
  await writeExtraction(good, { rows: 2000 });
  assert.equal((await importAnnuaire(good, { home })).imported, 2000);

  // the case: a copy cut in the middle of a line (here 2,000 lines → 1,990 and a half)
  const content = readFileSync(good, 'utf8');
  const cut = join(home, 'Extraction_Correspondance_MSSante_202611260312.txt');
  const lines = content.split('\n');
  writeFileSync(cut, lines.slice(0, 1991).join('\n') + '\n' + lines[1991]!.slice(0, 40));
  const err = await assertRefused(home, cut, 'ANNUAIRE_TRUNCATED', 2000, { force: true });
  assert.equal(err.data.line, 1992);
  const fr = messageFr(err.code, err.data);
  assert.match(fr, /tronquée : la ligne 1\u202f992 est coupée/);
  assert.doesNotMatch(fr, /en-tête/);

  // the same cut inside a ZIP
  const zip = join(home, 'cut.zip');
  writeFileSync(zip, zipSync({ 'Extraction_Correspondance_MSSante_202611260312.txt': readFileSync(cut) }));
  await assertRefused(home, zip, 'ANNUAIRE_TRUNCATED', 2000, { force: true });
});

test('an import that shrinks the annuaire by more than 10 % is refused with both counts, unless forced or allowed', async () => {
  const home = tempDir();
  const full = join(home, 'full.txt');
  await writeExtraction(full, { rows: 1997 });
  await importAnnuaire(full, { home });
  const small = join(home, 'small.txt');
  await writeExtraction(small, { rows: 682 });
  const err = await assertRefused(home, small, 'ANNUAIRE_SHRINK_REFUSED', 1997);
  assert.deepEqual([err.data.previous, err.data.next], [1997, 682]);
  assert.match(messageFr(err.code, err.data), /ne contient que 682 adresses contre 1\u202f997 dans l’annuaire actuel \(baisse de plus de 10 %\).*--force/);

  const slightlySmaller = join(home, 'minus5.txt');
  await writeExtraction(slightlySmaller, { rows: 1900 });
  assert.equal((await importAnnuaire(slightlySmaller, { home })).imported, 1900, 'a 5 % drop is normal');
  await assertRefused(home, small, 'ANNUAIRE_SHRINK_REFUSED', 1900, { maxShrinkShare: 0.5 });
  assert.equal((await importAnnuaire(small, { home, maxShrinkShare: 0.7 })).imported, 682, 'settable share');
  await importAnnuaire(full, { home });
  assert.equal((await importAnnuaire(small, { home, force: true })).imported, 682, '--force');
  assert.equal(shrinkAllowed(null, 1, 0.1), true, 'first import');
  assert.equal(shrinkAllowed(1000, 900, 0.1), true);
  assert.equal(shrinkAllowed(1000, 899, 0.1), false);
});

test('decompression limits: a zip bomb of valid rows (ratio) and an oversized extraction (total size) are refused', async () => {
  const home = tempDir();
  const good = join(home, 'good.txt');
  await writeExtraction(good, { rows: 3000 });
  await importAnnuaire(good, { home });

  // 48 MB of the same valid line: deflates ~1000:1, like the 1.2 GB bomb of the issue
  const line = extractionLine(KERDRAON) + '\n';
  const bombText = referenceHeader() + '\n' + line.repeat(Math.ceil((48 << 20) / line.length));
  const bomb = join(home, 'bomb.zip');
  writeFileSync(bomb, zipSync({ 'Extraction_Correspondance_MSSante_202611260312.txt': strToU8(bombText) }, { level: 9 }));
  const ratio = await assertRefused(home, bomb, 'ANNUAIRE_TOO_LARGE', 3000, { force: true });
  assert.equal(ratio.data.check, 'ratio');
  assert.match(messageFr(ratio.code, ratio.data), /se décompresse de façon anormale \(taux supérieur à 100 pour 1/);

  // total size: the same check the 1 GiB default makes, with a 200 KiB limit on a ~1 MB extraction
  const big = join(home, 'big.txt');
  await writeExtraction(big, { rows: 3000 });
  const bigZip = join(home, 'big.zip');
  writeFileSync(bigZip, zipSync({ 'Extraction_Correspondance_MSSante_202611260312.txt': readFileSync(big) }));
  for (const file of [big, bigZip]) {
    const size = await assertRefused(home, file, 'ANNUAIRE_TOO_LARGE', 3000, { limits: { maxBytes: 200 * 1024 } });
    assert.equal(size.data.check, 'size');
    assert.match(messageFr(size.code, size.data), /dépasse la taille maximale admise/);
  }
});

test('each refusal names the check that failed', async () => {
  const home = tempDir();
  const good = join(home, 'good.txt');
  writeFileSync(good, smallExtraction(referenceHeader()));
  await importAnnuaire(good, { home });
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['header.txt', 'Nom|Prénom\nA|B\n', 'ANNUAIRE_BAD_FILE', /en-tête non reconnu/],
    ['empty.txt', '', 'ANNUAIRE_BAD_FILE', /vide/],
    ['nolines.txt', referenceHeader() + '\nPER|x\n', 'ANNUAIRE_BAD_FILE', /aucune ligne utilisable/],
    ['wrong.zip', Buffer.from(zipSync({ 'autre.txt': strToU8('x\n') })), 'ANNUAIRE_BAD_FILE', /ne contient pas de fichier Extraction_Correspondance/],
  ];
  for (const [name, content, code, fr] of cases) {
    const file = join(home, name);
    writeFileSync(file, content);
    const err = await assertRefused(home, file, code, 3, { force: true });
    assert.match(messageFr(err.code, err.data), fr, name);
  }
});
