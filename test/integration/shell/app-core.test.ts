// The application without Electron, as the shell assembles it: the facade over
// the store worker, the card host (virtual CPS card of the bench), the sync
// engine over card-authenticated IMAP (SASL EXTERNAL) to the bench's Dovecot,
// driven only through the IPC contract — lock screen, PIN, sync, folders, list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { JsonFileAccountRepository } from '../../../src-main/accounts/account-repository.js';
import { CardService } from '../../../src-main/card/index.js';
import { StoreWorkerClient } from '../../../src-main/store/worker/client.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { SyncEngine } from '../../../src-main/sync/engine.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { createSyncApp } from '../../../src-main/app/sync-app.js';
import { cardAccountTarget, cardMailChannel } from '../../../src-main/app/sync-target.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, Folder, MessagePage, SyncStatus } from '../../../src-main/ipc/contract.js';
import { card, loadTestbed } from '../../support/testbed.js';
import { writeFileSync } from 'node:fs';
import { remoteOutbox } from '../../../src-main/app/store-services.js';
import { importListeBlanche, TrustContext } from '../../../src-main/trust/index.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { waitUntil } from '../../support/wait.js';

const tb = loadTestbed();
const doctor = card(tb, 'doctorB');
const home = mkdtempSync(join(tmpdir(), 'mssante-appcore-'));
const folder = `apptest-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const events: [string, unknown][] = [];
let admin: ImapFlow;
let store: StoreWorkerClient;
let cardService: CardService;
let core: ReturnType<typeof createCoreApp>;
let handlers: ChannelHandlers;
let trust: TrustContext;
const recipient = card(tb, 'doctorA');

function message(subject: string): Buffer {
  return Buffer.from(
    `From: Hélène MARTIN <helene.martin@medecin.mssante.test>\r\nTo: ${doctor.address}\r\nSubject: =?UTF-8?Q?${encodeURIComponent(subject).replace(/%/g, '=')}?=\r\n` +
      `Date: Thu, 26 Nov 2026 10:00:00 +0100\r\nMessage-ID: <${randomBytes(6).toString('hex')}@medecin.mssante.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour confrère.\r\n`,
  );
}

/** The core's events land in `events` (pushed by the emit hook below); re-checked until one matches. */
async function until(what: string, check: () => boolean, ms = 90_000) {
  await waitUntil(what, check, { timeoutMs: ms });
}

before(async () => {
  process.env.SOFTHSM2_CONF = tb.softhsm.conf; // the card host inherits it
  admin = plainImapClient(tb, { user: doctor.address });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.mailboxCreate(folder);
  await admin.append(folder, message('Compte rendu opératoire'), []);
  await admin.append(folder, message('Résultats de biologie'), ['\\Seen']);

  await JsonFileAccountRepository.inHome(home).save({
    address: doctor.address,
    imap: { host: 'localhost', port: tb.ports.imaps, security: 'tls' },
    smtp: { host: 'localhost', port: tb.ports.submissions, security: 'tls' },
    auth: { kind: 'card' },
    trustAnchorsFile: tb.pki.caBundle,
    createdAt: new Date().toISOString(),
  });
  const key = randomBytes(32);
  // the outbox is a service of the store thread, as in the product (one writer)
  store = await StoreWorkerClient.start({ file: join(home, 'mail.db'), keyProvider: staticKeyProvider(key), services: ['outbox'], hookOptions: { home, trustDir: join(home, 'trust') } });
  const lb = join(home, 'listeblanchemssante.xml');
  writeFileSync(lb, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.test</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
  await importListeBlanche(lb, { home: join(home, 'trust') });
  trust = TrustContext.open(join(home, 'trust'));
  cardService = new CardService({ modulePath: doctor.pkcs11Module });
  const emit = (event: string, payload: unknown) => events.push([event, payload]);
  const sync = createSyncApp({
    emit,
    store: () => store.api,
    target: cardAccountTarget({ home, currentSession: () => core.card?.currentSession(), log: () => undefined }),
    createEngine: (options) => new SyncEngine(options),
    folderIds: async (paths) => (await store.api.listFolders()).filter((f) => paths.includes(f.path)).map((f) => String(f.id)),
  });
  core = createCoreApp({
    emit: emit as never,
    settingsFile: join(home, 'settings.json'),
    card: cardService,
    cardOptions: { tokenRef: doctor.tokenSerial }, // the bench module holds every bench card
    sync,
    mail: () => store.api,
    trust: () => trust,
    send: {
      outbox: () => remoteOutbox(store),
      account: async () => (await JsonFileAccountRepository.inHome(home).list())[0],
      channel: cardMailChannel({ home, currentSession: () => core.card?.currentSession(), log: () => undefined }),
    },
  });
  handlers = core.services as unknown as ChannelHandlers;
});

after(async () => {
  core.gate.lock('user');
  await until('sync stopped', () => events.some(([e, p]) => e === 'sync.status' && (p as SyncStatus).state === 'stopped'), 20_000);
  await core.send?.idle();
  core.dispose();
  cardService.close();
  trust.close();
  await store.close();
  await admin.mailboxDelete(folder).catch(() => undefined);
  await admin.logout().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

test('locked at start: the lock screen shows the card holder, mail is refused', async () => {
  const status = await dispatch(handlers, 'card.status', {});
  assert.ok(status.ok);
  const value = status.value as { state: string; holder?: { name: string; profession?: string } };
  assert.equal(value.state, 'present');
  assert.equal(value.holder?.name, `${doctor.firstName} ${doctor.lastName}`);
  const folders = await dispatch(handlers, 'mail.folders', {});
  assert.equal(!folders.ok && folders.error.code, 'SESSION_LOCKED');
});

test('the PIN unlocks; sync runs over the card channel; the doctor reads the new folder', async () => {
  const login = await dispatch(handlers, 'session.unlock', { pin: doctor.userPin });
  assert.deepEqual(login.ok && login.value, { locked: false });
  await until('the first sync', () => events.some(([e, p]) => e === 'sync.status' && ['idle', 'error', 'offline'].includes((p as SyncStatus).state)));
  const status = (await dispatch(handlers, 'sync.status', {})) as { ok: true; value: SyncStatus };
  assert.equal(status.value.state, 'idle', JSON.stringify(status.value.error));
  assert.ok(status.value.lastSyncAt);

  const { folders } = ((await dispatch(handlers, 'mail.folders', {})) as { ok: true; value: { folders: Folder[] } }).value;
  const mine = folders.find((f) => f.name === folder);
  assert.ok(mine, 'the new folder is there');
  assert.deepEqual({ unread: mine.unread, total: mine.total }, { unread: 1, total: 2 });
  const page = (await dispatch(handlers, 'mail.list', { folderId: mine.id, offset: 0, limit: 50, sort: { by: 'date', dir: 'desc' }, threads: false })) as { ok: true; value: MessagePage };
  assert.deepEqual(page.value.items.map((m) => m.subject).sort(), ['Compte rendu opératoire', 'Résultats de biologie']);
  assert.ok(events.some(([e]) => e === 'sync.progress'));
});

test('sending: outside the trust space is refused; a colleague gets the message through the outbox and the card', async () => {
  const draft = { to: [{ address: 'quelqu.un@gmail.com' }], cc: [], bcc: [], subject: 'Test', text: 'x', attachments: [], readReceipt: false };
  const refused = await dispatch(handlers, 'compose.send', { draft });
  assert.equal(!refused.ok && refused.error.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');

  const pdf = await dispatch(handlers, 'compose.attachData', { filename: 'courrier.pdf', contentType: 'application/pdf', dataBase64: Buffer.from('%PDF-1.4 courrier').toString('base64') });
  assert.ok(pdf.ok);
  const subject = `Adressage patient ${randomBytes(3).toString('hex')}`;
  const sent = await dispatch(handlers, 'compose.send', {
    draft: { to: [{ address: recipient.address, name: 'Hélène MARTIN' }], cc: [], bcc: [], subject, text: 'Chère consœur, je vous adresse…', attachments: [pdf.value], readReceipt: false },
  });
  assert.ok(sent.ok, JSON.stringify(sent));
  const outboxId = (sent.value as { outboxId: string }).outboxId;
  const state = async () => ((await dispatch(handlers, 'outbox.list', {})) as { ok: true; value: { items: { id: string; state: string; error?: unknown }[] } }).value.items.find((i) => i.id === outboxId);
  // the outbox is asked again (as the window does on 'outbox.changed') until the send has an outcome
  const last = await waitUntil('the send outcome', async () => {
    const item = await state();
    return item && ['sent', 'failed', 'uncertain'].includes(item.state) ? item : undefined;
  }, { timeoutMs: 60_000, everyMs: 200 });
  assert.equal(last.state, 'sent', JSON.stringify(last));
  assert.ok(events.some(([e]) => e === 'outbox.changed'));
});

test('locking stops sync and refuses mail again', async () => {
  core.gate.lock('idle');
  await until('sync stopped', () => core.services && events.some(([e, p]) => e === 'sync.status' && (p as SyncStatus).state === 'stopped'), 20_000);
  const folders = await dispatch(handlers, 'mail.folders', {});
  assert.equal(!folders.ok && folders.error.code, 'SESSION_LOCKED');
});
