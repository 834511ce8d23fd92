// Every action reachable through the store hooks and the application facade
// writes its journal entry, and no entry carries a subject, body text,
// attachment name or content, or patient identifier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src-main/audit/journal.js';
import { journalPort } from '../../../src-main/audit/port.js';
import { journalHooks } from '../../../src-main/audit/store-hooks.js';
import { exportMessageEvidence } from '../../../src-main/audit/evidence.js';
import { verifyJournal } from '../../../src-main/audit/verify.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import type { MailStorePort } from '../../../src-main/app/mail-app.js';
import { AppError, isAppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, MessageView } from '../../../src-main/ipc/contract.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { buildEml } from '../../support/mail-fixtures.js';

// The corpus: known subjects, bodies, an attachment whose name and content name a patient.
const SECRETS = ['Échographie cardiaque de Mme Lebrun', 'Résultats très confidentiels', 'Bilan sanguin Dupont', 'hémoglobine glyquée', 'DUPONT_Marcel_ordonnance', 'INS 1 84 12 75 123 456 78', 'Lebrun', 'Dupont', 'glyquée'];
const dir = mkdtempSync(join(tmpdir(), 'mssante-audit-rec-'));
let store: MailStore;
let journal: Journal;
let handlers: ChannelHandlers;
let core: ReturnType<typeof createCoreApp>;
const raws: Buffer[] = [];
let inbox = 0;

const holder = { nationalId: '899700523527', idType: 'RPPS', rpps: '99700523527', adeli: null, lastName: 'MARTIN', firstName: 'Jeanne', profession: 'Médecin' };
const certificate = { sha256: 'c'.repeat(64) };
const pinOk = { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null };

class FakeCard extends EventEmitter {
  current = { slot: '0', reader: 'Lecteur', present: true, label: 'CPS3', serial: '80250000012345', cardType: 'CPS', holder, certificate, pin: pinOk, mechanisms: [], pss: false };
  loginError: AppError | undefined;
  async tokens() { return [this.current]; }
  async selectToken() { return this.current; }
  async login() {
    if (this.loginError) throw this.loginError;
    const session = { id: 's1', ended: false, token: this.current, logout: async () => { session.ended = true; } };
    return session;
  }
}
const card = new FakeCard();

const actions = (): string[] => [...journal.entries()].map((e) => e.action);
const lastOf = (action: string) => [...journal.entries()].filter((e) => e.action === action).at(-1);

before(async () => {
  store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider('22'.repeat(32)), hooks: { trust: () => ({ level: 'verified_professional', reasons: [], identity: null, basis: { annuaire: 'a1', listeBlanche: 'l1' } }), ...journalHooks() } });
  journal = new Journal(store.db);
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const folders = store.upsertFolders(account.id, [
    { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true },
    { path: 'Archives', name: 'Archives', delimiter: '/', specialUse: '\\Archive', selectable: true },
  ]);
  inbox = folders.find((f) => f.path === 'INBOX')!.id;
  raws.push(
    buildEml({ subject: SECRETS[0], body: `${SECRETS[1]} ${SECRETS[5]}` }),
    buildEml({ subject: SECRETS[2], body: SECRETS[3], attachment: { filename: `${SECRETS[4]}.pdf`, mimeType: 'application/pdf', content: Buffer.from(`%PDF ${SECRETS[5]}`) } }),
    buildEml({ subject: 'Réunion de service', body: 'Ordre du jour' }),
  );
  await store.applyBatch({ folderId: inbox, newMessages: raws.map((raw, i) => ({ uid: i + 1, flags: [], raw })), cursor: { uidvalidity: '7', uidnext: 4 } });
  const port = new Proxy(store, {
    get: (target, name) => {
      const value = (target as never)[name as never] as unknown;
      return typeof value === 'function' ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
    },
  }) as unknown as MailStorePort;
  core = createCoreApp({ emit: () => {}, settingsFile: join(dir, 'settings.json'), mail: () => port, card: card as never, journal: journalPort(journal, dir) });
  handlers = core.services as unknown as ChannelHandlers;
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('sync batch: one message.received entry per new message (Message-ID + SHA-256 of the raw source), in the batch transaction', () => {
  const received = [...journal.entries()].filter((e) => e.action === 'message.received');
  assert.equal(received.length, 3);
  raws.forEach((raw, i) => {
    const data = JSON.parse(received[i]!.data) as { sha256: string; messageId: string; uid: number };
    assert.equal(data.sha256, createHash('sha256').update(raw).digest('hex'));
    assert.match(data.messageId, /^<.+@test\.mssante\.fr>$/);
    assert.equal(data.uid, i + 1);
    assert.equal(received[i]!.messageSha256, data.sha256);
  });
});

test('a batch that fails leaves no journal entry behind (rolled back with the data)', async () => {
  const before = journal.count();
  const bad = { folderId: inbox, newMessages: [{ uid: 50, flags: [], raw: buildEml({ subject: 'x' }) }], cursor: { uidvalidity: '7', uidnext: 'not a number' as never } };
  await assert.rejects(store.applyBatch(bad));
  assert.equal(journal.count(), before);
});

