// The three real Direct-project XDM zips: root folder or none, forward or
// backslash names, METADATA.xml in mixed case, hash declared or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { summarizeXdm, xdmJsonForAttachment } from '../../../src-main/xdm/summary.js';
import { xdmSample } from './fixtures.js';

test('xd-common sample (samplexdm/IHE_XDM/SUBSET01/…): document found by id, SHA-1 verified', () => {
  const pkg = readXdm(xdmSample('xd-common_samplexdm.zip'));
  assert.equal(pkg.documents.length, 1);
  const d = pkg.documents[0]!;
  assert.equal(d.path, 'samplexdm/IHE_XDM/SUBSET01/Document01.xml');
  assert.equal(d.matchedBy, 'id');
  assert.equal(d.hashCheck, 'ok');
  assert.equal(d.sizeCheck, 'absent');
  assert.equal(d.integrity, 'ok');
  assert.equal(d.actualSha1, '2f016bdeba83855ec76bd1102d9da6a79590f1a9');
  assert.equal(d.entry.title, 'Physical');
  assert.equal(d.entry.classCode?.code, 'History and Physical');
  assert.equal(d.entry.typeCode?.code, '34133-9');
  assert.equal(d.entry.typeCode?.display, 'Outpatient Evaluation And Management');
  assert.equal(d.entry.creationTime, '20051224000000');
  assert.equal(d.entry.authors[0]?.person?.display, 'Provider Allscripts');
  assert.deepEqual(d.entry.patientId, { id: '111111111', oid: '2.16.840.1.113883.4.1' });
  assert.equal(pkg.submissionSet?.authors[0]?.person?.display, 'Sherry Dopplemeyer');
  assert.deepEqual(pkg.warnings, []);
});

for (const name of ['xd_xdm_backslash-paths.zip', 'xdmail_samplexdm_backslash-paths.zip'] as const) {
  test(`${name}: backslash names and no IHE_XDM/ root are read; the sole payload is matched`, () => {
    const pkg = readXdm(xdmSample(name));
    assert.ok(pkg.files.some((f) => f.path === 'SUBSET01/METADATA.xml'));
    const d = pkg.documents[0]!;
    assert.equal(d.path, 'SUBSET01/DOCUMENT.xml');
    assert.equal(d.matchedBy, 'sole-file');
    // Neither hash nor size is declared: the reader says so instead of claiming "ok".
    assert.equal(d.integrity, 'unverified');
    assert.equal(d.actualSha1, '2f016bdeba83855ec76bd1102d9da6a79590f1a9');
  });
}

test('US patient of the samples: traits read from sourcePatientInfo, INS "non qualifiée" (no INS OID)', () => {
  for (const name of ['xd-common_samplexdm.zip', 'xd_xdm_backslash-paths.zip', 'xdmail_samplexdm_backslash-paths.zip'] as const) {
    const p = summarizeXdm(readXdm(xdmSample(name))).patient;
    assert.deepEqual(p.traits, { birthName: 'Doe', firstGivenName: 'John', birthDate: '1956-05-27', sex: 'M' });
    assert.equal(p.qualified, false);
    assert.equal(p.status, 'non qualifiée');
    assert.deepEqual(p.missing, ['matricule', 'oid']);
    assert.ok(p.problems.includes('oid-not-ins'));
    assert.match(p.statusText, /^INS non qualifiée : manque matricule INS/);
  }
});

test('the messages-show helper gives documents + patient, and a French error object for a bad attachment', () => {
  const good = xdmJsonForAttachment(xdmSample('xd-common_samplexdm.zip'));
  assert.ok('documents' in good);
  assert.equal(good.documents[0]!.title, 'Physical');
  assert.equal(good.documents[0]!.creationTime, '2005-12-24T00:00:00Z');
  assert.equal(good.documents[0]!.checks.hash, 'ok');
  assert.equal(JSON.stringify(good).includes('"bytes"'), false);
  const bad = xdmJsonForAttachment(new TextEncoder().encode('not a zip'));
  assert.ok('error' in bad);
  assert.equal(bad.error.code, 'XDM_ZIP_INVALID');
  assert.match(bad.error.message, /IHE_XDM\.ZIP/);
});

test('a document whose bytes were altered after the metadata was written is reported as altered', async () => {
  const { zipSync, unzipSync } = await import('fflate');
  const files = unzipSync(xdmSample('xd-common_samplexdm.zip'));
  const doc = files['samplexdm/IHE_XDM/SUBSET01/Document01.xml']!;
  doc[doc.length - 2] = 0x20;
  const pkg = readXdm(zipSync(files));
  assert.equal(pkg.documents[0]!.hashCheck, 'mismatch');
  assert.equal(pkg.documents[0]!.integrity, 'mismatch');
});

test('a payload no metadata entry describes is reported, not silently dropped', async () => {
  const { zipSync, unzipSync } = await import('fflate');
  const files = unzipSync(xdmSample('xd-common_samplexdm.zip'));
  files['samplexdm/IHE_XDM/SUBSET01/EXTRA.PDF'] = new TextEncoder().encode('%PDF-1.4 extra');
  const pkg = readXdm(zipSync(files));
  assert.deepEqual(pkg.warnings, [{ code: 'unlisted-file', path: 'samplexdm/IHE_XDM/SUBSET01/EXTRA.PDF' }]);
});
