// Delivery tracking in the store: DSN (RFC 3464) success and failure linked to the right recipient
// by ENVID or by the returned Message-ID, whichever the report carries and whichever is synced
// first; the ANS "processed" and integration-error (KO) MDNs; the submission's own answer; the
// rule that an automatic MDN is never sent when Disposition-Notification-To ≠ Return-Path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { recordSubmission, failureExplanationFr } from '../../../src-main/store/delivery.js';
import { envelopeIdOf } from '../../../src-main/rules/messaging.js';
import { parseDsn } from '../../../src-main/xdm/dsn.js';
import { composeStoreHooks } from '../../../src-main/app/store-hooks.js';
import { mdnPolicy } from '../../../src-main/xdm/mdn.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { fixture } from './fixtures.js';

const ME = 'helene.martin@medecin.mssante.test';
const B = 'francois.dubois@medecin.mssante.test';
const C = 'claire.petit@medecin.mssante.test';
const dir = mkdtempSync(join(tmpdir(), 'mssante-delivery-'));
let store: MailStore;
const folder = { inbox: 0, sent: 0 };
let uid = 0;

before(async () => {
  // reports and receipts are recognised by the product's `receipts` store hook
  store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider('44'.repeat(32)), hooks: composeStoreHooks(['receipts'], { home: dir, trustDir: join(dir, 'trust') }) });
  const account = store.ensureAccount({ address: ME });
  const folders = store.upsertFolders(account.id, [
    { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true },
    { path: 'Sent', name: 'Sent', delimiter: '/', specialUse: '\\Sent', selectable: true },
  ]);
  folder.inbox = folders.find((f) => f.path === 'INBOX')!.id;
  folder.sent = folders.find((f) => f.path === 'Sent')!.id;
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = async (folderId: number, raw: Buffer) => store.applyBatch({ folderId, newMessages: [{ uid: ++uid, flags: [], raw }] });
const rowOf = (folderId: number, messageId: string) => store.listMessages({ folderId, limit: 500 }).find((m) => store.getMessage(m.id).messageId === messageId)!.id;

