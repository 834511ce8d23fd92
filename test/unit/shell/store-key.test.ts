import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { keychainKekPort, keyProtection, legacySealedKeyPort, readWeakKeystoreAcceptance, recordWeakKeystoreAcceptance, sealedKeyProvider, type SafeStorageLike } from '../../../src-main/shell/store-key.js';
import { existsSync } from 'node:fs';

/** A reversible stand-in for the OS keystore (bytes reversed + a marker). */
function fakeSafeStorage(backend: string, available = true): SafeStorageLike & { fail?: boolean } {
  const s: SafeStorageLike & { fail?: boolean } = {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend as never,
    encryptString: (plain: string) => Buffer.concat([Buffer.from('SEALED:'), Buffer.from(plain).reverse()]),
    decryptString: (sealed: Buffer) => {
      if (s.fail || !sealed.subarray(0, 7).equals(Buffer.from('SEALED:'))) throw new Error('cannot decrypt');
      return Buffer.from(sealed.subarray(7)).reverse().toString();
    },
  };
  return s;
}

test('key protection: OS keystores accepted; Linux basic_text refused unless the user accepted it', () => {
  assert.deepEqual(keyProtection('linux', fakeSafeStorage('gnome_libsecret'), false), { ok: true, weak: false });
  assert.deepEqual(keyProtection('linux', fakeSafeStorage('kwallet6'), false), { ok: true, weak: false });
  assert.deepEqual(keyProtection('linux', fakeSafeStorage('basic_text'), false), { ok: false, code: 'KEYSTORE_WEAK', backend: 'basic_text' });
  assert.deepEqual(keyProtection('linux', fakeSafeStorage('basic_text'), true), { ok: true, weak: true });
  assert.deepEqual(keyProtection('win32', fakeSafeStorage('unknown'), false), { ok: true, weak: false });
  assert.deepEqual(keyProtection('darwin', fakeSafeStorage('unknown', false), false), { ok: false, code: 'KEYSTORE_UNAVAILABLE' });
});

test('the store key is created once, sealed on disk (0600), and the same key comes back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-key-'));
  try {
    const file = join(dir, 'store', 'store-key.sealed');
    const safe = fakeSafeStorage('gnome_libsecret');
    const provider = sealedKeyProvider(file, safe, () => ({ ok: true, weak: false }));
    const key = await provider.getKey();
    assert.equal(key.length, 32);
    const onDisk = readFileSync(file);
    assert.ok(!onDisk.toString('latin1').includes(key.toString('hex')), 'never in clear on disk');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await sealedKeyProvider(file, safe, () => ({ ok: true, weak: false })).getKey(), key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a weak keystore without consent, or an unsealing failure, stops with a clear code and never replaces the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-key-'));
  try {
    const file = join(dir, 'store-key.sealed');
    const safe = fakeSafeStorage('basic_text');
    const weak = sealedKeyProvider(file, safe, () => keyProtection('linux', safe, readWeakKeystoreAcceptance(join(dir, 'accept.json'))));
    await assert.rejects(weak.getKey(), (e: unknown) => e instanceof AppError && e.code === 'KEYSTORE_WEAK');
    assert.throws(() => readFileSync(file), 'nothing written without consent');

    recordWeakKeystoreAcceptance(join(dir, 'accept.json'));
    const key = await weak.getKey();
    assert.equal(key.length, 32);

    const sealed = readFileSync(file);
    safe.fail = true;
    await assert.rejects(weak.getKey(), (e: unknown) => e instanceof AppError && e.code === 'KEYSTORE_UNAVAILABLE');
    assert.deepEqual(readFileSync(file), sealed, 'the sealed key is kept for when the keystore is back');

    writeFileSync(join(dir, 'accept.json'), '{"acceptedPlaintextKeystore":"yes"}');
    assert.equal(readWeakKeystoreAcceptance(join(dir, 'accept.json')), false, 'only an explicit true counts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('card-bound store: the keychain KEK is sealed on first use and removed on demand; the old sealed store key is read once, then removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-key-'));
  try {
    const safe = fakeSafeStorage('gnome_libsecret');
    const kekFile = join(dir, 'store', 'keychain-kek.sealed');
    const port = keychainKekPort(kekFile, safe, () => keyProtection('linux', safe, false));
    assert.equal(port.available(), true);
    const kek = await port.kek();
    assert.ok((await port.kek()).equals(kek));
    port.remove();
    assert.equal(existsSync(kekFile), false);
    const weak = fakeSafeStorage('basic_text');
    assert.equal(keychainKekPort(kekFile, weak, () => keyProtection('linux', weak, false)).available(), false, 'plaintext keystore: no keychain');

    const legacyFile = join(dir, 'store', 'store-key.sealed');
    const legacy = legacySealedKeyPort(legacyFile, safe);
    assert.equal(await legacy.read(), null, 'no old key: a new store');
    const old = await sealedKeyProvider(legacyFile, safe, () => ({ ok: true, weak: false })).getKey();
    assert.ok((await legacy.read())!.equals(old));
    await legacy.remove();
    assert.equal(existsSync(legacyFile), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
