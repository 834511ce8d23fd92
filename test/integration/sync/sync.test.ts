import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { SyncEngine, type SyncProgress } from '../../../src-main/sync/engine.js';
import { admin, appendMessages, connector, newFolder, serverDigest, serverFlags, sorted, storeDigest, tempStore, USER } from './helpers.js';
import type { ImapFlow } from 'imapflow';
import { waitUntil, within } from '../../support/wait.js';

const created: string[] = [];
after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

async function folderWith(n: number, c: ImapFlow, prefix?: string): Promise<{ folder: string; raws: Buffer[] }> {
  const folder = await newFolder(c, prefix);
  created.push(folder);
  const raws = await appendMessages(c, folder, n, { flags: (i) => (i % 4 === 0 ? ['\\Seen'] : []) });
  return { folder, raws };
}

test('initial sync: newest first in chunks, byte-exact sources, readable after the first chunk; a resync with no change is a no-op', async () => {
  const c = await admin();
  const { folder } = await folderWith(23, c);
  const { store } = await tempStore();
  const engine = new SyncEngine({ store, connector: connector(), account: { address: USER }, chunkSize: 8, firstChunkSize: 3 });
  const events: SyncProgress[] = [];
  let firstChunkUids: number[] | null = null;
  engine.on('progress', (p) => {
    events.push(p);
    if (p.phase === 'initial' && p.done > 0 && !firstChunkUids) firstChunkUids = store.localUids(store.findFolder(folder)!.id);
  });
  const s1 = await engine.syncOnce({ folders: [folder] });
  assert.equal(s1.new, 23);
  assert.deepEqual(s1.perFolder.map((f) => f.plan), ['initial']);
  assert.deepEqual(firstChunkUids, [21, 22, 23], 'the newest messages are stored first');
  assert.deepEqual(events.filter((e) => e.phase === 'initial').map((e) => e.done), [0, 3, 8, 16, 23]);
  assert.ok(events.every((e) => e.folder === folder && e.total === 23));
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)), 'same UIDs and SHA-256 as the server');
  const list = store.listMessages({ folderPath: folder, limit: 100 });
  assert.equal(list.filter((m) => m.flags.seen).length, 6);
  assert.equal(store.search('echographie', { limit: 100 }).length, 23);
  const s2 = await engine.syncOnce({ folders: [folder] });
  assert.deepEqual([s2.new, s2.updated, s2.vanished, s2.perFolder[0]!.plan], [0, 0, 0, 'noop']);
  const f = store.listFolders().find((x) => x.path === folder)!;
  assert.equal(f.syncState, 'ready');
  assert.ok(store.listFolders().some((x) => x.path === 'Sent' && x.specialUse === '\\Sent'), 'special-use folders recorded');
  store.close();
  await c.logout();
});

