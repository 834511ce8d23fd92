// Every ANS biology example (CR-BIO 2024.01, TROD 2024.01): each structured row
// checked by hand against the document (narrative table and entries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBiologyCda, parseCdaResultsBytes } from '../../../src-main/results/cda-results.js';
import { summarizeResults } from '../../../src-main/results/model.js';
import { parseXmlBytesSafely } from '../../../src-main/xdm/safe-xml.js';
import { CDA_XML_LIMITS } from '../../../src-main/xdm/limits.js';
import { resultsFixture, rows } from './fixtures.js';

const parse = (name: string) => parseCdaResultsBytes(resultsFixture(name)).report;

test('TSH_1: TSH normal, FT4 low (laboratory flag); header parties and dates', () => {
  const r = parse('BIO-CR-BIO_2024.01_TSH_1.xml');
  assert.deepEqual(rows(r), [
    ['Thyréostimuline (TSH)', '1.950', 'm[IU]/L', '0.270-4.200', 'N'],
    ['Thyroxine libre (FT4)', '7.67', 'pg/mL', '9.30-17.00', 'L'],
  ]);
  const tsh = r.groups[0]!.results[0]!;
  assert.deepEqual(tsh.code, { code: '3016-3', system: '2.16.840.1.113883.6.1', systemName: 'LOINC', display: 'Thyréostimuline [Arbitraire/Volume] Sérum/Plasma ; Numérique' });
  assert.equal(r.groups[0]!.title, 'BIOCHIMIE — Biochimie');
  assert.equal(r.patient.status, 'qualifiée');
  assert.equal(r.patient.displayName, 'PAT-TROIS DOMINIQUE');
  assert.equal(r.prescriber?.name, 'Pascal CHARLES');
  assert.equal(r.laboratory?.name, 'Laboratoire des charmes');
  assert.equal(r.biologist?.name, 'M Marcel CAMPARINI');
  assert.equal(r.requestNumber, '2014123456789');
  assert.equal(r.dates.collected, '2021-01-04T07:35:00+01:00');
  assert.equal(r.dates.validated, '2021-01-04T16:05:27+01:00');
  assert.deepEqual(summarizeResults([r]), { total: 2, abnormal: 1, critical: 0, mismatches: 0 });
});

test('TSH_2: blood-spot TSH (other LOINC), another laboratory and biologist', () => {
  const r = parse('BIO-CR-BIO_2024.01_TSH_2.xml');
  assert.deepEqual(rows(r), [
    ['Thyréostimuline (TSH)', '1.950', 'm[IU]/L', '0.290-4.800', 'N'],
    ['Thyroxine libre (FT)', '7.67', 'pg/mL', '9.30-17.00', 'L'],
  ]);
  assert.equal(r.groups[0]!.results[0]!.code?.code, '29575-8');
  assert.equal(r.laboratory?.name, 'Laboratoire des SORTES');
  assert.equal(r.biologist?.name, 'M Paul SORT');
});

test('Glycemie_mole: the structured high bound 3.89 disagrees with the text 6.00 and is flagged', () => {
  const r = parse('BIO-CR-BIO_2024.01_Glycemie_mole.xml');
  assert.deepEqual(rows(r), [['Glycémie à jeun', '4.89', 'mmol/L', '3.89-3.89', 'N']]);
  const g = r.groups[0]!.results[0]!;
  assert.deepEqual(g.mismatches, [{ field: 'high', structured: '3.89', narrative: '6.00' }]);
  // the laboratory said N: no computed flag overrides it
  assert.equal(g.computedFlag, undefined);
  assert.equal(summarizeResults([r]).mismatches, 1);
});

test('Glycemie deux unités: one analysis, mmol/L then g/L as its alternate measure', () => {
  const r = parse('BIO-CR-BIO_2024.01_Glycemie_deux_unites_principales_mole_masse.xml');
  assert.deepEqual(rows(r), [['Glycémie à jeun', '4.89', 'mmol/L', '3.89-3.89', 'N']]);
  const g = r.groups[0]!.results[0]!;
  assert.equal(g.alternate?.length, 1);
  const alt = g.alternate![0]!;
  assert.deepEqual(alt.value, { kind: 'numeric', value: 0.88, text: '0.88', unit: 'g/L' });
  assert.deepEqual([alt.range?.lowText, alt.range?.highText, alt.flag], ['0.70', '1.08', 'N']);
  assert.deepEqual(g.mismatches, [{ field: 'high', structured: '3.89', narrative: '6.00' }]);
});

