// The app's store key at an unlock (src-main/app/store-unlock.ts) with software
// cards: first unlock binds a new or pre-card store (old keychain secret removed),
// the clinic keychain setting adds/drops its wrap, a PSS-only card or a card-less
// session opens only through the keychain with consent, another card is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { keychainConsentText, recoveryCodeText, storeRecoverableByCode, unlockStoreKey, unlockStoreKeyWithRecovery, type KeychainPort, type StoreUnlockEnv } from '../../../src-main/app/store-unlock.js';
import { readStorePolicy, writeStorePolicy } from '../../../src-main/app/store-policy.js';
import type { KeychainReason } from '../../../src-main/app/store-key-plan.js';
import { createRecoveryKeyring, readKeyring, unlockWithKeychain, unlockWithRecovery, writeKeyring } from '../../../src-main/store/keys/keyring.js';
import { softCard } from '../../support/soft-card.js';

const root = mkdtempSync(join(tmpdir(), 'mssante-store-unlock-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A data folder, a keychain stand-in (a KEK in memory) and what the user was shown or asked. */
function setup(opts: { consent?: boolean; keychain?: boolean } = {}) {
  const home = join(root, `h${++n}`);
  mkdirSync(home);
  const shown = { codes: [] as string[], asked: [] as KeychainReason[] };
  let kek: Buffer | null = null;
  const keychain: KeychainPort & { removed: number } = {
    removed: 0,
    available: () => true,
    kek: async () => Buffer.from((kek ??= randomBytes(32))),
    remove: () => {
      kek = null;
      keychain.removed++;
    },
  };
  const env: StoreUnlockEnv = {
    home,
    storeFile: join(home, 'mail.db'),
    onRecoveryCode: (code) => void shown.codes.push(code),
    ...(opts.keychain === false ? {} : { keychain }),
    askKeychainConsent: async (why) => {
      shown.asked.push(why);
      return opts.consent ?? false;
    },
  };
  return { home, env, shown, keychain };
}
const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;

test('first unlock with the card: a new key wrapped for the card and a recovery code shown once; the same card opens again', async () => {
  const { home, env, shown } = setup();
  const card = softCard(root);
  const key = await unlockStoreKey(env, card);
  assert.equal(shown.codes.length, 1);
  const k = readKeyring(home)!;
  assert.equal(k.cards.length, 1);
  assert.equal(k.keychain, null, 'card only by default');
  assert.ok(unlockWithRecovery(k, shown.codes[0]!).equals(key));
  assert.ok((await unlockStoreKey(env, card)).equals(key));
  assert.equal(shown.codes.length, 1, 'the code is shown once');
  assert.deepEqual(shown.asked, [], 'nothing asked of a card that signs PKCS#1 v1.5');
  await assert.rejects(unlockStoreKey(env, softCard(root)), code('STORE_WRONG_CARD'));
  await assert.rejects(unlockStoreKey(env, null), code('STORE_CARD_REQUIRED'), 'never without the card');
});

test('a store keyed by the old keychain secret is migrated at the first card unlock and the old secret removed', async () => {
  const { env } = setup();
  const old = randomBytes(32);
  writeFileSync(env.storeFile, 'existing store');
  let removed = 0;
  const migrating = { ...env, legacyKey: { read: async () => Buffer.from(old), remove: () => void removed++ } };
  const key = await unlockStoreKey(migrating, softCard(root));
  assert.ok(key.equals(old), 'the same key: the store opens as before');
  assert.equal(removed, 1);
});

test('an existing store with neither keyring nor old key is never given a new key', async () => {
  const { env } = setup();
  writeFileSync(env.storeFile, 'existing store');
  await assert.rejects(unlockStoreKey(env, softCard(root)), code('STORE_BAD_KEY'));
});

test('clinic keychain setting: the wrap is added at the next card unlock, dropped (and its KEK removed) when turned off', async () => {
  const { home, env, keychain } = setup();
  const card = softCard(root);
  const key = await unlockStoreKey(env, card);
  writeStorePolicy(home, { keychain: 'keychain', consent: null });
  await unlockStoreKey(env, card);
  assert.notEqual(readKeyring(home)!.keychain, null);
  // a PSS-only card (or PSC) now opens through the keychain without being asked: the clinic chose it
  const pssKey = await unlockStoreKey({ ...env, askKeychainConsent: async () => assert.fail('not asked') }, softCard(root, { pss: true }));
  assert.ok(pssKey.equals(key));
  writeStorePolicy(home, { keychain: 'card-only', consent: null });
  await unlockStoreKey(env, card);
  assert.equal(readKeyring(home)!.keychain, null);
  assert.equal(keychain.removed, 1);
});

test('a PSS-only card: consent asked (French), declined → STORE_CARD_NOT_DETERMINISTIC and nothing written; accepted → keychain keyring + recovery code', async () => {
  const declined = setup({ consent: false });
  await assert.rejects(unlockStoreKey(declined.env, softCard(root, { pss: true })), code('STORE_CARD_NOT_DETERMINISTIC'));
  assert.deepEqual(declined.shown.asked, ['card-not-deterministic']);
  assert.equal(existsSync(join(declined.home, 'store-keyring.json')), false);

  const { home, env, shown } = setup({ consent: true });
  const pss = softCard(root, { pss: true });
  const key = await unlockStoreKey(env, pss);
  const k = readKeyring(home)!;
  assert.equal(k.cards.length, 0, 'no card wrap: the card cannot make a KEK');
  assert.notEqual(k.keychain, null);
  assert.equal(shown.codes.length, 1);
  assert.equal(readStorePolicy(home).consent?.why, 'card-not-deterministic', 'the consent is recorded');
  assert.ok((await unlockStoreKey(env, pss)).equals(key));
  assert.equal(shown.asked.length, 1, 'asked once');
});

test('no card (e-CPS): the keychain with consent; without a keychain, STORE_CARD_REQUIRED', async () => {
  const { home, env } = setup({ consent: true });
  const key = await unlockStoreKey(env, null);
  assert.equal(readStorePolicy(home).consent?.why, 'no-card');
  assert.ok((await unlockStoreKey(env, null)).equals(key));
  const bare = setup({ consent: true, keychain: false });
  await assert.rejects(unlockStoreKey(bare.env, null), code('STORE_CARD_REQUIRED'));
});

test('French texts of the consent and recovery dialogs name the cause and the next step', () => {
  assert.match(keychainConsentText('card-not-deterministic').detail, /RSA-PSS[\s\S]*trousseau[\s\S]*sans votre carte[\s\S]*code de secours/);
  assert.match(keychainConsentText('no-card').detail, /sans carte CPS \(e-CPS via Pro Santé Connect\)/);
  assert.match(recoveryCodeText('ABCDE-FGHJK-MNPQR-STVWX-YZ012').detail, /^ABCDE-FGHJK-MNPQR-STVWX-YZ012\n[\s\S]*plus jamais affiché[\s\S]*store rekey --new-card/);
});

test('the recovery code in a card-less session: opens a recovery-only keyring, normalised like the CLI; wrong → STORE_RECOVERY_INVALID (window wording)', async () => {
  const { home, env, shown } = setup({ consent: true });
  assert.equal(storeRecoverableByCode(home), false, 'no keyring yet');
  const storeKey = randomBytes(32);
  const { keyring, recoveryCode } = createRecoveryKeyring(storeKey);
  writeKeyring(home, keyring, { create: true });
  assert.equal(storeRecoverableByCode(home), true);
  await assert.rejects(unlockStoreKey(env, null), code('STORE_CARD_REQUIRED'), 'the keychain path refuses it');
  const wrong = await unlockStoreKeyWithRecovery(env, '00000-00000-00000-00000-00000').then(() => undefined, (e: unknown) => e);
  assert.ok(wrong instanceof AppError && wrong.code === 'STORE_RECOVERY_INVALID' && wrong.data.reason === 'window', String(wrong));
  assert.ok(!wrong.message.includes('00000'), 'the code is not echoed');
  assert.match(readFileSync(join(home, 'journal-pending.jsonl'), 'utf8'), /"action":"store\.recovery_failed".*"where":"window"/, 'the failed attempt waits for the journal');
  const typed = recoveryCode.toLowerCase().replace(/-/g, ' ');
  assert.ok((await unlockStoreKeyWithRecovery(env, typed)).equals(storeKey));
  assert.deepEqual(shown.asked, [], 'card-only clinic: no keychain offered');
  assert.equal(readKeyring(home)!.keychain, null, 'this session only');
  const pending = readFileSync(join(home, 'journal-pending.jsonl'), 'utf8');
  assert.match(pending, /store\.recovery_unlock/);
  assert.ok(!pending.includes(recoveryCode) && !pending.includes(recoveryCode.replace(/-/g, '')), 'no code journalled');
});

test('the recovery code under the clinic keychain policy: consent asked; accepted → keychain wrap for the next login; declined → this session only', async () => {
  for (const consent of [false, true]) {
    const { home, env, shown, keychain } = setup({ consent });
    writeStorePolicy(home, { keychain: 'keychain', consent: null });
    const storeKey = randomBytes(32);
    const { keyring, recoveryCode } = createRecoveryKeyring(storeKey);
    writeKeyring(home, keyring, { create: true });
    assert.ok((await unlockStoreKeyWithRecovery(env, recoveryCode)).equals(storeKey));
    assert.deepEqual(shown.asked, ['no-card']);
    const k = readKeyring(home)!;
    if (!consent) {
      assert.equal(k.keychain, null);
      continue;
    }
    assert.ok(unlockWithKeychain(k, await keychain.kek())!.equals(storeKey));
    assert.ok((await unlockStoreKey(env, null)).equals(storeKey), 'the next card-less login needs no code');
  }
});
