import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMssante } from '../../support/cli.js';
import { buildXdmZip } from '../../../src-main/xdm/build-xdm.js';
import { termField } from '../../../src-main/common/terminal-text.js';
import { RESULTS_FIXTURES, resultsFixture } from './fixtures.js';

const ANS_TEST_PATIENT = {
  ins: '279035121518989',
  oid: '1.2.250.1.213.1.4.10',
  traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const },
};

test('results show on the ANS TSH example prints the TSH value, unit and range', async () => {
  const r = await runMssante(['results', 'show', join(RESULTS_FIXTURES, 'BIO-CR-BIO_2024.01_TSH_1.xml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}Thyréostimuline \(TSH\) +1\.950 +mUI\/L +0\.270 – 4\.200 +normal$/m);
  assert.match(r.stdout, /^ {2}Thyroxine libre \(FT4\) +7\.67 +pg\/mL +9\.30 – 17\.00 +▼ bas$/m);
  assert.match(r.stdout, /INS qualifiée/);
});

test('results show on HPRIM: TSH low (laboratory flag), glucose high computed', async () => {
  const r = await runMssante(['results', 'show', join(RESULTS_FIXTURES, 'pipes.hpr')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}TSH +0\.10 +mUI\/L +0\.27 – 4\.20 +▼ bas$/m);
  assert.match(r.stdout, /^ {2}GLUCOSE A JEUN +1\.42 +g\/L +0\.74 – 1\.06 +▲ élevé \(calculé\)$/m);
  assert.match(r.stdout, /^3 résultats anormaux$/m);
});

test('results show --json on an IHE_XDM.ZIP: the CDA inside, its PDF, the summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'results-cli-'));
  try {
    const file = join(dir, 'IHE_XDM.ZIP');
    writeFileSync(file, buildXdmZip({ documents: [{ cdaXml: resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml') }], patient: ANS_TEST_PATIENT, author: { lastName: 'Test', firstName: 'Anne' } }));
    const r = await runMssante(['--json', 'results', 'show', file]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.summary, { total: 2, abnormal: 1, critical: 0, mismatches: 0 });
    assert.equal(out.documents[0].origin.kind, 'xdm');
    assert.equal(out.documents[0].pdf.filename, "Compte rendu d'examens biologiques-doc-1.pdf");
    assert.equal(out.documents[0].report.groups[0].results[0].value.text, '1.950');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('results show neutralises control and bidi characters from the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'results-cli-'));
  try {
    const file = join(dir, 'evil.hpr');
    writeFileSync(file, 'RES|TSH\u001b[2J\u202eX|TSH|N|0.10|mUI/L|0.27|4.20|L|\n');
    const r = await runMssante(['results', 'show', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('\u001b') && !r.stdout.includes('\u202e'));
    assert.match(r.stdout, /TSH\\x1b\[2J<U\+202E>X/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file without results: RESULTS_NOT_FOUND in French', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'results-cli-'));
  try {
    const file = join(dir, 'note.txt');
    writeFileSync(file, 'bonjour');
    const r = await runMssante(['results', 'show', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Aucun résultat d’analyses/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the terminal neutraliser keeps French text intact', () => {
  assert.equal(termField('Hyperglycémie modérée – contrôle à 3 mois'), 'Hyperglycémie modérée – contrôle à 3 mois');
});
