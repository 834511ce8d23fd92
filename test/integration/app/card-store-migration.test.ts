// An app store made before card binding — keyed by the secret the OS keychain
// sealed (shell/store-key.ts legacySealedKeyPort) — is migrated at the first
// card unlock of createCore (as the shell wires it), on a throwaway simulated
// CPS card: the same store opens with its messages, the old secret is removed,
// a recovery code is shown once; from then on only the card opens it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../../src-main/app/core.js';
import { startInOrder } from '../../../src-main/app/lifecycle.js';
import { PRODUCT_STORE_HOOKS } from '../../../src-main/app/store-hooks.js';
import { AppError } from '../../../src-main/errors/index.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { StoreWorkerClient } from '../../../src-main/store/worker/client.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { createSimBench } from '../card/sim-fixture.js';

const PIN = '9753';
const SUBJECT = 'Courrier de sortie — service de cardiologie';
const bench = createSimBench([{ label: 'Migrating doctor', pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600067+SN=MOREL+GN=Hélène' }]);
Object.assign(process.env, bench.env);
const home = mkdtempSync(join(tmpdir(), 'mssante-card-migration-'));
after(() => {
  bench.cleanup();
  rmSync(home, { recursive: true, force: true });
});

test('the keychain-keyed store of an older app is bound to the card at the first unlock; the old secret is removed', async () => {
  const storeFile = join(home, 'store', 'mail.db');
  const trustDir = join(home, 'trust');
  // the store as an older app left it: keyed by a secret of the OS keychain
  const oldKey = randomBytes(32);
  const old = await StoreWorkerClient.start({ file: storeFile, keyProvider: staticKeyProvider(oldKey), hooks: PRODUCT_STORE_HOOKS, hookOptions: { home, trustDir } });
  const account = await old.api.ensureAccount({ address: 'helene.morel@medecin.mssante.fr' });
  const [inbox] = await old.api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await old.api.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw: buildEml({ subject: SUBJECT }) }] });
  await old.close();

  let sealed: Buffer | null = Buffer.from(oldKey);
  const codes: string[] = [];
  const root = createCore({
    home,
    storeFile,
    settingsFile: join(home, 'settings.json'),
    trustDir,
    storeUnlock: {
      legacyKey: { read: async () => (sealed ? Buffer.from(sealed) : null), remove: () => void (sealed = null) },
      onRecoveryCode: (code) => void codes.push(code),
    },
    emit: () => undefined,
    card: { modulePath: bench.module, tokenRef: 'Migrating doctor' },
    isOnline: () => false,
  });
  const lifecycle = await startInOrder(root.startables);
  try {
    assert.throws(() => root.store(), (e: unknown) => e instanceof AppError && e.code === 'SERVICE_UNAVAILABLE', 'nothing opens before the PIN');
    const unlocked = await root.app.services['session.unlock']({ pin: PIN });
    assert.equal(unlocked.locked, false);
    const [m] = await root.store().api.listMessages();
    assert.equal(m?.subject, SUBJECT, 'the same store, with its messages');
    assert.equal(sealed, null, 'the old keychain secret is removed');
    assert.equal(codes.length, 1, 'the recovery code is shown once');
    const keyring = readKeyring(home)!;
    assert.equal(keyring.cards.length, 1);
    assert.ok(unlockWithRecovery(keyring, codes[0]!).equals(oldKey), 'the key is kept (no re-encryption), now wrapped for the card');
  } finally {
    await lifecycle.stop();
  }
});