test('facade: card login, PIN failure and lock, logout on card removal are journalled with holder national id and certificate fingerprint', async () => {
  card.loginError = new AppError('CARD_PIN_INCORRECT', 'bad pin', { data: { finalTry: true } });
  assert.equal((await dispatch(handlers, 'session.unlock', { pin: '7777' })).ok, false);
  assert.deepEqual(JSON.parse(lastOf('card.pin_failed')!.data), { nationalId: holder.nationalId, certSha256: certificate.sha256, serial: '80250000012345', finalTry: true });
  card.loginError = new AppError('CARD_PIN_LOCKED', 'locked', { data: { locked: true } });
  assert.equal((await dispatch(handlers, 'session.unlock', { pin: '7777' })).ok, false);
  assert.ok(lastOf('card.locked'));
  card.loginError = undefined;
  assert.equal((await dispatch(handlers, 'session.unlock', { pin: '482913' })).ok, true);
  const login = lastOf('card.login')!;
  assert.deepEqual(JSON.parse(login.data), { nationalId: holder.nationalId, certSha256: certificate.sha256, serial: '80250000012345' });
  assert.equal(login.actor, holder.nationalId);
  assert.ok(![...journal.entries()].some((e) => e.data.includes('482913') || e.data.includes('7777')), 'never a PIN');
});

test('facade: message opened, attachment opened and saved, flagged, moved, deleted, settings changed (actor = card holder)', async () => {
  const list = (await dispatch(handlers, 'mail.list', { folderId: String(inbox), offset: 0, limit: 10, sort: { by: 'date', dir: 'desc' }, threads: false })) as { ok: true; value: { items: { id: string; subject: string }[] } };
  const [withPdf, first, third] = [SECRETS[2], SECRETS[0], 'Réunion de service'].map((s) => list.value.items.find((m) => m.subject === s)!);
  const read = (await dispatch(handlers, 'mail.read', { id: withPdf!.id })) as { ok: true; value: MessageView };
  const opened = lastOf('message.opened')!;
  assert.equal(opened.messageRow, Number(withPdf!.id));
  assert.equal(opened.actor, holder.nationalId);
  const ref = { messageId: withPdf!.id, partId: read.value.attachments[0]!.partId };
  await core.services.attachmentContent(ref, 'open');
  await core.services.attachmentContent(ref, 'save');
  assert.equal(JSON.parse(lastOf('attachment.opened')!.data).size, Buffer.from(`%PDF ${SECRETS[5]}`).length);
  assert.ok(lastOf('attachment.saved'));
  await dispatch(handlers, 'mail.setFlags', { ids: [first!.id], flagged: true });
  assert.deepEqual(JSON.parse(lastOf('message.flagged')!.data).change, { flagged: true });
  const archives = store.findFolder('Archives')!;
  await dispatch(handlers, 'mail.move', { ids: [first!.id], toFolderId: String(archives.id) });
  assert.deepEqual(JSON.parse(lastOf('message.moved')!.data).to, archives.id, 'folder id, not its name');
  store.queueDelete(Number(third!.id));
  assert.equal(lastOf('message.deleted')!.messageRow, Number(third!.id));
  await dispatch(handlers, 'settings.set', { remoteImages: 'never' });
  assert.deepEqual(JSON.parse(lastOf('settings.changed')!.data), { changes: { remoteImages: 'never' } });
  // the server applied the queued delete: the local row goes, the journal says so
  const op = store.pendingOps().find((o) => o.kind === 'delete')!;
  store.completeOp(op);
  assert.equal(JSON.parse(lastOf('message.removed')!.data).reason, 'deleted');
  assert.equal(verifyJournal(journal, dir).ok, true);
  assert.equal(JSON.parse(readFileSync(join(dir, 'journal-head.json'), 'utf8')).seq, lastOf('settings.changed')!.seq, 'the facade moved the head anchor');
});

test('evidence export: the .eml is byte-identical to the source received, the receipt has its SHA-256, dates, trust and journal entries', () => {
  const id = store.listMessages({ folderId: inbox }).find((m) => m.subject === SECRETS[2])!.id;
  const out = join(dir, 'preuve');
  const r = exportMessageEvidence(store, journal, dir, id, out);
  assert.deepEqual(readFileSync(r.emlFile), raws[1]);
  const receipt = readFileSync(r.receiptFile, 'utf8');
  assert.ok(receipt.includes(createHash('sha256').update(raws[1]!).digest('hex')));
  assert.match(receipt, /Synchronisé sur ce poste le : /);
  assert.match(receipt, /Reçu par le serveur le : /);
  assert.match(receipt, /message reçu/);
  assert.match(receipt, /pièce jointe enregistrée/);
  assert.match(receipt, /Intégrité du journal : chaîne intacte/);
  assert.ok(r.journalEntries >= 4);
  assert.equal(JSON.parse(lastOf('message.exported')!.data).receiptSha256, createHash('sha256').update(receipt).digest('hex'));
  assert.throws(() => exportMessageEvidence(store, journal, dir, id, out), (e) => isAppError(e) && e.code === 'EXPORT_TARGET_EXISTS');
});

test('every action above wrote its entry, and no journal field contains a subject, body text, attachment name or content, or patient identifier', () => {
  for (const a of ['message.received', 'card.login', 'card.pin_failed', 'card.locked', 'message.opened', 'attachment.opened', 'attachment.saved', 'message.flagged', 'message.moved', 'message.deleted', 'message.removed', 'settings.changed', 'message.exported']) {
    assert.ok(actions().includes(a), `${a} journalled`);
  }
  const dump = (store.db.prepare('SELECT * FROM journal').all() as Record<string, unknown>[]).map((r) => Object.values(r).join('\u0001')).join('\n');
  for (const secret of SECRETS) {
    assert.ok(!dump.toLowerCase().includes(secret.toLowerCase()), `journal leaks « ${secret} »`);
    assert.ok(!dump.includes(Buffer.from(secret).toString('base64')), `journal leaks « ${secret} » in base64`);
  }
});
