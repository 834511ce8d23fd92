// A built IHE_XDM.ZIP goes back through our own reader: layout, METADATA.XML
// (SHA-1, sizes, patient INS + traits, author), and the documents themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync } from 'fflate';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildXdmZip, type BuildXdmInput } from '../../../src-main/xdm/build-xdm.js';
import { parseCdaBytes } from '../../../src-main/xdm/cda.js';
import { renderCdaBytes } from '../../../src-main/xdm/cda-render.js';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { summarizeXdm } from '../../../src-main/xdm/summary.js';
import { ANS_TEST_PATIENT, CDA_BIO, CDA_N1, cdaSample } from './fixtures.js';

const author = {
  lastName: 'Médecin',
  firstName: 'Anne',
  idNat: '810001234567',
  role: { code: 'G15_10/SM54', scheme: '1.2.250.1.213.1.1.4.5', display: 'Médecin - Médecine générale (SM)' },
  organisation: { name: 'Cabinet du Dr Médecin', idNat: '1123456789' },
  address: 'anne.medecin@medecin.mssante.fr',
};

function input(): BuildXdmInput {
  const cda = cdaSample(CDA_BIO);
  const pdf = parseCdaBytes(cdaSample(CDA_N1)).attachments[0]!.bytes;
  return {
    documents: [{ cdaXml: cda }, { pdf, title: 'Compte rendu (PDF)' }],
    patient: ANS_TEST_PATIENT,
    author,
    recipients: ['dr.b@hopital.mssante.fr'],
    now: new Date('2026-11-26T10:00:00Z'),
  };
}

test('built XDM has the IHE layout and round-trips through the reader with verified hashes and sizes', () => {
  const zip = buildXdmZip(input());
  const names = Object.keys(unzipSync(zip)).sort();
  assert.deepEqual(names, ['IHE_XDM/SUBSET01/DOC0001.XML', 'IHE_XDM/SUBSET01/DOC0002.PDF', 'IHE_XDM/SUBSET01/METADATA.XML', 'INDEX.HTM', 'README.TXT']);

  const pkg = readXdm(zip);
  assert.deepEqual(pkg.warnings, []);
  assert.equal(pkg.documents.length, 2);
  for (const d of pkg.documents) {
    assert.equal(d.matchedBy, 'uri');
    assert.equal(d.sizeCheck, 'ok');
    assert.equal(d.hashCheck, 'ok');
    assert.equal(d.integrity, 'ok');
  }
  const [cda, pdf] = pkg.documents;
  assert.deepEqual(cda!.bytes, new Uint8Array(cdaSample(CDA_BIO)));
  assert.equal(cda!.entry.title, "Compte rendu d'examens biologiques");
  assert.equal(cda!.entry.mimeType, 'text/xml');
  assert.deepEqual(cda!.entry.typeCode, { code: '11502-2', scheme: '2.16.840.1.113883.6.1', display: "CR d'examens biologiques" });
  assert.equal(cda!.entry.creationTime, '20210401161000'); // 17:10 +01:00 in UTC
  assert.equal(cda!.entry.uniqueId, '1.2.250.1.213.1.1.1.55.2024.9.1');
  assert.equal(pdf!.entry.mimeType, 'application/pdf');
  assert.equal(pdf!.entry.title, 'Compte rendu (PDF)');
  assert.equal(pdf!.entry.formatCode?.code, 'urn:ihe:iti:xds-sd:pdf:2008');
  assert.match(pdf!.entry.uniqueId!, /^2\.25\.\d+$/);

  const a = cda!.entry.authors[0]!;
  assert.equal(a.person?.id, '810001234567');
  assert.equal(a.person?.idOid, '1.2.250.1.71.4.2.1');
  assert.equal(a.person?.family, 'MÉDECIN');
  assert.equal(a.person?.given, 'Anne');
  assert.deepEqual(a.institutions, [{ name: 'Cabinet du Dr Médecin', id: '1123456789' }]);
  assert.deepEqual(a.roles, ['G15_10/SM54']);
  assert.equal(pkg.submissionSet?.submissionTime, '20261126100000');
  assert.deepEqual(pkg.submissionSet?.intendedRecipients, ['||^^Internet^dr.b@hopital.mssante.fr']);
  assert.deepEqual(pkg.submissionSet?.patientId, { id: ANS_TEST_PATIENT.ins, oid: ANS_TEST_PATIENT.oid, typeCode: 'NH' });

  const s = summarizeXdm(pkg);
  assert.equal(s.patient.qualified, true);
  assert.equal(s.patient.ins, ANS_TEST_PATIENT.ins);
  assert.equal(s.patient.oid, ANS_TEST_PATIENT.oid);
  assert.deepEqual(s.patient.traits, ANS_TEST_PATIENT.traits);

  // The CDA read back from the archive renders like the original.
  assert.match(renderCdaBytes(cda!.bytes!).html, /<td>1\.950 mUI\/l<\/td>/);
});

