// The composition root (src-main/app/core.ts): the CLI context and the e2e
// harness boot the same createCore as the shell (the shell: main-boot.test.ts),
// and the store thread runs the trust decision and journal hooks in each.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInOrder } from '../../../src-main/app/lifecycle.js';
import { makeContext } from '../../../src-main/cli/context.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { startHarnessCore } from '../../e2e/harness/core.js';
import { remoteJournal, remoteOutbox } from '../../../src-main/app/store-services.js';
import { readHeadAnchor } from '../../../src-main/audit/anchor.js';
import { composeMessage } from '../../../src-main/send/index.js';
import type { AppError } from '../../../src-main/errors/index.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { fileKeyProvider } from '../../../src-main/store/key-provider.js';

test('CLI context: createCore with the CLI env; journal and trust hooks active in the store thread', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-core-cli-'));
  // the CLI's store is bound to the card; without one, the test seam gives the key (MSSANTE_TEST=1 only)
  const saved = { test: process.env.MSSANTE_TEST, key: process.env.MSSANTE_STORE_KEY };
  process.env.MSSANTE_TEST = '1';
  process.env.MSSANTE_STORE_KEY = randomBytes(32).toString('hex');
  t.after(() => {
    for (const [name, value] of [['MSSANTE_TEST', saved.test], ['MSSANTE_STORE_KEY', saved.key]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  try {
    const root = await makeContext({ home, pinStdin: false, json: true }).core();
    assert.deepEqual(root.active(), { storeHooks: [], journal: false, storeServices: [], trust: false }, 'nothing runs before start');
    const lifecycle = await startInOrder(root.startables);
    try {
      const active = root.active();
      assert.ok(active.storeHooks.includes('trust') && active.storeHooks.includes('journal') && active.storeHooks.includes('receipts'), String(active.storeHooks));
      assert.equal(active.journal, true, 'the facade records to the journal');
      assert.deepEqual([...active.storeServices].sort(), ['journal', 'outbox'], 'outbox and journal write through the store thread');
      // the hooks do run: a stored message gets a trust decision and a journal entry
      const api = root.store().api;
      const account = await api.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
      const [inbox] = await api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
      await api.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw: buildEml({ from: 'x@gmail.com' }) }] });
      const [m] = await api.listMessages();
      assert.equal((m!.trust as { level: string } | null)?.level, 'outside_trust_space');
    } finally {
      await lifecycle.stop();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('e2e harness: the same createCore, journal and trust hooks active', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-core-harness-'));
  try {
    const harness = await startHarnessCore({ home, emit: () => undefined });
    try {
      const active = harness.root.active();
      assert.ok(active.storeHooks.includes('trust') && active.storeHooks.includes('journal'), String(active.storeHooks));
      assert.equal(active.journal, true);
      assert.deepEqual([...active.storeServices].sort(), ['journal', 'outbox']);
      assert.equal(harness.store, harness.root.store());
    } finally {
      await harness.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('one writer: the facade’s outbox and journal entries are written by the store thread, hash chain and head anchor kept', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-core-writer-'));
  try {
    const harness = await startHarnessCore({ home, emit: () => undefined });
    try {
      const root = harness.root;
      const journal = remoteJournal(root.store());
      const before = await journal.head();
      await root.journal.record([{ action: 'settings.changed', data: { changes: { theme: 'dark' } } }]);
      const after = await journal.head();
      assert.equal(after.seq, before.seq + 1, 'one entry appended');
      assert.notEqual(after.hash, before.hash);
      assert.deepEqual(readHeadAnchor(home) && { seq: readHeadAnchor(home)!.seq, hash: readHeadAnchor(home)!.hash }, after, 'the head anchor follows');
      // the outbox: a Buffer crosses the thread both ways intact; a duplicate Message-ID keeps its typed error
      const outbox = remoteOutbox(root.store());
      const m = await composeMessage({ from: { address: 'paul.durand@medecin.mssante.fr' }, to: [{ address: 'dr.b@medecin.mssante.fr' }], subject: 'Bilan', text: 'Bonjour' });
      const e = await outbox.add('paul.durand@medecin.mssante.fr', m);
      assert.equal(e.state, 'queued');
      const raw = await outbox.raw(e.id);
      assert.ok(Buffer.isBuffer(raw) && raw.equals(m.raw), 'exact bytes back');
      await assert.rejects(Promise.resolve(outbox.add('paul.durand@medecin.mssante.fr', m)), (err: AppError) => err.code === 'OUTBOX_INVALID_STATE');
      assert.equal((await outbox.markSending(e.id)).state, 'sending');
      const { entry, deliveryChanges } = await outbox.recordSent(e.id, '250 2.0.0 Ok', []);
      assert.equal(entry.state, 'sent');
      assert.ok(deliveryChanges.length > 0, 'delivery tracking started in the same transaction');
    } finally {
      await harness.close();
    }
    // the chain the store thread wrote verifies, and reaches the head anchor
    const key = await fileKeyProvider(join(home, 'store.key')).getKey();
    const db = openDatabase(join(home, 'store.db'), key, { check: 'none' });
    try {
      const v = new Journal(db).verify(readHeadAnchor(home));
      assert.equal(v.ok, true, JSON.stringify(v.broken));
      assert.equal(v.anchor, 'ok');
    } finally {
      db.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
