// X-MSS headers (Référentiel socle MSSanté #2, ECO.2.4.1/2) derived from the attachments, and the
// patient rules checked before the outbox: read back from the composed bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { isAppError } from '../../../src-main/errors/index.js';
import { prepareOutgoing, effectiveSizeLimit, recipientPolicyOf, type OutgoingDraft } from '../../../src-main/send/index.js';
import { patientAddress } from '../../../src-main/send/patients.js';
import { TrustContext } from '../../../src-main/trust/index.js';
import { ListeBlancheIndex } from '../../../src-main/trust/listeblanche/store.js';
import { buildXdmZip, evaluateIns } from '../../../src-main/xdm/index.js';
import { mssHeaders } from '../../../src-main/xdm/mss-headers.js';
import { ANS_TEST_PATIENT, cdaN1, cdaUnqualified, cdaWithCode } from './fixtures.js';

const A = 'dr.a@medecin.mssante.test';
const B = 'dr.b@medecin.mssante.test';
const PATIENT_DOMAIN = 'patient.mssante.test';
const version = { sourceName: 'lb.xml', sha256: 'cd'.repeat(32), generatedAt: null, importedAt: '2026-11-01T00:00:00Z', signature: 'absent' as const };
const policy = recipientPolicyOf(TrustContext.from(null, ListeBlancheIndex.fromDomains(['medecin.mssante.test', PATIENT_DOMAIN], version)));
const limit = effectiveSizeLimit({});
const base: OutgoingDraft = { to: [{ address: B }], cc: [], bcc: [], subject: 'Compte rendu', text: 'Bonjour', attachments: [] };
const author = { lastName: 'MARTIN', firstName: 'Hélène', idNat: '810001234567', address: A };

const xdm = (...cdas: Buffer[]) => ({
  filename: 'IHE_XDM.ZIP',
  contentType: 'application/zip',
  content: buildXdmZip({ documents: cdas.map((cdaXml) => ({ cdaXml })), patient: ANS_TEST_PATIENT, author, recipients: [B] }),
});

async function headersOf(draft: OutgoingDraft): Promise<Map<string, string>> {
  const p = await prepareOutgoing({ address: A }, draft, policy, limit);
  const parsed = await PostalMime.parse(p.message.raw);
  return new Map(parsed.headers.filter((h) => h.key.startsWith('x-mss-')).map((h) => [h.key, h.value]));
}

const qualifiedPatient = evaluateIns({ ids: [{ id: ANS_TEST_PATIENT.ins, oid: ANS_TEST_PATIENT.oid }], birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '19790328', sex: 'F' });

