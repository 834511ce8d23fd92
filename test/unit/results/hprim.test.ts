// Every HPRIM fixture, row by row (checked by hand against the files), in each
// encoding laboratories use; and a fuzz run: only typed errors, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../../src-main/errors/index.js';
import { looksLikeHprim, parseHprim } from '../../../src-main/results/hprim.js';
import { summarizeResults } from '../../../src-main/results/model.js';
import { decodeUnknownText } from '../../../src-main/results/text-encoding.js';
import { resultsFixture, rows } from './fixtures.js';
import { mulberry32 } from '../../support/prng.js';

const SOLABIO_ROWS = [
  ['HEMOGLOBINE', '14.8', 'g/dL', '12.9-16.7', 'N'],
  ['Cond. Rbt', 'Diabète', '', '', 'N'],
];

for (const name of ['header-solabio.hpm', 'header-solabio.cp1252.hpm']) {
  test(`${name}: full header, free text, LAB block`, () => {
    const { report, textOnly, encoding } = parseHprim(resultsFixture(name));
    assert.equal(encoding, name.includes('cp1252') ? 'windows-1252' : 'utf-8');
    assert.equal(textOnly, false);
    assert.deepEqual(rows(report), SOLABIO_ROWS);
    assert.deepEqual(report.patient.traits, { birthName: 'DUPONT', firstGivenName: 'JEAN', birthDate: '1950-01-01' });
    assert.equal(report.patient.displayName, 'DUPONT JEAN');
    // a NIR without an INS OID: shown, but the identity is not qualified
    assert.deepEqual(report.patient.otherIds, [{ id: '150017600000000' }]);
    assert.equal(report.patient.status, 'non qualifiée');
    assert.equal(report.requestNumber, '260624HE0103');
    assert.equal(report.dates.report, '2026-06-24');
    assert.equal(report.sender, 'SOLABIO');
    assert.equal(report.recipient, 'MARTIN PAUL');
    assert.match(report.freeText ?? '', /^Expediteur LBM BIOLBS/);
    assert.match(report.freeText ?? '', /Médecin {4}MARTIN PAUL/);
    assert.equal(report.groups[0]!.results[0]!.status, 'F');
  });
}

for (const name of ['pipes.hpr', 'pipes.macroman.hpr']) {
  test(`${name}: min/max, packed "-2 - 2", empty flags computed, TEX comment`, () => {
    const { report, encoding } = parseHprim(resultsFixture(name));
    assert.equal(encoding, name.includes('macroman') ? 'macintosh' : 'utf-8');
    assert.deepEqual(rows(report), [
      ['GLUCOSE A JEUN', '1.42', 'g/L', '0.74-1.06', 'computed:H'],
      ['HEMOGLOBINE', '13.8', 'g/dL', '12.0-16.0', ''],
      ['TSH', '0.10', 'mUI/L', '0.27-4.20', 'L'],
      ['CREATININE', '8.1', 'mg/L', '6.0-11.0', ''],
      ['BASE EXCESS', '-8', 'mmol/L', '-2-2', 'computed:L'],
    ]);
    assert.deepEqual(report.groups[0]!.results[4]!.comments, ['Contrôle conseillé à distance.']);
    assert.deepEqual(summarizeResults([report]), { total: 5, abnormal: 3, critical: 0, mismatches: 0 });
  });
}

for (const name of ['tags.hpr', 'tags.utf16le-bom.hpr']) {
  test(`${name}: LAB block only, packed range "2.20-2.60"`, () => {
    const { report, encoding } = parseHprim(resultsFixture(name));
    assert.equal(encoding, name.includes('utf16') ? 'utf-16le' : 'utf-8');
    assert.deepEqual(rows(report), [
      ['GLYCEMIE', '1.30', 'g/L', '0.74-1.06', 'computed:H'],
      ['SODIUM', '140', 'mmol/L', '136-145', ''],
      ['CALCIUM', '3.00', 'mmol/L', '2.20-2.60', 'computed:H'],
    ]);
    assert.deepEqual(report.groups[0]!.results[0]!.comments, ['Hyperglycémie modérée.']);
    assert.equal(report.freeText, undefined);
  });
}

