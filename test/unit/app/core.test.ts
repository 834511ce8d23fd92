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
    assert.deepEqual(root.active(), { storeHooks: [], journal: false, trust: false }, 'nothing runs before start');
    const lifecycle = await startInOrder(root.startables);
    try {
      const active = root.active();
      assert.ok(active.storeHooks.includes('trust') && active.storeHooks.includes('journal') && active.storeHooks.includes('receipts'), String(active.storeHooks));
      assert.equal(active.journal, true, 'the facade records to the journal');
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
      assert.equal(harness.store, harness.root.store());
    } finally {
      await harness.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
