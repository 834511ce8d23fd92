import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANNUAIRE_COLUMNS, matchHeader } from '../../../src-main/trust/annuaire/columns.js';
import { parseLine } from '../../../src-main/trust/annuaire/entry.js';
import { extractionLine, headerWithoutSuffix, referenceHeader } from './support/extraction.js';

const ALL = Object.keys(ANNUAIRE_COLUMNS).length;

test('the real header (" structure BAL" suffixes) maps all 31 columns in order', () => {
  const m = matchHeader(referenceHeader());
  assert.ok(m);
  assert.equal(m.width, 31);
  assert.equal(ALL, 31);
  assert.deepEqual(m.missing, []);
  assert.deepEqual(m.unknown, []);
  assert.equal(m.columns.type, 0);
  assert.equal(m.columns.address, 1);
  assert.equal(m.columns.dematerialisation, 17);
  assert.equal(m.columns.structureName, 18);
  assert.equal(m.columns.postalCode, 28);
  assert.equal(m.columns.country, 30);
});

test('the header variant without suffixes maps to the same columns', () => {
  assert.deepEqual(matchHeader(headerWithoutSuffix())?.columns, matchHeader(referenceHeader())?.columns);
});

test('headers are matched by name, not position: reordered, other case, BOM, CRLF, trailing separator', () => {
  const fields = referenceHeader().split('|');
  const swapped = [fields[1], fields[0], ...fields.slice(2)].map((f) => f!.toUpperCase());
  const m = matchHeader('\uFEFF' + swapped.join('|') + '|\r');
  assert.ok(m);
  assert.equal(m.width, 31);
  assert.equal(m.columns.type, 1);
  assert.equal(m.columns.address, 0);
  assert.deepEqual(m.missing, []);
});

test('a header with a longer name is matched by prefix; an unknown column is reported', () => {
  const h = referenceHeader().replace('Code postal structure BAL', 'Code postal structure BAL (5 chiffres)') + '|Colonne future';
  const m = matchHeader(h);
  assert.ok(m);
  assert.equal(m.columns.postalCode, 28);
  assert.deepEqual(m.unknown, ['Colonne future']);
});

test('a file without the address or type column is not an extraction', () => {
  assert.equal(matchHeader('Nom|Prénom|Ville'), null);
  assert.equal(matchHeader(referenceHeader().replace('Adresse BAL', 'Courriel')), null);
});

test('data lines: fields, dématérialisation values, RPPS/ADELI, city without the postal code', () => {
  const { columns, width } = matchHeader(referenceHeader())!;
  const base = {
    type: 'PER' as const, address: 'Jean.Dupont@Medecin.MSSante.fr', nationalId: '810001234567', lastName: 'DUPONT', firstName: 'Jean',
    profession: 'Médecin', specialty: 'Cardiologie', structureName: 'CABINET', postalCode: '75014', city: 'PARIS CEDEX 14', department: '75',
  };
  for (const [value, expected] of [['true', true], ['True', true], ['1', true], ['false', false], ['0', false], ['', false]] as const) {
    const r = parseLine(extractionLine({ ...base, dematerialisation: value }), columns, width);
    assert.ok(r.ok);
    assert.equal(r.entry.dematerialisation, expected, `Dématérialisation=${value}`);
  }
  const r = parseLine(extractionLine(base) + '|', columns, width);
  assert.ok(r.ok, 'a trailing separator is tolerated');
  assert.equal(r.entry.address, 'jean.dupont@medecin.mssante.fr');
  assert.equal(r.entry.nationalIdType, 'RPPS');
  assert.equal(r.entry.city, 'PARIS CEDEX 14');
  assert.equal(r.entry.specialty, 'Cardiologie');
  const adeli = parseLine(extractionLine({ ...base, nationalId: '0751234567' }), columns, width);
  assert.ok(adeli.ok);
  assert.equal(adeli.entry.nationalIdType, 'ADELI');
});

test('malformed lines are refused with a reason', () => {
  const { columns, width } = matchHeader(referenceHeader())!;
  const good = extractionLine({ type: 'PER', address: 'a@b.mssante.fr' });
  assert.deepEqual(parseLine('PER|a@b.mssante.fr|8', columns, width), { ok: false, reason: 'field_count' });
  assert.deepEqual(parseLine(good + '|x', columns, width), { ok: false, reason: 'field_count' });
  assert.deepEqual(parseLine(good.replace('PER', ''), columns, width), { ok: false, reason: 'missing_type' });
  assert.deepEqual(parseLine(good.replace('a@b.mssante.fr', 'pas une adresse'), columns, width), { ok: false, reason: 'invalid_address' });
});
