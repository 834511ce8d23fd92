// Read receipts (MDN) received by sync are recorded with their message, in the
// same transaction, and shown on the sent message of the Sent folder whose
// Message-ID they name — whether the receipt or the Sent copy was synced
// first — by the store and by the facade's mail.read (through the contract).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import type { MailStorePort } from '../../../src-main/app/mail-app.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, MessageView } from '../../../src-main/ipc/contract.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { receiptOf } from '../../../src-main/xdm/receipt-hook.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { buildMdn } from '../../../src-main/xdm/mdn.js';
import { buildEml } from '../../support/mail-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-receipts-'));
const ME = 'jeanne.martin@medecin.mssante.fr';
const READER = 'paul.durand@medecin.mssante.fr';
let store: MailStore;
const folder = { inbox: 0, sent: 0, other: 0 };
let uid = 0;

before(async () => {
  store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider('33'.repeat(32)), hooks: { receipt: receiptOf } }); // the product's receipts hook (app/store-hooks.ts)
  const account = store.ensureAccount({ address: ME });
  const folders = store.upsertFolders(account.id, [
    { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true },
    { path: 'Sent', name: 'Sent', delimiter: '/', specialUse: '\\Sent', selectable: true },
    { path: 'Archives', name: 'Archives', delimiter: '/', specialUse: '\\Archive', selectable: true },
  ]);
  folder.inbox = folders.find((f) => f.path === 'INBOX')!.id;
  folder.sent = folders.find((f) => f.path === 'Sent')!.id;
  folder.other = folders.find((f) => f.path === 'Archives')!.id;
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What doctor A sent (asking for a receipt), and the receipt doctor B's client builds for it. */
function exchange(messageId: string, disposition: Parameters<typeof buildMdn>[1]['disposition'] = { type: 'displayed' }) {
  const sent = Buffer.from(
    buildEml({ from: ME, to: READER, subject: 'Résultats de Mme X', messageId })
      .toString('latin1')
      .replace('MIME-Version', `Disposition-Notification-To: ${ME}\r\nMIME-Version`),
    'latin1',
  );
  const mdn = buildMdn(sent, { disposition, reporter: { address: READER }, date: new Date('2026-11-26T10:30:00Z') });
  return { sent, receipt: Buffer.from(mdn.raw), receiptId: mdn.messageId };
}

const store1 = (folderId: number, raw: Buffer) => store.applyBatch({ folderId, newMessages: [{ uid: ++uid, flags: [], raw }] });
const rowOf = (folderId: number, messageId: string) => store.listMessages({ folderId, limit: 500 }).find((m) => store.getMessage(m.id).messageId === messageId)!.id;

test('a receipt synced before the Sent copy is shown on it once it arrives; only on the Sent copy', async () => {
  const id = '<early@medecin.mssante.fr>';
  const { sent, receipt, receiptId } = exchange(id);
  await store1(folder.inbox, receipt);
  assert.deepEqual(store.readReceipts(rowOf(folder.inbox, receiptId)), [], 'the receipt message itself shows none');
  await store1(folder.sent, sent);
  const got = store.readReceipts(rowOf(folder.sent, id));
  assert.deepEqual(got, [{ originalMessageId: id, disposition: { actionMode: 'manual-action', sendingMode: 'MDN-sent-manually', type: 'displayed' }, date: Date.parse('2026-11-26T10:30:00Z'), reporter: READER }]);
  // a copy of the same message elsewhere (archived, or received) is not "the sent message"
  await store1(folder.other, sent);
  assert.deepEqual(store.readReceipts(rowOf(folder.other, id)), []);
});

test('a receipt synced after the Sent copy is linked too; the same receipt seen twice counts once; deleting its e-mail keeps it', async () => {
  const id = '<late@medecin.mssante.fr>';
  const { sent, receipt } = exchange(id);
  await store1(folder.sent, sent);
  assert.deepEqual(store.readReceipts(rowOf(folder.sent, id)), []);
  await store1(folder.inbox, receipt);
  await store1(folder.other, receipt); // moved/copied by another client: same bytes
  assert.equal(store.readReceipts(rowOf(folder.sent, id)).length, 1);
  const receiptUid = uid - 1;
  await store.applyBatch({ folderId: folder.inbox, vanishedUids: [receiptUid] });
  assert.equal(store.readReceipts(rowOf(folder.sent, id)).length, 1, 'the reading happened: deleting the receipt e-mail does not undo it');
});

test('a malformed report is stored as an ordinary message: the batch never fails, no receipt is invented', async () => {
  const id = '<broken@medecin.mssante.fr>';
  const { sent, receipt } = exchange(id);
  const broken = Buffer.from(receipt.toString('latin1').replace(/Disposition: [^\r\n]+\r\n/, ''), 'latin1');
  await store1(folder.sent, sent);
  const r = await store1(folder.inbox, broken);
  assert.equal(r.inserted, 1);
  assert.deepEqual(store.readReceipts(rowOf(folder.sent, id)), []);
});

test('a receipt rolls back with its batch', async () => {
  const id = '<rollback@medecin.mssante.fr>';
  const { sent, receipt } = exchange(id);
  await store1(folder.sent, sent);
  await assert.rejects(store.applyBatch({ folderId: folder.inbox, newMessages: [{ uid: ++uid, flags: [], raw: receipt }], cursor: { uidnext: 'x' as never } }));
  assert.deepEqual(store.readReceipts(rowOf(folder.sent, id)), []);
});

test('mail.read carries the receipts with their French status (contract-validated); an integration error reads as such', async () => {
  const id = '<facade@medecin.mssante.fr>';
  const read = exchange(id);
  const failed = exchange(id, { type: 'processed', error: { code: '902', label: 'Identifiant de patient inconnu' } });
  await store1(folder.sent, read.sent);
  await store1(folder.inbox, read.receipt);
  await store1(folder.inbox, failed.receipt);
  const port = new Proxy(store, {
    get: (target, name) => {
      const value = (target as never)[name as never] as unknown;
      return typeof value === 'function' ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
    },
  }) as unknown as MailStorePort;
  const core = createCoreApp({ emit: () => {}, settingsFile: join(dir, 'settings.json'), mail: () => port });
  core.gate.unlock();
  const handlers = core.services as unknown as ChannelHandlers;
  const res = (await dispatch(handlers, 'mail.read', { id: String(rowOf(folder.sent, id)) })) as { ok: true; value: MessageView };
  assert.equal(res.ok, true, JSON.stringify(res));
  assert.deepEqual(res.value.receipts.map((r) => [r.disposition, r.date, r.reporter]), [
    ['displayed', '2026-11-26T10:30:00.000Z', READER],
    ['processed', '2026-11-26T10:30:00.000Z', READER],
  ]);
  assert.equal(res.value.receipts[0]!.status, 'lu le 26/11/2026 à 11:30');
  assert.equal(res.value.receipts[1]!.status, 'erreur d’intégration 902 : Identifiant de patient inconnu le 26/11/2026 à 11:30');
  const inboxRead = (await dispatch(handlers, 'mail.read', { id: String(rowOf(folder.inbox, read.receiptId)) })) as { ok: true; value: MessageView };
  assert.deepEqual(inboxRead.value.receipts, []);
  core.dispose();
});
