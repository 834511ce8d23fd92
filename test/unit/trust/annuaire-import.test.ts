import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { zipSync, strToU8 } from 'fflate';
import { isAppError } from '../../../src-main/errors/index.js';
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
  writeFileSync(second, [referenceHeader(), extractionLine({ ...KERDRAON, lastName: 'KERDRAON-MARTIN' })].join('\n'));
  await importAnnuaire(second, { home });
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