/** A report as Postfix writes it (per-message block, then one block per recipient, returned headers). */
function dsn(o: { envid?: string; messageId?: string; recipients: { rcpt: string; action: string; status: string; diag: string }[] }): Buffer {
  const blocks = o.recipients.map((r) => [`Final-Recipient: rfc822; ${r.rcpt}`, `Original-Recipient: rfc822;${r.rcpt}`, `Action: ${r.action}`, `Status: ${r.status}`, `Diagnostic-Code: smtp; ${r.diag}`].join('\r\n'));
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@localhost>',
      `To: ${ME}`,
      'Subject: Delivery Status Notification',
      'Date: Sun, 06 Dec 2026 04:44:35 +0000',
      `Message-Id: <${Math.random().toString(36).slice(2)}@localhost>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"',
      '',
      '--XX',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This is the mail system at host localhost.',
      '',
      '--XX',
      'Content-Type: message/delivery-status',
      '',
      ['Reporting-MTA: dns; localhost', ...(o.envid ? [`Original-Envelope-Id: ${o.envid}`] : [])].join('\r\n'),
      '',
      blocks.join('\r\n\r\n'),
      '',
      '--XX',
      'Content-Type: text/rfc822-headers',
      '',
      `From: ${ME}`,
      ...(o.messageId ? [`Message-ID: ${o.messageId}`] : []),
      'Subject: secret subject',
      '',
      '--XX--',
      '',
    ].join('\r\n'),
  );
}

const sentCopy = (messageId: string, to: string) => buildEml({ from: ME, to, subject: 'Compte rendu', messageId });

test('DSN parsing: per-recipient blocks, ENVID, returned Message-ID', () => {
  const d = parseDsn(dsn({ envid: 'abc@x', messageId: '<abc@x>', recipients: [{ rcpt: B, action: 'delivered', status: '2.0.0', diag: '250 ok' }, { rcpt: C, action: 'failed', status: '5.1.1', diag: '550 5.1.1 unknown' }] }))!;
  assert.equal(d.envelopeId, 'abc@x');
  assert.equal(d.originalMessageId, '<abc@x>');
  assert.deepEqual(d.recipients.map((r) => [r.recipient, r.action, r.status]), [[B, 'delivered', '2.0.0'], [C, 'failed', '5.1.1']]);
  assert.equal(parseDsn(buildEml({})), undefined);
});

test('success and failure linked to the right recipient, by ENVID only, report synced before the Sent copy', async () => {
  const id = '<m1@medecin.mssante.test>';
  recordSubmission(store.db, { messageId: id, sha256: 'a'.repeat(64), recipients: [B, C], rejected: [], response: '250 2.0.0 Ok', at: Date.UTC(2026, 11, 6, 4, 44) });
  await put(folder.inbox, dsn({ envid: envelopeIdOf(id), recipients: [{ rcpt: B, action: 'delivered', status: '2.0.0', diag: '250 2.0.0 Saved' }] }));
  await put(folder.inbox, dsn({ envid: envelopeIdOf(id), recipients: [{ rcpt: C, action: 'failed', status: '5.1.1', diag: '550 5.1.1 user unknown' }] }));
  await put(folder.sent, Buffer.from(sentCopy(id, `${B}, ${C}`)));
  const d = store.delivery(rowOf(folder.sent, id));
  assert.deepEqual(d.map((x) => [x.recipient, x.state]), [[B, 'delivered'], [C, 'failed']]);
  assert.match(d[1]!.detail ?? '', /5\.1\.1/);
  assert.equal(failureExplanationFr(C, d[1]!.detail), 'Message non distribué : adresse inconnue du serveur du destinataire : vérifiez-la dans l’annuaire santé (code 5.1.1).');
  assert.match(failureExplanationFr('180017505600103@patient.mssante.fr', '5.1.1 user unknown') ?? '', /^Message au patient non distribué : la messagerie du patient est inconnue ou fermée/);
  // the same report synced again (copied to another folder) is not a second event
  assert.equal(store.delivery(rowOf(folder.sent, id))[0]!.history.length, 2);
});

test('a report without ENVID is linked by the Message-ID of its returned headers; "relayed" stays "remis au serveur"', async () => {
  const id = '<m2@medecin.mssante.test>';
  await put(folder.sent, Buffer.from(sentCopy(id, B)));
  assert.deepEqual(store.delivery(rowOf(folder.sent, id)).map((x) => x.state), ['sent']);
  await put(folder.inbox, dsn({ messageId: id, recipients: [{ rcpt: B, action: 'relayed', status: '2.0.0', diag: '250 ok' }] }));
  assert.deepEqual(store.delivery(rowOf(folder.sent, id)).map((x) => x.state), ['submitted']);
  await put(folder.inbox, dsn({ messageId: id, recipients: [{ rcpt: B, action: 'delivered', status: '2.0.0', diag: '250 ok' }] }));
  assert.deepEqual(store.delivery(rowOf(folder.sent, id)).map((x) => x.state), ['delivered']);
});

test('ANS MDNs: "processed" → traité; processed/Error ([KO Intégration système !][902]) → échec with the code', async () => {
  // the ANS example names <20240219230100.23456@chb.mssante.fr> as the original message, sent to serviceY_auto
  const id = '<20240219230100.23456@chb.mssante.fr>';
  await put(folder.sent, Buffer.from(sentCopy(id, 'serviceY_auto@chb.mssante.fr')));
  const ok = fixture('ANS_exemple_MDN_erreur_902_corrige.eml')
    .toString('latin1')
    .replace('Message-ID: <20240220001900.12345@chb.mssante.fr>', 'Message-ID: <ok-902@chb.mssante.fr>')
    .replace(/processed\/Error: .*/, 'processed');
  await put(folder.inbox, Buffer.from(ok, 'latin1'));
  assert.deepEqual(store.delivery(rowOf(folder.sent, id)).map((x) => [x.recipient, x.state]), [['servicey_auto@chb.mssante.fr', 'processed']]);
  await put(folder.inbox, fixture('ANS_exemple_MDN_erreur_902_corrige.eml'));
  const d = store.delivery(rowOf(folder.sent, id));
  assert.equal(d[0]!.state, 'failed');
  assert.match(d[0]!.detail ?? '', /erreur d’intégration 902 : Identifiant de patient inconnu/);
});

test('submission: a refused recipient is "échec" at once; unconfirmed messages are listed', () => {
  const id = '<m3@medecin.mssante.test>';
  recordSubmission(store.db, { messageId: id, sha256: 'b'.repeat(64), recipients: [B, C], rejected: [C], response: '250 ok', at: 1000 });
  const pending = store.unconfirmedSent(2000).find((m) => m.messageId === id)!;
  assert.deepEqual(pending.recipients.map((r) => [r.recipient, r.state]), [[B, 'submitted'], [C, 'failed']]);
  assert.equal(store.unconfirmedSent(500).some((m) => m.messageId === id), false, 'submitted after the limit');
});

test('never an automatic MDN when Disposition-Notification-To differs from Return-Path (the user is asked)', () => {
  const eml = (returnPath: string) =>
    Buffer.from(`Return-Path: <${returnPath}>\r\nDisposition-Notification-To: ${B}\r\n${buildEml({ from: B, to: ME }).toString('latin1')}`, 'latin1');
  const same = mdnPolicy(eml(B));
  assert.deepEqual([same.offer, same.automaticAllowed], [true, true]);
  const other = mdnPolicy(eml('bounces@ailleurs.example'));
  assert.deepEqual([other.offer, other.automaticAllowed, other.reason], [true, false, 'return-path-mismatch']);
});

test('a document replacing an earlier one: same setId and higher version, or the RPLC relation', async () => {
  const { cdaVersionOf, replacedDocument, replacementLineFr } = await import('../../../src-main/xdm/replacement.js');
  const v1xml = fixture('ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml').toString('utf8');
  const v2xml = v1xml.replace('<versionNumber value="1"/>', '<versionNumber value="2"/>');
  const v1 = cdaVersionOf(Buffer.from(v1xml));
  const v2 = cdaVersionOf(Buffer.from(v2xml));
  assert.equal(v1.setId, v2.setId);
  assert.deepEqual([v1.version, v2.version], [1, 2]);
  assert.equal(replacedDocument(v2, [v1]), v1);
  assert.equal(replacedDocument(v1, [v2]), null, 'an older version replaces nothing');
  assert.match(replacementLineFr(v1), /^remplace le document du \d{2}\/\d{2}\/\d{4}$/);
  const other = cdaVersionOf(Buffer.from(v2xml.replace(/<setId root="[^"]+"\/>/, '<setId root="1.2.3.4"/>')));
  assert.equal(replacedDocument(other, [v1]), null, 'another setId');
  const related = { ...other, replaces: [v1.id!] };
  assert.equal(replacedDocument(related, [v1]), v1, 'the RPLC relation');
});