test('CRP without LOINC: local code from the translation, value "≤ 1.0", range "≤ 5.0"', () => {
  const r = parse('BIO-CR-BIO_2024.01_CRP_non_LOINC.xml');
  assert.deepEqual(rows(r), [['CRP', '<=1.0', 'mg/L', '-5.0', 'N']]);
  const crp = r.groups[0]!.results[0]!;
  assert.equal(crp.code?.code, '1234');
  assert.equal(crp.code?.system, '1.2.250.1.2.3.4');
  assert.equal(crp.code?.systemName, 'table des codes locaux Laboratoire des charmes');
});

test('Microbiologie: ECBU batteries, two isolates with antibiograms (S/I/R), specimen, comment', () => {
  const r = parse('BIO-CR-BIO_2024.01_Microbiologie_V2.xml');
  assert.deepEqual(rows(r), [
    ['Couleur', 'paille', '', '', ''],
    ['Aspect', 'clair', '', '', ''],
    ['Leucocytes', '500', '/mL', '', ''],
    ['Erythrocytes', '200', '/mL', '', ''],
    ['Cellules épithéliales', 'absence', '', '', ''],
    ['Coloration de Gram', 'nombreux Gram - ; quelques Gram +', '', '', ''],
    ['Dénombrement de germes', '120000', '/mL', '', ''],
    ['Amoxicilline', '>=0.512', 'ug/mL', '', 'R'],
    ['Ampicilline', '<0.128', 'ug/mL', '', 'I'],
    ['Gentamicine', '<0.032', 'ug/mL', '', 'S'],
    ['Dénombrement de germes', '200000', '/mL', '', ''],
    ['Amoxicilline', '<0.012', 'ug/mL', '', 'S'],
    ['Ampicilline', '<0.013', 'ug/mL', '', 'S'],
    ['Gentamicine', '<0.014', 'ug/mL', '', 'S'],
  ]);
  const titles = r.groups.map((g) => g.title);
  assert.ok(titles.includes('Examen cytobactériologique des urines (ECBU) — Escherichia coli (organism) — Antibiogramme'), titles.join('\n'));
  assert.ok(r.groups.every((g) => g.specimen === 'EX MICROBIO URINES (ECBU)'));
  assert.deepEqual(r.groups[0]!.comments, ['Traitement immédiat']);
  // the text says "<0,0032 µg/ml" for gentamicin where the entry says 0.032: flagged, not silently picked
  const genta = r.groups.flatMap((g) => g.results).find((x) => x.label === 'Gentamicine')!;
  assert.equal(genta.mismatches[0]?.field, 'value');
  // "120 000" in the text is the same number as 120000
  assert.deepEqual(r.groups.flatMap((g) => g.results).filter((x) => x.label === 'Dénombrement de germes').flatMap((x) => x.mismatches), []);
  // susceptibility is not "abnormal"
  assert.equal(summarizeResults([r]).abnormal, 0);
});

test('DEP-CCU (cervical screening): coded results with their previous result; context entries are not results', () => {
  const r = parse('BIO-CR-BIO_2024.01_DEP-CCU-tout-structure.xml');
  assert.deepEqual(rows(r), [
    ['Test HPV-HR', "ADN d'HPV-HR détecté", '', '', ''],
    ['Examen cytologique', 'adénocarcinome SAP', '', '', ''],
  ]);
  const [hpv, cyto] = r.groups.flatMap((g) => g.results);
  assert.deepEqual(hpv!.previous, { kind: 'coded', display: 'HPV-HR non détecté', code: '77851000146104', codeSystem: '2.16.840.1.113883.6.96' });
  assert.equal(cyto!.previous?.kind === 'coded' && cyto!.previous.display, 'négatif pour une lésion intra-épithéliale ou maligne');
  assert.equal(r.groups[0]!.specimen, 'FCU-DO - FROTTIS, vagin');
  assert.ok(r.comments.some((c) => c.startsWith('Conclusion simplifiée')));
});

