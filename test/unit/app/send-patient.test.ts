// « Écrire au patient » through the contract (compose.send, compose.patient): whatever the
// renderer sends, main evaluates the INS itself and applies the CLI's rules before the outbox —
// qualified INS only, no typed patient address, one patient, professionals too only when
// confirmed, "fin de traitement" towards a patient only, 25 MB towards a patient.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSendApp } from '../../../src-main/app/send-app.js';
import { patientCheck, patientIdentityResolver } from '../../../src-main/app/patient-app.js';
import type { MailStorePort } from '../../../src-main/app/mail-app.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, PatientCheck, PatientSource, Result } from '../../../src-main/ipc/contract.js';
import { Outbox } from '../../../src-main/send/index.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import type { TrustContext } from '../../../src-main/trust/index.js';
import { xdmMailParts } from '../../../src-main/xdm/send-xdm.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { cdaN1 } from '../mssante/fixtures.js';
import { xdmSample } from '../xdm/fixtures.js';

const DOMAIN = 'patient.mssante.test';
const ME = 'helene.martin@medecin.mssante.test';
const COLLEAGUE = 'francois.dubois@medecin.mssante.test';
const QUALIFIED: PatientSource = { source: 'typed', ins: '2 79 03 51 215 189 89', oid: '1.2.250.1.213.1.4.10', birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' };
const NO_BIRTH_DATE: PatientSource = { ...QUALIFIED, birthDate: '' };

const dir = mkdtempSync(join(tmpdir(), 'mssante-send-patient-'));
let store: MailStore;
let outbox: Outbox;
let handlers: ChannelHandlers;
const held = new Map<string, { filename: string; contentType: string; data: Buffer }>();
/** stored messages carrying an IHE_XDM.ZIP: of the ANS test patient (qualified), of the IHE sample (no INS), and a PDF */
const stored: Record<'qualified' | 'unqualified' | 'pdf', { messageId: string; partId: string }> = {} as never;

// every bench domain is in the liste blanche (the trust module is tested on its own)
const inTrustSpace = {
  isAddressInTrustSpace: (address: string) => ({ address, normalised: address.toLowerCase(), syntaxValid: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address), domainInListeBlanche: true, inTrustSpace: true }),
  versions: { listeBlanche: 'lb-test' },
} as unknown as TrustContext;

before(async () => {
  store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider('33'.repeat(32)) });
  outbox = new Outbox(store.db);
  const account = store.ensureAccount({ address: ME });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  const zip = Buffer.from(xdmMailParts({ cdaXml: cdaN1(), author: { lastName: 'DUBOIS', firstName: 'François' }, recipients: [ME] }).attachments[0]!.content);
  const attach = (filename: string, content: Buffer, mimeType = 'application/zip') => buildEml({ subject: filename, attachment: { filename, mimeType, content } });
  await store.applyBatch({
    folderId: inbox!.id,
    newMessages: [
      { uid: 1, flags: [], raw: attach('IHE_XDM.ZIP', zip) },
      { uid: 2, flags: [], raw: buildEml({ subject: 'sample', attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(xdmSample('xd-common_samplexdm.zip')) } }) },
      { uid: 3, flags: [], raw: attach('compte-rendu.pdf', Buffer.from('%PDF-1.4\n%%EOF\n'), 'application/pdf') },
    ],
  });
  for (const m of store.listMessages({ folderId: inbox!.id, limit: 10 })) {
    const part = store.getMessage(m.id).attachments[0]!;
    const key = m.subject === 'sample' ? 'unqualified' : m.subject === 'IHE_XDM.ZIP' ? 'qualified' : 'pdf';
    stored[key] = { messageId: String(m.id), partId: String(part.id) };
  }
  const port = { getMessage: async (id: number) => store.getMessage(id), getAttachmentContent: async (id: number) => store.getAttachmentContent(id) } as unknown as MailStorePort;
  const identity = patientIdentityResolver(() => port);
  const send = createSendApp({
    emit: () => {},
    outbox: () => outbox,
    store: () => ({ changeFlags: async () => undefined }) as never,
    trust: () => inTrustSpace,
    account: async () => ({ address: ME }) as never,
    channel: () => undefined, // no card session: what is accepted stays queued
    attachment: (id) => held.get(id),
    patientIdentity: identity,
    patientDomain: () => DOMAIN,
  });
  handlers = { ...send.channels, 'compose.patient': async (source: PatientSource) => patientCheck(await identity(source), DOMAIN) } as unknown as ChannelHandlers;
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const draft = (extra: Record<string, unknown> = {}) => ({ to: [], cc: [], bcc: [], subject: 'Vos résultats', text: 'Bonjour', attachments: [], readReceipt: false, ...extra });
const sendDraft = async (extra: Record<string, unknown>) => (await dispatch(handlers, 'compose.send', { draft: draft(extra) })) as Result<{ outboxId: string }>;
const checkPatient = async (source: PatientSource) => (await dispatch(handlers, 'compose.patient', source)) as Result<PatientCheck>;
const queued = () => outbox.list({ states: ['queued'] }).length;

