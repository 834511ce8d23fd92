import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreWorkerClient } from '../../../src-main/store/worker/client.js';
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