for (const name of ['text.hpr', 'text.cp1252.hpr']) {
  test(`${name}: free text only, shown as text`, () => {
    const { report, textOnly } = parseHprim(resultsFixture(name));
    assert.equal(textOnly, true);
    assert.deepEqual(report.groups, []);
    assert.equal(report.patient.displayName, 'MARTIN DENISE');
    assert.equal(report.patient.traits.birthDate, '1957-03-14');
    assert.equal(report.freeText, 'Hémoglobine :                            13.8 g/dL    (12,0-16,0)\nGlycémie :                               1.30 g/L     (0,74-1,06)');
  });
}

test('dual units: value2/unit2/min2/max2 become an alternate measure', () => {
  const file = new TextEncoder().encode('RES|GLYCEMIE|GLU|N|1.42|g/L|0.74|1.06||F|7.88|mmol/L|4.11|5.88\r\n');
  const r = parseHprim(file).report.groups[0]!.results[0]!;
  assert.deepEqual(r.alternate, [{ value: { kind: 'numeric', value: 7.88, text: '7.88', unit: 'mmol/L' }, range: { low: 4.11, lowText: '4.11', high: 5.88, highText: '5.88', unit: 'mmol/L' }, computedFlag: 'H' }]);
});

test('critical flags HH / LL count as critical', () => {
  const file = new TextEncoder().encode('****LAB****\nRES|POTASSIUM|K|N|7.1|mmol/L|3.5|5.0|HH|F\nRES|SODIUM|NA|N|118|mmol/L|136|145|LL|F\n****FIN****\n');
  assert.deepEqual(summarizeResults([parseHprim(file).report]), { total: 2, abnormal: 2, critical: 2, mismatches: 0 });
});

test('encodings: windows-1252 and MacRoman told apart on French text, never mojibake', () => {
  const word = 'Hyperglycémie modérée, contrôle à prévoir';
  const cp1252 = Uint8Array.from([...word].map((c) => ({ é: 0xe9, ô: 0xf4, à: 0xe0 })[c] ?? c.charCodeAt(0)));
  const mac = Uint8Array.from([...word].map((c) => ({ é: 0x8e, ô: 0x99, à: 0x88 })[c] ?? c.charCodeAt(0)));
  assert.deepEqual(decodeUnknownText(cp1252), { text: word, encoding: 'windows-1252', bom: false });
  assert.deepEqual(decodeUnknownText(mac), { text: word, encoding: 'macintosh', bom: false });
});

test('recognised by extension or by content', () => {
  assert.ok(looksLikeHprim('resultats.HPR', new Uint8Array()));
  assert.ok(looksLikeHprim('x.txt', resultsFixture('tags.hpr')));
  assert.ok(!looksLikeHprim('x.txt', new TextEncoder().encode('bonjour')));
});

test('binary content and oversized files are refused with HPRIM_INVALID', () => {
  assert.throws(() => parseHprim(Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0, 1, 2, 0, 0, 3, 0xff])), (e) => isAppError(e) && e.code === 'HPRIM_INVALID');
  assert.throws(() => parseHprim(new Uint8Array(5 * 1024 * 1024)), (e) => isAppError(e) && e.code === 'HPRIM_INVALID');
});

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = bytes.slice();
  const n = 1 + Math.floor(r() * 8);
  const specials = [0x7c, 0x0a, 0x0d, 0x2a, 0x2d, 0x2e, 0x00, 0xff, 0xfe];
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * out.length);
    const mode = r();
    if (mode < 0.4) out[at] = Math.floor(r() * 256);
    else if (mode < 0.8) out[at] = specials[Math.floor(r() * specials.length)]!; // separators, line ends, BOM bytes
    else return out.subarray(0, at);
  }
  return out;
}

test('600 corrupted HPRIM files: each is parsed or refused with an AppError', () => {
  const r = mulberry32(20);
  const seeds = ['header-solabio.cp1252.hpm', 'pipes.hpr', 'tags.utf16le-bom.hpr', 'text.hpr'].map(resultsFixture);
  for (let i = 0; i < 600; i++) {
    const input = mutate(seeds[i % seeds.length]!, r);
    try {
      const { report } = parseHprim(input);
      // whatever the damage, the model stays well formed
      for (const g of report.groups) for (const x of g.results) assert.equal(typeof x.label, 'string');
    } catch (err) {
      assert.ok(isAppError(err), `mutation ${i}: ${err instanceof Error ? err.stack : String(err)}`);
    }
  }
});
