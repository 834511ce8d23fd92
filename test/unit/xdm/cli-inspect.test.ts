import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMssante } from '../../support/cli.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';
import { buildXdmZip } from '../../../src-main/xdm/build-xdm.js';
import { ANS_TEST_PATIENT, CDA_BIO, cdaSample } from './fixtures.js';
import { buildRawZip } from './zip-fixtures.js';

const sample = join(REFERENCE_FIXTURES, 'xdm', 'direct-project', 'xdmail_samplexdm_backslash-paths.zip');

test('xdm inspect prints documents, patient and checks in French', async () => {
  const r = await runMssante(['xdm', 'inspect', sample]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Patient : Doe John, né\(e\) le 27\/05\/1956, sexe M$/m);
  assert.match(r.stdout, /^Statut : INS non qualifiée : manque matricule INS/m);
  assert.match(r.stdout, /1\. Physical — Outpatient Evaluation And Management/);
  assert.match(r.stdout, /Fichier : SUBSET01\/DOCUMENT\.xml \(68226 octets, text\/xml\)/);
  assert.match(r.stdout, /non vérifiable/);
});

test('xdm inspect --json on a built XDM: qualified patient, verified hashes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xdm-cli-'));
  try {
    const file = join(dir, 'IHE_XDM.ZIP');
    writeFileSync(file, buildXdmZip({ documents: [{ cdaXml: cdaSample(CDA_BIO) }], patient: ANS_TEST_PATIENT, author: { lastName: 'Test', firstName: 'Anne' } }));
    const r = await runMssante(['--json', 'xdm', 'inspect', file]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.deepEqual(out.patient.traits, ANS_TEST_PATIENT.traits);
    assert.equal(out.patient.ins, ANS_TEST_PATIENT.ins);
    assert.equal(out.patient.oid, ANS_TEST_PATIENT.oid);
    assert.equal(out.patient.qualified, true);
    assert.equal(out.documents[0].title, "Compte rendu d'examens biologiques");
    assert.deepEqual(out.documents[0].checks, { found: true, size: 'ok', hash: 'ok' });
    assert.equal(out.documents[0].integrity, 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xdm inspect refuses a hostile archive with a French message and a JSON error code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xdm-cli-'));
  try {
    const file = join(dir, 'evil.zip');
    writeFileSync(file, buildRawZip([{ name: '../../etc/passwd', data: 'x' }]));
    const r = await runMssante(['--json', 'xdm', 'inspect', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Erreur : L’archive IHE_XDM\.ZIP contient un nom de fichier dangereux/);
    assert.equal(JSON.parse(r.stdout).error.code, 'XDM_ZIP_UNSAFE_PATH');
    const missing = await runMssante(['xdm', 'inspect', join(dir, 'absent.zip')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `Erreur : Fichier introuvable : ${join(dir, 'absent.zip')}.\n`, 'names the missing file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('xdm render writes the CDA of an archive (or a bare CDA) as HTML on stdout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xdm-cli-'));
  try {
    const file = join(dir, 'IHE_XDM.ZIP');
    writeFileSync(file, buildXdmZip({ documents: [{ cdaXml: cdaSample(CDA_BIO) }], patient: ANS_TEST_PATIENT, author: { lastName: 'Test', firstName: 'Anne' } }));
    const r = await runMssante(['xdm', 'render', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^<article class="cda-document"><header class="cda-header"><h1>Compte rendu d&#39;examens biologiques<\/h1>/);
    assert.match(r.stdout, /<td>1\.950 mUI\/l<\/td>/);
    const bare = await runMssante(['--json', 'xdm', 'render', join(REFERENCE_FIXTURES, 'cda', 'ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml')]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.deepEqual(JSON.parse(bare.stdout).attachments, [{ id: 'document', filename: "Compte rendu d'examens biologiques.pdf", mediaType: 'application/pdf', size: 326650, mediaTypeMismatch: false }]);
    const files = unzipSync(readFileSync(file));
    files['IHE_XDM/SUBSET01/DOC0001.XML'] = new TextEncoder().encode(new TextDecoder().decode(files['IHE_XDM/SUBSET01/DOC0001.XML']).replace('1.950', '9.950'));
    writeFileSync(join(dir, 'altered.zip'), zipSync(files));
    const altered = await runMssante(['xdm', 'render', join(dir, 'altered.zip')]);
    assert.equal(altered.code, 1);
    assert.equal(altered.stdout, '', 'nothing of the altered document is shown');
    assert.match(altered.stderr, /ne correspond pas aux métadonnées de l’archive/);
    const none = await runMssante(['--json', 'xdm', 'render', file, '--document', '2']);
    assert.equal(none.code, 1);
    assert.equal(JSON.parse(none.stdout).error.code, 'INVALID_ARGUMENT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
