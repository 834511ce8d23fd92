import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../../src-main/errors/index.js';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { xdmAuthorFromCard, xdmMailParts } from '../../../src-main/xdm/send-xdm.js';
import { ANS_TEST_PATIENT, CDA_BIO, CDA_N1, cdaSample } from './fixtures.js';

const author = xdmAuthorFromCard(
  { nationalId: '810001234567', idType: 'RPPS', rpps: '10001234567', adeli: null, lastName: 'MARTIN', firstName: 'Hélène', profession: 'Médecin' },
  'helene.martin@medecin.mssante.test',
);

test('send --xdm parts: ANS subject, IHE_XDM.ZIP for the CDA patient, and the PDF beside it', () => {
  const parts = xdmMailParts({ cdaXml: cdaSample(CDA_N1), author, recipients: ['b@x.mssante.fr'], patientIns: '279035121518989' });
  assert.equal(parts.subject, "XDM/1.0/DDM+Compte rendu d'examens biologiques PAT-TROIS DOMINIQUE 28/03/1979");
  assert.deepEqual(parts.attachments.map((a) => [a.filename, a.contentType]), [
    ['IHE_XDM.ZIP', 'application/zip'],
    ["Compte rendu d'examens biologiques.pdf", 'application/pdf'],
  ]);
  assert.deepEqual(parts.patient, ANS_TEST_PATIENT);
  const pkg = readXdm(parts.attachments[0]!.content);
  assert.equal(pkg.patient.qualified, true);
  assert.equal(pkg.documents[0]!.integrity, 'ok');
  assert.equal(pkg.documents[0]!.entry.authors[0]!.person?.id, '810001234567');
  assert.equal(pkg.documents[0]!.entry.authors[0]!.telecom[0], '^^Internet^helene.martin@medecin.mssante.test');
});

test('send --xdm refuses a --patient-ins that is not the CDA patient, and a CDA without a qualified INS', () => {
  assert.throws(
    () => xdmMailParts({ cdaXml: cdaSample(CDA_BIO), author, recipients: [], patientIns: '185052A00412399' }),
    (e: unknown) => isAppError(e) && e.code === 'INVALID_ARGUMENT' && /differs from --patient-ins/.test(e.message),
  );
  const unqualified = new TextDecoder().decode(cdaSample(CDA_BIO)).replace('<birthTime value="19790328"/>', '');
  assert.throws(
    () => xdmMailParts({ cdaXml: new TextEncoder().encode(unqualified), author, recipients: [] }),
    (e: unknown) => isAppError(e) && e.code === 'INVALID_ARGUMENT' && /not qualified \(missing: birthDate\)/.test(e.message),
  );
});
