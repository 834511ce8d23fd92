// The card-bound store key (src-main/store/keys/) with software keys shaped
// like the card's signer: the KEK is re-created only by the same key, the
// recovery code re-binds to a renewed card, the old card stops opening the
// store, a PSS-only card is refused, and the data folder never holds a key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { CHALLENGE_LABEL, kekChallenge, type KekSigner } from '../../../src-main/store/keys/card-kek.js';
import { cardStoreKeyProvider } from '../../../src-main/store/keys/card-key-provider.js';
import { createKeyring, createRecoveryKeyring, readKeyring, rebindToCard, renewRecovery, unlockWithCard, unlockWithRecovery, writeKeyring, newStoreKey, setKeychainWrap, unlockWithKeychain } from '../../../src-main/store/keys/keyring.js';
import { generateRecoveryCode, normaliseRecoveryCode } from '../../../src-main/store/keys/recovery-code.js';
import { checkpointPayload } from '../../../src-main/audit/anchor.js';
import { softCard as softCardIn } from '../../support/soft-card.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-store-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const softCard = (opts: { pss?: boolean } = {}) => softCardIn(dir, opts);

test('the challenge is domain-separated: never a TLS handshake transcript nor a journal checkpoint payload', () => {
  const c = kekChallenge(randomBytes(32), '0A1B');
  assert.ok(c.subarray(0, CHALLENGE_LABEL.length).equals(Buffer.from(CHALLENGE_LABEL)));
  assert.notEqual(c[0], 0x01, 'a TLS 1.2 transcript starts with the ClientHello type byte');
  assert.notEqual(c[0], checkpointPayload({ seq: 1, hash: 'a'.repeat(64) })[0], 'a checkpoint payload starts with "{"');
});

test('recovery codes: 5 groups of 5, look-alikes tolerated, anything else refused', () => {
  const code = generateRecoveryCode();
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
  assert.equal(normaliseRecoveryCode(code.toLowerCase().replace(/-/g, ' ')), code.replace(/-/g, ''));
  assert.throws(() => normaliseRecoveryCode('ABCDE-FGHJK'), (e: unknown) => e instanceof AppError && e.code === 'STORE_RECOVERY_INVALID');
});

test('card A opens; renewal: the recovery code re-binds to card B, then B alone opens the store and A no longer does', async () => {
  const a = softCard();
  const b = softCard();
  const key = newStoreKey();
  const { keyring, recoveryCode } = await createKeyring(a, key);
  assert.ok((await unlockWithCard(keyring, a)).equals(key));
  await assert.rejects(unlockWithCard(keyring, b), (e: unknown) => e instanceof AppError && e.code === 'STORE_WRONG_CARD');
  assert.throws(() => unlockWithRecovery(keyring, generateRecoveryCode()), (e: unknown) => e instanceof AppError && e.code === 'STORE_RECOVERY_INVALID');
  const recovered = unlockWithRecovery(keyring, recoveryCode);
  assert.ok(recovered.equals(key));
  const rebound = await rebindToCard(keyring, recovered, b);
  assert.ok((await unlockWithCard(rebound, b)).equals(key));
  await assert.rejects(unlockWithCard(rebound, a), (e: unknown) => e instanceof AppError && e.code === 'STORE_WRONG_CARD');
  // a new recovery code replaces the old one
  const renewed = renewRecovery(rebound, key);
  assert.ok(unlockWithRecovery(renewed.keyring, renewed.recoveryCode).equals(key));
  assert.throws(() => unlockWithRecovery(renewed.keyring, recoveryCode), (e: unknown) => e instanceof AppError && e.code === 'STORE_RECOVERY_INVALID');
});

test('a forged card entry (same certificate, other key) does not unwrap: the KEK needs the card key itself', async () => {
  const a = softCard();
  const key = newStoreKey();
  const { keyring } = await createKeyring(a, key);
  const impostor = softCard();
  const forged: KekSigner = { ...impostor, certificateChain: a.certificateChain };
  await assert.rejects(unlockWithCard(keyring, forged), (e: unknown) => e instanceof AppError && e.code === 'STORE_WRONG_CARD');
});

test('a PSS-only card cannot make a KEK: STORE_CARD_NOT_DETERMINISTIC (the caller offers the keychain)', async () => {
  await assert.rejects(createKeyring(softCard({ pss: true }), newStoreKey()), (e: unknown) => e instanceof AppError && e.code === 'STORE_CARD_NOT_DETERMINISTIC');
  const randomised = softCard();
  const liar: KekSigner = { ...randomised, sign: async (_s, d) => randomised.sign(0x0804, d) };
  await assert.rejects(createKeyring(liar, newStoreKey()), (e: unknown) => e instanceof AppError && e.code === 'STORE_CARD_NOT_DETERMINISTIC');
});