test('CR seconde intention with PDF: INR 2.0 (REAL, no unit), non-conformity comment', () => {
  const r = parse('BIO-CR-BIO_2024.01_CR-2nde-intention-PDF.xml');
  assert.deepEqual(rows(r), [['INR', '2.0', '', '', 'N']]);
  assert.deepEqual(r.comments, ['Non conformité : (texte libre)']);
  assert.equal(r.prescriber?.name, 'MME Eva BLUE');
});

test('TROD angine: negative, with its comment; the pharmacy as the laboratory', () => {
  const r = parse('BIO-TROD_2024.01_Angine.xml');
  assert.deepEqual(rows(r), [['Dépistage Angine (S. pyogenes)', 'négatif', '', '', '']]);
  assert.deepEqual(r.groups[0]!.results[0]!.comments, ['(texte libre)']);
  assert.equal(r.laboratory?.name, 'Pharmacie des 4 cantons');
});

test('TROD COVID-19 / grippe A / grippe B: three coded results', () => {
  const r = parse('BIO-TROD_2024.01_COVID-19_Grippe-A_Grippe-B.xml');
  assert.deepEqual(rows(r), [
    ['Dépistage SARS-CoV2', 'négatif', '', '', ''],
    ['Dépistage Grippe A', 'positif', '', '', ''],
    ['Dépistage Grippe B', 'négatif', '', '', ''],
  ]);
});

test('every ANS example is recognised as a biology report', () => {
  for (const name of ['BIO-CR-BIO_2024.01_TSH_1.xml', 'BIO-TROD_2024.01_Angine.xml']) {
    assert.ok(isBiologyCda(parseXmlBytesSafely(resultsFixture(name), CDA_XML_LIMITS).documentElement!));
  }
});

test('a critical flag (HH) and an unflagged out-of-range value: critical and computed', () => {
  const xml = new TextDecoder().decode(resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml'))
    .replace('<interpretationCode code="L"', '<interpretationCode code="LL"')
    .replace('<value xsi:type="PQ" value="1.950"', '<value xsi:type="PQ" value="9.950"')
    .replace(/(<value xsi:type="PQ" value="9.950"\s+unit="m\[IU\]\/L"\/>)\s*<interpretationCode code="N"\s+displayName="Normal"\s+codeSystem="2.16.840.1.113883.5.83"\/>/, '$1');
  const r = parseCdaResultsBytes(new TextEncoder().encode(xml)).report;
  assert.deepEqual(rows(r).map((x) => x[4]), ['computed:H', 'LL']);
  assert.deepEqual(summarizeResults([r]), { total: 2, abnormal: 2, critical: 1, mismatches: 1 });
});

test('200 corrupted biology CDAs: each gives results or an AppError, never a crash', async () => {
  const { isAppError } = await import('../../../src-main/errors/index.js');
  const base = resultsFixture('BIO-CR-BIO_2024.01_Glycemie_deux_unites_principales_mole_masse.xml');
  // mutations land in the header and the results, not in the embedded PDF (base64 mutations change nothing)
  const cut = new TextDecoder('latin1').decode(base).indexOf('Copie du document');
  let seed = 43;
  const r = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < 200; i++) {
    const out = base.slice();
    for (let n = 0; n < 1 + Math.floor(r() * 3); n++) out[Math.floor(r() * cut)] = [0x3c, 0x3e, 0x22, 0x2f, 0x2e, 0x2d, 0x30 + Math.floor(r() * 10), Math.floor(r() * 256)][Math.floor(r() * 8)]!;
    try {
      parseCdaResultsBytes(out);
      outcomes.ok++;
    } catch (err) {
      assert.ok(isAppError(err), `mutation ${i}: ${err instanceof Error ? err.stack : String(err)}`);
      outcomes.refused++;
    }
  }
  // both paths are exercised: damaged documents that still parse, and refused ones
  assert.ok(outcomes.ok > 20 && outcomes.refused > 20, JSON.stringify(outcomes));
});