test('compose.patient: a qualified INS gives the address; without its birth date, the French refusal and no address', async () => {
  const ok = await checkPatient(QUALIFIED);
  assert.ok(ok.ok);
  assert.equal(ok.value.address, `279035121518989@${DOMAIN}`);
  assert.equal(ok.value.insShown, '2 79 03 51 215 189 89');
  assert.equal(ok.value.name, 'DOMINIQUE PAT-TROIS');
  const refused = await checkPatient(NO_BIRTH_DATE);
  assert.ok(refused.ok);
  assert.equal(refused.value.qualified, false);
  assert.equal(refused.value.address, undefined);
  assert.match(refused.value.refusal ?? '', /^INS non qualifiée : manque date de naissance\. Écriture au patient impossible/);
});

test('compose.patient from a received IHE_XDM.ZIP: main reads its patient again; no INS, or no archive, gives no address', async () => {
  const ok = await checkPatient({ source: 'xdm', ...stored.qualified });
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.value.address, `279035121518989@${DOMAIN}`);
  const none = await checkPatient({ source: 'xdm', ...stored.unqualified });
  assert.ok(none.ok);
  assert.equal(none.value.address, undefined);
  assert.match(none.value.refusal ?? '', /^INS non qualifiée : manque matricule INS/);
  const pdf = await checkPatient({ source: 'xdm', ...stored.pdf });
  assert.equal(!pdf.ok && pdf.error.code, 'INVALID_ARGUMENT');
  const elsewhere = await checkPatient({ source: 'xdm', messageId: stored.unqualified.messageId, partId: stored.qualified.partId });
  assert.equal(!elsewhere.ok && elsewhere.error.code, 'NOT_FOUND', 'the part must belong to the message');
  // and sending to the patient of the sample archive is refused like a typed non-qualified identity
  const refused = await sendDraft({ patient: { source: 'xdm', ...stored.unqualified } });
  assert.equal(!refused.ok && refused.error.code, 'SEND_PATIENT_NOT_QUALIFIED');
  const sent = await sendDraft({ patient: { source: 'xdm', ...stored.qualified } });
  assert.ok(sent.ok, JSON.stringify(sent));
  assert.deepEqual(outbox.get(Number(sent.value.outboxId)).envelope.to, [`279035121518989@${DOMAIN}`]);
});

test('compose.send refuses a non-qualified identity, and a patient address typed by hand, before the outbox', async () => {
  const before = queued();
  const r1 = await sendDraft({ patient: NO_BIRTH_DATE });
  assert.equal(r1.ok, false);
  assert.equal(!r1.ok && r1.error.code, 'SEND_PATIENT_NOT_QUALIFIED');
  assert.match((!r1.ok && r1.error.message) || '', /INS n’est pas qualifiée/);
  const r2 = await sendDraft({ to: [{ address: `279035121518989@${DOMAIN}` }] });
  assert.equal(!r2.ok && r2.error.code, 'SEND_PATIENT_RULE');
  const r3 = await sendDraft({ to: [{ address: COLLEAGUE }], endOfTreatment: true });
  assert.equal(!r3.ok && r3.error.code, 'SEND_PATIENT_RULE', '"fin de traitement" only towards a patient');
  assert.equal(queued(), before, 'nothing reached the outbox');
});

test('a patient and a professional: refused until the user confirms the mixing', async () => {
  const before = queued();
  const refused = await sendDraft({ patient: QUALIFIED, to: [{ address: COLLEAGUE }] });
  assert.equal(!refused.ok && refused.error.code, 'SEND_PATIENT_MIXED');
  assert.equal(queued(), before);
  const saved = await dispatch(handlers, 'compose.saveDraft', { draft: draft({ patient: QUALIFIED, to: [{ address: COLLEAGUE }] }) });
  assert.ok(saved.ok, 'an unfinished draft is saved before the confirmation');
  const ok = await sendDraft({ patient: QUALIFIED, to: [{ address: COLLEAGUE }], mixedConfirmed: true });
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.deepEqual(outbox.get(Number(ok.value.outboxId)).envelope.to, [`279035121518989@${DOMAIN}`, COLLEAGUE]);
  assert.doesNotMatch(outbox.raw(Number(ok.value.outboxId)).toString('latin1'), /^X-MSS-MES:/im);
});

test('to the patient alone with "fin de traitement": X-MSS-MES: FIN, the address built by main', async () => {
  const ok = await sendDraft({ patient: QUALIFIED, endOfTreatment: true });
  assert.ok(ok.ok, JSON.stringify(ok));
  const entry = outbox.get(Number(ok.value.outboxId));
  assert.deepEqual(entry.envelope.to, [`279035121518989@${DOMAIN}`]);
  assert.match(outbox.raw(entry.id).toString('latin1'), /^X-MSS-MES: FIN\r?$/im);
});

test('25 MB at most towards a patient, even when the server accepts more', async () => {
  outbox.rememberServerMaxBytes(ME, 60 * 1024 * 1024);
  held.set('big', { filename: 'imagerie.bin', contentType: 'application/octet-stream', data: Buffer.alloc(20 * 1024 * 1024, 7) });
  const attachments = [{ attachmentId: 'big', filename: 'imagerie.bin', contentType: 'application/octet-stream', size: 20 * 1024 * 1024 }];
  const toPatient = await sendDraft({ patient: QUALIFIED, attachments });
  assert.equal(!toPatient.ok && toPatient.error.code, 'SEND_TOO_LARGE');
  const toColleague = await sendDraft({ to: [{ address: COLLEAGUE }], attachments });
  assert.ok(toColleague.ok, 'the same message to a professional fits the server\'s limit');
});