describe('X-MSS headers', () => {
  it('no IHE_XDM CDA: neither X-MSS-CODECDA nor X-MSS-INS (a plain PDF or zip does not count)', async () => {
    const h = await headersOf({ ...base, attachments: [{ filename: 'cr.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4') }, { filename: 'photos.zip', contentType: 'application/zip', content: Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1') }] });
    assert.equal(h.has('x-mss-codecda'), false);
    assert.equal(h.has('x-mss-ins'), false);
    assert.equal(h.has('x-mss-nil'), false, 'empty product reference → no X-MSS-NIL');
  });

  it('one CDA with a qualified INS: its LOINC code and O', async () => {
    const h = await headersOf({ ...base, attachments: [xdm(cdaN1())] });
    assert.equal(h.get('x-mss-codecda'), '11502-2');
    assert.equal(h.get('x-mss-ins'), 'O');
  });

  it('two CDAs: both codes, in archive order', async () => {
    const h = await headersOf({ ...base, attachments: [xdm(cdaN1(), cdaWithCode('11488-4'))] });
    assert.equal(h.get('x-mss-codecda'), '11502-2, 11488-4');
    assert.equal(h.get('x-mss-ins'), 'O');
  });

  it('a CDA whose patient INS is not qualified: N', async () => {
    const h = await headersOf({ ...base, attachments: [xdm(cdaUnqualified())] });
    assert.equal(h.get('x-mss-codecda'), '11502-2');
    assert.equal(h.get('x-mss-ins'), 'N');
  });

  it('X-MSS-NIL from the product reference; X-MSS-MES: FIN only towards a patient', async () => {
    assert.equal((await headersOf({ ...base, productNil: 'DEV935997' })).get('x-mss-nil'), 'DEV935997');
    await assert.rejects(headersOf({ ...base, endOfTreatment: true }), (e: unknown) => isAppError(e) && e.code === 'SEND_PATIENT_RULE');
    const h = await headersOf({ ...base, to: [], patient: qualifiedPatient, patientDomain: PATIENT_DOMAIN, endOfTreatment: true });
    assert.equal(h.get('x-mss-mes'), 'FIN');
  });

  it('pure function: values come from the documents only', () => {
    assert.deepEqual(mssHeaders([]), {});
    assert.deepEqual(mssHeaders([xdm(cdaN1())], { productNil: ' ' }), { 'X-MSS-CODECDA': '11502-2', 'X-MSS-INS': 'O' });
  });
});

describe('writing to a patient', () => {
  it('the address is built from a qualified INS only', () => {
    assert.deepEqual(patientAddress(qualifiedPatient, PATIENT_DOMAIN), { address: `279035121518989@${PATIENT_DOMAIN}`, name: 'DOMINIQUE PAT-TROIS' });
    const unqualified = evaluateIns({ ids: [{ id: ANS_TEST_PATIENT.ins, oid: ANS_TEST_PATIENT.oid }], birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', sex: 'F' });
    assert.throws(() => patientAddress(unqualified, PATIENT_DOMAIN), (e: unknown) => isAppError(e) && e.code === 'SEND_PATIENT_NOT_QUALIFIED');
  });

  it('refused before the outbox: a non-qualified identity, a typed patient address, a patient mixed with professionals unless confirmed', async () => {
    const unqualified = evaluateIns({ ids: [{ id: ANS_TEST_PATIENT.ins, oid: ANS_TEST_PATIENT.oid }], birthName: 'PAT-TROIS' });
    await assert.rejects(prepareOutgoing({ address: A }, { ...base, to: [], patient: unqualified, patientDomain: PATIENT_DOMAIN }, policy, limit), (e: unknown) => isAppError(e) && e.code === 'SEND_PATIENT_NOT_QUALIFIED');
    await assert.rejects(
      prepareOutgoing({ address: A }, { ...base, to: [{ address: `279035121518989@${PATIENT_DOMAIN}` }], patientDomain: PATIENT_DOMAIN }, policy, limit),
      (e: unknown) => isAppError(e) && e.code === 'SEND_PATIENT_RULE',
    );
    await assert.rejects(prepareOutgoing({ address: A }, { ...base, patient: qualifiedPatient, patientDomain: PATIENT_DOMAIN }, policy, limit), (e: unknown) => isAppError(e) && e.code === 'SEND_PATIENT_MIXED');
    const mixed = await prepareOutgoing({ address: A }, { ...base, patient: qualifiedPatient, patientDomain: PATIENT_DOMAIN, mixedConfirmed: true }, policy, limit);
    assert.deepEqual(mixed.message.recipients.to, [`279035121518989@${PATIENT_DOMAIN}`, B]);
  });

  it('25 MB at most towards a patient, whatever the server allows', async () => {
    const big = { filename: 'irm.pdf', contentType: 'application/pdf', content: Buffer.alloc(20 * 1024 * 1024, 1) };
    const serverLimit = effectiveSizeLimit({ serverBytes: 100 * 1024 * 1024 });
    await prepareOutgoing({ address: A }, { ...base, attachments: [big] }, policy, serverLimit);
    await assert.rejects(
      prepareOutgoing({ address: A }, { ...base, to: [], attachments: [big], patient: qualifiedPatient, patientDomain: PATIENT_DOMAIN }, policy, serverLimit),
      (e: unknown) => isAppError(e) && e.code === 'SEND_TOO_LARGE' && e.data.source === 'patient',
    );
  });
});

describe('messages from patients', () => {
  it('marked "Patient" (name from the header, INS from the address), never "professionnel vérifié"', async () => {
    const { decideSenderTrust } = await import('../../../src-main/trust/decision.js');
    const { badgeFromDecision } = await import('../../../src-main/trust/badge.js');
    const d = decideSenderTrust({
      message: { from: [{ address: `279035121518989@${PATIENT_DOMAIN}`, displayName: 'Dominique PAT-TROIS' }] },
      fromEntry: null,
      namesakes: [],
      trustedDomains: [PATIENT_DOMAIN],
      basis: { annuaire: null, listeBlanche: null },
    });
    assert.deepEqual(d.patient, { ins: '279035121518989', name: 'Dominique PAT-TROIS' });
    assert.notEqual(d.level, 'verified_professional');
    const badge = badgeFromDecision(d);
    assert.equal(badge.label, 'Patient : Dominique PAT-TROIS (INS 279035121518989)');
    assert.equal(badge.tone, 'info');
  });
});