test('the optional keychain wrap opens with its KEK only', async () => {
  const key = newStoreKey();
  const { keyring } = await createKeyring(softCard(), key);
  const kek = randomBytes(32);
  const withKeychain = setKeychainWrap(keyring, key, kek);
  assert.ok(unlockWithKeychain(withKeychain, kek)!.equals(key));
  assert.equal(unlockWithKeychain(withKeychain, randomBytes(32)), null);
  assert.equal(unlockWithKeychain(setKeychainWrap(withKeychain, key, null), kek), null);
});

function keyCandidates(content: Buffer): Buffer[] {
  const text = content.toString('utf8');
  const out = [content];
  for (const m of text.match(/[0-9a-fA-F]{64}/g) ?? []) out.push(Buffer.from(m, 'hex'));
  for (const m of text.match(/[A-Za-z0-9+/]{43}=/g) ?? []) out.push(Buffer.from(m, 'base64'));
  return out.filter((b) => b.length === 32);
}

test('an old store.key store migrates at the first card unlock: same key, old file removed, recovery code told once; no file of the folder opens the store', async () => {
  const home = join(dir, 'legacy');
  const legacy = randomBytes(32);
  const db = openDatabase(join(home, 'mail.db'), legacy);
  db.exec("CREATE TABLE IF NOT EXISTS probe(x); INSERT INTO probe VALUES ('secret')");
  db.close();
  writeFileSync(join(home, 'store.key'), legacy.toString('hex') + '\n', { mode: 0o600 });
  const card = softCard();
  const codes: string[] = [];
  const provider = cardStoreKeyProvider({ home, signer: async () => card, onRecoveryCode: (c) => void codes.push(c), storeFile: join(home, 'mail.db') });
  const key = await provider.getKey();
  assert.ok(key.equals(legacy), 'the existing store keeps its key');
  assert.equal(codes.length, 1);
  assert.equal(existsSync(join(home, 'store.key')), false, 'old key file removed');
  assert.ok((await provider.getKey()).equals(legacy), 'next unlock with the keyring');
  assert.equal(codes.length, 1, 'the code is shown once');
  for (const name of readdirSync(home)) {
    for (const candidate of keyCandidates(readFileSync(join(home, name)))) {
      assert.throws(() => openDatabase(join(home, 'mail.db'), candidate), `${name} holds no key that opens the store`);
    }
  }
  // a store with neither keyring nor key is never given a new key
  const orphan = join(dir, 'orphan');
  openDatabase(join(orphan, 'mail.db'), randomBytes(32)).close();
  await assert.rejects(
    cardStoreKeyProvider({ home: orphan, signer: async () => card, onRecoveryCode: () => undefined, storeFile: join(orphan, 'mail.db') }).getKey(),
    (e: unknown) => e instanceof AppError && e.code === 'STORE_BAD_KEY',
  );
});

test('two processes binding a new store at once agree on one keyring', async () => {
  const home = join(dir, 'race');
  const card = softCard();
  const first = await createKeyring(card, newStoreKey());
  const second = await createKeyring(card, newStoreKey());
  execFileSync('mkdir', ['-p', home]);
  assert.equal(writeKeyring(home, first.keyring, { create: true }), true);
  assert.equal(writeKeyring(home, second.keyring, { create: true }), false);
  assert.equal(readKeyring(home)!.salt, first.keyring.salt);
});

test('a card-less keyring (store init --without-card): the recovery code alone opens it, a card is refused, a card can be bound later', async () => {
  const key = newStoreKey();
  const { keyring, recoveryCode } = createRecoveryKeyring(key);
  assert.deepEqual(keyring.cards, []);
  assert.equal(keyring.keychain, null);
  assert.ok(unlockWithRecovery(keyring, recoveryCode.toLowerCase()).equals(key));
  assert.throws(() => unlockWithRecovery(keyring, generateRecoveryCode()), (e: unknown) => e instanceof AppError && e.code === 'STORE_RECOVERY_INVALID');
  const a = softCard();
  await assert.rejects(unlockWithCard(keyring, a), (e: unknown) => e instanceof AppError && e.code === 'STORE_WRONG_CARD');
  const bound = await rebindToCard(keyring, key, a);
  assert.ok((await unlockWithCard(bound, a)).equals(key));
  assert.ok(unlockWithRecovery(bound, recoveryCode).equals(key), 'the code stays valid');
  // the keyring's text holds neither the key nor the code
  const text = JSON.stringify(keyring);
  assert.ok(!text.includes(key.toString('hex')) && !text.includes(key.toString('base64')) && !text.includes(recoveryCode));
});