for (const mode of ['qresync', 'condstore', 'none'] as const) {
  test(`incremental sync (${mode}): new mail, server-side flag changes and expunges converge`, async () => {
    const c = await admin();
    const { folder } = await folderWith(12, c);
    const { store } = await tempStore();
    const base = connector({ qresync: mode === 'qresync' });
    // 'none': a server without CONDSTORE, as far as the engine can tell
    const conn = {
      async connect() {
        const client = await base.connect();
        if (mode === 'none') {
          client.capabilities.delete('CONDSTORE');
          client.capabilities.delete('QRESYNC');
          client.enabled.clear();
        }
        return client;
      },
    };
    const engine = new SyncEngine({ store, connector: conn, account: { address: USER }, chunkSize: 5 });
    await engine.syncOnce({ folders: [folder] });
    await c.mailboxOpen(folder);
    await c.messageFlagsAdd('2:4', ['\\Flagged'], { uid: true });
    await c.messageFlagsRemove('1', ['\\Seen'], { uid: true });
    await c.messageFlagsAdd('9', ['\\Seen', '\\Answered'], { uid: true });
    await c.messageDelete('5:6,11', { uid: true });
    await appendMessages(c, folder, 3, { subject: (i) => `Nouveau ${i}` });
    const s = await engine.syncOnce({ folders: [folder] });
    assert.equal(s.new, 3);
    assert.equal(s.vanished, 3);
    assert.equal(s.perFolder[0]!.plan, 'incremental');
    assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
    const server = await serverFlags(folder);
    for (const m of store.listMessages({ folderPath: folder, limit: 100 })) {
      const mine = [...(m.flags.seen ? ['\\Seen'] : []), ...(m.flags.flagged ? ['\\Flagged'] : []), ...(m.flags.answered ? ['\\Answered'] : []), ...(m.flags.deleted ? ['\\Deleted'] : [])].sort();
      assert.deepEqual(mine, server.get(m.uid!), `flags of UID ${m.uid}`);
    }
    const again = await engine.syncOnce({ folders: [folder] });
    assert.deepEqual([again.new, again.vanished], [0, 0]);
    if (mode !== 'none') assert.equal(again.perFolder[0]!.plan, 'noop');
    store.close();
    await c.logout();
  });
}

test('offline changes (flags, move, delete) are queued, shown at once, and replayed on the next sync', async () => {
  const c = await admin();
  const { folder } = await folderWith(6, c);
  const archive = await newFolder(c, 'synctest-archive');
  created.push(archive);
  const { store } = await tempStore();
  const engine = new SyncEngine({ store, connector: connector(), account: { address: USER } });
  await engine.syncOnce({ folders: [folder] });
  const byUid = new Map(store.listMessages({ folderPath: folder, limit: 100 }).map((m) => [m.uid!, m]));
  // offline: no server involved here
  store.changeFlags(byUid.get(2)!.id, { flagged: true, seen: true });
  store.changeFlags(byUid.get(1)!.id, { seen: false });
  store.queueMove(byUid.get(3)!.id, archive);
  store.queueDelete(byUid.get(4)!.id);
  assert.equal(store.listMessages({ folderPath: folder, limit: 100 }).length, 4, 'moved and deleted messages disappear locally at once');
  const movedSha = byUid.get(3)!.sha256;
  const s = await engine.syncOnce({ folders: [folder, archive] });
  assert.equal(s.replayed, 4);
  assert.equal(store.pendingOps().length, 0);
  const flags = await serverFlags(folder);
  assert.deepEqual([...flags.keys()].sort((a, b) => a - b), [1, 2, 5, 6]);
  assert.deepEqual(flags.get(2), ['\\Flagged', '\\Seen']);
  assert.deepEqual(flags.get(1), []);
  assert.deepEqual([...(await serverDigest(archive)).values()], [movedSha], 'moved message is in the target folder');
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
  assert.deepEqual([...storeDigest(store, archive).values()], [movedSha], 'and synced there');
  store.close();
  await c.logout();
});

test('UIDVALIDITY change: no duplicates, local data of known messages kept, gone messages dropped', async () => {
  const c = await admin();
  const { folder, raws } = await folderWith(5, c);
  const { store } = await tempStore({ trust: () => ({ level: 'trusted_domain_unknown_address' }) });
  const engine = new SyncEngine({ store, connector: connector(), account: { address: USER } });
  await engine.syncOnce({ folders: [folder] });
  const before = new Map(store.listMessages({ folderPath: folder, limit: 100 }).map((m) => [m.sha256, m.id]));
  const oldValidity = store.findFolder(folder)!.uidvalidity;
  // recreate the folder: same name, new UIDVALIDITY, 3 of the old messages + 1 new
  await c.mailboxDelete(folder);
  await c.mailboxCreate(folder);
  for (const raw of raws.slice(0, 3)) await c.append(folder, raw);
  await appendMessages(c, folder, 1, { subject: () => 'Après migration' });
  const s = await engine.syncOnce({ folders: [folder] });
  assert.notEqual(store.findFolder(folder)!.uidvalidity, oldValidity);
  assert.deepEqual([s.new, s.vanished], [1, 2]);
  const after = store.listMessages({ folderPath: folder, limit: 100 });
  assert.equal(after.length, 4, 'no duplicates');
  for (const m of after) if (before.has(m.sha256)) assert.equal(m.id, before.get(m.sha256), 'known message keeps its local row');
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
  store.close();
  await c.logout();
});

