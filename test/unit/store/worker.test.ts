import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ownedSources, StoreWorkerClient } from '../../../src-main/store/worker/client.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import type { SyncStorePort } from '../../../src-main/sync/store-port.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildEml } from '../../support/mail-fixtures.js';

test('the store worker runs the write path and search off the main thread, with typed errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-worker-'));
  const key = staticKeyProvider(randomBytes(32));
  try {
    const client = await StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: key });
    const port: SyncStorePort = client.api; // the sync engine can run on the worker
    const account = await port.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [folder] = await port.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
    const raw = buildEml({ subject: 'Échographie de contrôle' });
    const r = await port.applyBatch({ folderId: folder!.id, newMessages: [{ uid: 4, flags: ['\\Seen'], raw }], cursor: { uidnext: 5 } });
    assert.deepEqual(r, { inserted: 1, updated: 0, vanished: 0 });
    const hits = await client.api.search('echographie');
    assert.equal(hits.length, 1);
    const back = await client.api.getRaw(hits[0]!.id);
    assert.ok(Buffer.from(back.raw).equals(raw), 'raw bytes survive the thread boundary');
    await assert.rejects(client.api.getMessage(999), (e) => isAppError(e) && e.code === 'NOT_FOUND');
    await client.close();
    // same file, same key, opened in process: the data is there
    const store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: key });
    assert.equal(store.listMessages().length, 1);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sync sources are moved to the store threads, not copied, and stored byte-exact with their SHA-256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-worker-'));
  try {
    const client = await StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
    const account = await client.api.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [folder] = await client.api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
    const a = buildEml({ subject: 'Compte rendu A', body: 'é'.repeat(6000) });
    const b = buildEml({ subject: 'Compte rendu B' });
    // what an IMAP fetch gives: a Buffer owning its whole ArrayBuffer; and a view into a larger buffer
    const owned = Buffer.alloc(a.length);
    a.copy(owned);
    const backing = Buffer.alloc(b.length + 64);
    b.copy(backing, 32);
    const view = backing.subarray(32, 32 + b.length);
    const batch = { folderId: folder!.id, newMessages: [{ uid: 1, flags: [], raw: owned }, { uid: 2, flags: [], raw: view }] };
    assert.equal(ownedSources(batch).length, 1, 'only the buffer owned whole is moved');
    await client.api.applyBatch(batch);
    assert.equal(owned.byteLength, 0, 'the owned source was moved to the parser thread (the caller must not read it after)');
    assert.ok(view.equals(b), 'a view into a larger buffer is copied and stays intact');
    for (const [uid, expected] of [[1, a], [2, b]] as const) {
      const m = (await client.api.listMessages({ folderId: folder!.id })).find((x) => x.uid === uid)!;
      const back = await client.api.getRaw(m.id);
      assert.ok(Buffer.from(back.raw).equals(expected), `raw of UID ${uid} is byte-exact`);
      assert.equal(back.sha256, createHash('sha256').update(expected).digest('hex'), `SHA-256 of UID ${uid}`);
    }
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong key surfaces as STORE_BAD_KEY from the worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-worker-'));
  try {
    const c = await StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
    await c.close();
    await assert.rejects(StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) }), (e) => isAppError(e) && e.code === 'STORE_BAD_KEY');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store-thread hooks come from the named registry: trust decision and journal rows written with the batch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-worker-'));
  const key = staticKeyProvider(randomBytes(32));
  try {
    const client = await StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: key, hooks: ['trust', 'journal'], hookOptions: { home: dir, trustDir: join(dir, 'trust') } });
    assert.deepEqual(client.activeHooks, ['trust', 'journal']);
    const account = await client.api.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [folder] = await client.api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
    await client.api.applyBatch({ folderId: folder!.id, newMessages: [{ uid: 1, flags: [], raw: buildEml({ from: 'x@gmail.com' }) }] });
    const [m] = await client.api.listMessages();
    assert.equal((m!.trust as { level: string }).level, 'outside_trust_space', 'decided in the store thread');
    await client.close();
    const store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: key });
    assert.deepEqual(store.db.prepare("SELECT message_sha256 FROM journal WHERE action = 'message.received'").pluck().all(), [m!.sha256]);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store hook missing from the registry is a startup failure, not a store without journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-worker-'));
  try {
    await assert.rejects(
      StoreWorkerClient.start({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)), hooks: ['journal', 'no-such-hook' as never], hookOptions: { home: dir, trustDir: join(dir, 'trust') } }),
      (e) => isAppError(e) && e.code === 'INTERNAL' && /no-such-hook/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