test('README.TXT and INDEX.HTM name the sender, in French', () => {
  const files = unzipSync(buildXdmZip(input()));
  assert.match(new TextDecoder().decode(files['README.TXT']), /Expéditeur : Anne Médecin \(identifiant national 810001234567\)/);
  assert.match(new TextDecoder().decode(files['INDEX.HTM']), /<a href="IHE_XDM\/SUBSET01\/DOC0001.XML">Compte rendu d&apos;examens biologiques<\/a>/);
});

function refusedArg(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => isAppError(e) && e.code === 'INVALID_ARGUMENT' && detail.test(e.message));
}

test('an INS that is not qualified is never put in an XDM', () => {
  refusedArg(() => buildXdmZip({ ...input(), patient: { ...ANS_TEST_PATIENT, oid: '1.2.3.4' } }), /OID is not an INS authority/);
  refusedArg(() => buildXdmZip({ ...input(), patient: { ...ANS_TEST_PATIENT, ins: '279035121518988' } }), /invalid INS matricule/);
  const noSex = { ...ANS_TEST_PATIENT, traits: { ...ANS_TEST_PATIENT.traits, sex: undefined as unknown as 'F' } };
  refusedArg(() => buildXdmZip({ ...input(), patient: noSex }), /sex must be M or F/);
});

test('a CDA about another patient, a fake PDF, or no document at all are refused', () => {
  const other = { ins: '185052A00412399', oid: '1.2.250.1.213.1.4.8', traits: ANS_TEST_PATIENT.traits };
  other.ins = `185052A004123${String(97 - Number(1850519004123n % 97n)).padStart(2, '0')}`;
  refusedArg(() => buildXdmZip({ ...input(), patient: other }), /differs from the message patient/);
  refusedArg(() => buildXdmZip({ ...input(), documents: [{ pdf: new TextEncoder().encode('<html>') }] }), /not a PDF/);
  refusedArg(() => buildXdmZip({ ...input(), documents: [] }), /no document/);
});

test('metadata naming another patient than the CDA header is flagged (wrong-record risk)', async () => {
  const { zipSync } = await import('fflate');
  const { xdmSummaryTextFr } = await import('../../../src-main/xdm/summary.js');
  const files = unzipSync(buildXdmZip({ ...input(), documents: [{ cdaXml: cdaSample(CDA_BIO) }] }));
  const key = String(97 - Number(1850519004123n % 97n)).padStart(2, '0');
  const meta = new TextDecoder().decode(files['IHE_XDM/SUBSET01/METADATA.XML']).replaceAll(ANS_TEST_PATIENT.ins, `185052A004123${key}`);
  files['IHE_XDM/SUBSET01/METADATA.XML'] = new TextEncoder().encode(meta);
  const pkg = readXdm(zipSync(files));
  assert.equal(pkg.documents[0]!.integrity, 'ok', 'the document itself is intact');
  assert.deepEqual(pkg.warnings.map((w) => w.code), ['cda-patient-mismatch']);
  assert.match(xdmSummaryTextFr(summarizeXdm(pkg)), /Attention : le patient du document CDA n’est pas celui des métadonnées de l’archive \(risque d’erreur de dossier\)/);
});