test('run(): IDLE picks up new mail; a dropped connection is re-established with backoff and catches up', async () => {
  const c = await admin();
  const { folder } = await folderWith(2, c);
  const { store } = await tempStore();
  const conn = connector();
  const engine = new SyncEngine({ store, connector: conn, account: { address: USER }, idleFolder: folder, folders: [folder], periodicMs: 60_000, backoff: { baseMs: 50, maxMs: 200 } });
  const errors: string[] = [];
  const reconnects: number[] = [];
  engine.on('error', (e) => errors.push(e.code));
  engine.on('reconnecting', (r) => reconnects.push(r.delayMs));
  const ac = new AbortController();
  const watching = new Promise((resolve) => engine.once('watching', resolve)); // not events.once: an 'error' (retried) must not reject it
  const running = engine.run(ac.signal);
  // the store has no change event: its count is re-read until it matches
  const waitFor = (what: string, cond: () => boolean): Promise<boolean> =>
    waitUntil(what, cond, { timeoutMs: 15_000, detail: () => `errors: ${errors.join(',')}; reconnects: ${reconnects.join(',')}; connections: ${conn.opened.length}` });
  const count = (): number => {
    const f = store.findFolder(folder);
    return f ? store.countMessages(f.id) : 0;
  };
  try {
    await waitFor('initial sync', () => count() === 2);
    await within('the engine to IDLE', watching, 15_000); // mail appended now arrives during IDLE
    await appendMessages(c, folder, 1, { subject: () => 'Arrivé pendant IDLE' });
    await waitFor('IDLE delivery', () => count() === 3);
    // drop the engine's connection; mail arrives while it is down
    conn.opened[0]!.close();
    await appendMessages(c, folder, 2, { subject: () => 'Arrivé pendant la coupure' });
    await waitFor('reconnect and catch-up', () => count() === 5);
    assert.ok(conn.opened.length >= 2, 'a new connection was opened');
    assert.ok(reconnects.length >= 1 && reconnects.every((d) => d >= 25 && d <= 200), `backoff delays ${reconnects.join(',')}`);
  } finally {
    ac.abort();
    await running;
    for (const client of conn.opened) client.close();
  }
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
  store.close();
  await c.logout();
});

test('the same sync through the store threads (parser + SQL workers) gives the same result', async () => {
  const { StoreWorkerClient } = await import('../../../src-main/store/worker/client.js');
  const { staticKeyProvider } = await import('../../../src-main/store/key-provider.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { randomBytes } = await import('node:crypto');
  const c = await admin();
  const { folder } = await folderWith(30, c);
  const worker = await StoreWorkerClient.start({ file: join(mkdtempSync(join(tmpdir(), 'mssante-sync-')), 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
  try {
    const engine = new SyncEngine({ store: worker.api, connector: connector(), account: { address: USER }, chunkSize: 7, firstChunkSize: 2 });
    const s = await engine.syncOnce({ folders: [folder] });
    assert.equal(s.new, 30);
    const f = (await worker.api.findFolder(folder))!;
    assert.deepEqual(sorted(await worker.api.folderDigest(f.id)), sorted(await serverDigest(folder)));
    assert.equal((await worker.api.search('echographie', { limit: 100 })).length, 30);
    assert.equal((await engine.syncOnce({ folders: [folder] })).perFolder[0]!.plan, 'noop');
  } finally {
    await worker.close();
    await c.logout();
  }
});
