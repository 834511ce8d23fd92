import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { AppError } from '../../../src-main/errors/index.js';
import { createSyncApp } from '../../../src-main/app/sync-app.js';

/** The sync engine's run loop as the app sees it: events, and run() until aborted. */
class FakeEngine extends EventEmitter {
  runs = 0;
  aborted = false;
  async run(signal: AbortSignal) {
    this.runs++;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    this.aborted = true;
  }
}

const CLEAN = { renamedFolders: [], removedFolders: [], failedFolders: [], droppedChanges: [], reconnects: [] };

function setup(opts: { account?: boolean; online?: boolean } = {}) {
  const events: [string, unknown][] = [];
  const engines: FakeEngine[] = [];
  let online = opts.online ?? true;
  const app = createSyncApp({
    emit: (event, payload) => events.push([event, payload]),
    store: () => ({}) as never,
    target: async () => (opts.account === false ? undefined : { address: 'paul.durand@medecin.mssante.fr', connector: { connect: async () => { throw new Error('unused'); } } }),
    createEngine: () => {
      const e = new FakeEngine();
      engines.push(e);
      return e as never;
    },
    folderIds: async (paths) => paths.map((p) => (p === 'INBOX' ? '1' : '2')),
    isOnline: () => online,
    now: () => new Date('2026-11-26T09:30:00Z'),
  });
  return { app, events, engines, goOffline: () => (online = false) };
}

test('sync runs after start, reports progress, then idle with the last sync time and the changed folders', async () => {
  const { app, events, engines } = setup();
  assert.equal(app.status().state, 'stopped');
  await app.start();
  assert.equal(engines.length, 1);
  assert.equal(app.status().state, 'syncing');
  engines[0]!.emit('progress', { folder: 'INBOX', phase: 'initial', done: 20, total: 100 });
  // the progress names folders as the sidebar does: "Boîte de réception", not "INBOX"
  assert.deepEqual(app.status().progress, { folderName: 'Boîte de réception', done: 20, total: 100 });
  engines[0]!.emit('progress', { folder: 'Sent Items', specialUse: '\\Sent', phase: 'initial', done: 0, total: 0 });
  assert.equal(app.status().progress?.folderName, 'Envoyés');
  engines[0]!.emit('progress', { folder: 'Réunions', specialUse: null, phase: 'initial', done: 1, total: 2 });
  assert.equal(app.status().progress?.folderName, 'Réunions');
  engines[0]!.emit('synced', { folders: 2, new: 3, updated: 0, vanished: 0, replayed: 0, durationMs: 10, perFolder: [{ folder: 'INBOX', plan: 'initial', new: 3, updated: 0, vanished: 0 }, { folder: 'Envoyés', plan: 'uid-diff', new: 0, updated: 0, vanished: 0 }], ...CLEAN });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(app.status(), { online: true, state: 'idle', lastSyncAt: '2026-11-26T09:30:00.000Z' });
  assert.deepEqual(events.filter(([e]) => e === 'sync.progress').map(([, p]) => p), [
    { folderName: 'Boîte de réception', done: 20, total: 100 },
    { folderName: 'Envoyés', done: 0, total: 0 },
    { folderName: 'Réunions', done: 1, total: 2 },
  ]);
  assert.deepEqual(events.filter(([e]) => e === 'mail.changed'), [['mail.changed', { folderIds: ['1'] }]]);
  await app.stop();
  assert.equal(engines[0]!.aborted, true);
  assert.equal(app.status().state, 'stopped');
});

test('a network failure shows offline with the French message; retry starts a fresh run', async () => {
  const { app, engines } = setup();
  await app.start();
  engines[0]!.emit('error', new AppError('NETWORK_UNREACHABLE', 'ECONNREFUSED'));
  assert.deepEqual(app.status(), { online: false, state: 'offline', lastSyncAt: null, error: { code: 'NETWORK_UNREACHABLE', message: 'Serveur injoignable : vérifiez la connexion réseau.' } });
  engines[0]!.emit('error', new AppError('IMAP_AUTH_FAILED', 'NO'));
  assert.equal(app.status().state, 'error');
  await app.syncNow();
  assert.equal(engines[0]!.aborted, true, 'the old run loop is stopped');
  assert.equal(engines.length, 2);
  assert.equal(app.status().error, undefined);
  await app.stop();
});

test('no configured account or no network: a clear state, no engine', async () => {
  const none = setup({ account: false });
  await none.app.start();
  assert.equal(none.engines.length, 0);
  assert.equal(none.app.status().state, 'error');
  assert.equal(none.app.status().error?.code, 'SERVICE_UNAVAILABLE');

  const offline = setup({ online: false });
  await assert.rejects(offline.app.syncNow(), (e: unknown) => e instanceof AppError && e.code === 'NETWORK_UNREACHABLE');
  assert.equal(offline.engines.length, 0);
  assert.equal(offline.app.status().state, 'offline');
});

test('overlapping starts (unlock and retry at once) leave exactly one run loop', async () => {
  const { app, engines } = setup();
  await Promise.all([app.start(), app.start(), app.syncNow()]);
  assert.equal(engines.length, 3);
  assert.deepEqual(engines.map((e) => e.aborted), [true, true, false]);
  await app.stop();
  assert.equal(engines[2]!.aborted, true);
});

test('a stall or a cut shows "Hors ligne" with its own French message; a server error shows "Erreur", never beside "En ligne"', async () => {
  const { app, engines } = setup();
  await app.start();
  engines[0]!.emit('error', new AppError('NETWORK_STALLED', 'socket timeout', { data: { seconds: 30 } }));
  assert.equal(app.status().state, 'offline');
  assert.equal(app.status().online, false);
  assert.equal(app.status().error?.message, 'Le serveur de messagerie ne répond plus (aucune donnée reçue pendant 30 s) : la synchronisation reprendra au prochain essai.');
  engines[0]!.emit('error', new AppError('NETWORK_CONNECTION_CUT', 'closed', { data: { messages: 7 } }));
  assert.equal(app.status().state, 'offline');
  assert.match(app.status().error!.message!, /coupée après 7 messages reçus/);
  engines[0]!.emit('error', new AppError('IMAP_SERVER_REFUSED', 'BYE'));
  assert.equal(app.status().state, 'error');
  // a retry is a real new run
  await app.syncNow();
  assert.equal(engines.length, 2);
  assert.equal(engines[0]!.aborted, true);
  await app.stop();
});

test('a pass where one folder failed ends in "error" naming the folder; deleted and renamed folders are told', async () => {
  const { app, engines } = setup();
  await app.start();
  engines[0]!.emit('synced', {
    folders: 2, new: 0, updated: 0, vanished: 0, replayed: 0, durationMs: 5,
    perFolder: [{ folder: 'INBOX', plan: 'noop', new: 0, updated: 0, vanished: 0 }],
    ...CLEAN,
    removedFolders: [{ folder: 'Ancien', messages: 2 }],
    failedFolders: [{ folder: 'Abîmé', code: 'IMAP_FAILED' }],
  });
  const s = app.status();
  assert.equal(s.state, 'error');
  assert.equal(s.error?.code, 'IMAP_FAILED');
  assert.match(s.error!.message!, /« Abîmé » n’a pas pu être synchronisé/);
  assert.ok(s.notices?.some((n) => n.includes('« Ancien » n’existe plus sur le serveur')));
  engines[0]!.emit('synced', { folders: 1, new: 0, updated: 0, vanished: 0, replayed: 0, durationMs: 5, perFolder: [], ...CLEAN });
  assert.equal(app.status().state, 'idle');
  assert.equal(app.status().error, undefined);
  assert.equal(app.status().notices, undefined);
  await app.stop();
});

test('a signature PIN cancelled or unanswered stops the run loop: no new prompt until « Réessayer »', async () => {
  for (const code of ['CARD_SIGNATURE_PIN_CANCELLED', 'CARD_SIGNATURE_PIN_TIMEOUT'] as const) {
    const { app, engines } = setup();
    await app.start();
    engines[0]!.emit('error', new AppError(code, 'no PIN for this signature'));
    await new Promise((r) => setImmediate(r));
    assert.equal(engines[0]!.aborted, true, 'the run loop was aborted by the app itself');
    assert.equal(app.status().state, 'error');
    assert.equal(app.status().error?.code, code);
    assert.match(app.status().error?.message ?? '', /Signature (annulée|abandonnée)/);
    await app.syncNow(); // « Réessayer »: a new run loop, the PIN is asked anew when it signs
    assert.equal(engines.length, 2);
    assert.equal(engines[1]!.aborted, false);
    await app.stop();
  }
});

test('any other run-loop error keeps the loop running (its own backoff)', async () => {
  const { app, engines } = setup();
  await app.start();
  engines[0]!.emit('error', new AppError('TLS_HANDSHAKE_FAILED', 'refused'));
  await new Promise((r) => setImmediate(r));
  assert.equal(engines[0]!.aborted, false);
  await app.stop();
});
