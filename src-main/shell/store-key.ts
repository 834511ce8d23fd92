// The OS keystore through Electron's safeStorage (Keychain, DPAPI,
// libsecret/KWallet), as the card-bound store uses it (app/store-unlock.ts):
// - the keychain KEK (clinic setting, or the user's consent): one random
//   secret sealed by safeStorage that wraps the store key in the keyring;
// - the store key of an app version before card binding, sealed the same way:
//   read once at the first card unlock (migration), then securely removed.
// On Linux, safeStorage may fall back to `basic_text` (a hard-coded password:
// no protection): not available unless the user explicitly accepted it.
// Never regenerates a secret over an existing sealed file.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SafeStorage } from 'electron';
import { AppError } from '../errors/index.js';
import type { StoreKeyProvider } from '../store/key-provider.js';
import type { KeychainPort, LegacyKeyPort } from '../app/store-unlock.js';
import { secureDelete } from '../store/keys/secure-delete.js';

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

export type KeyProtection =
  | { ok: true; weak: boolean }
  | { ok: false; code: 'KEYSTORE_UNAVAILABLE' | 'KEYSTORE_WEAK'; backend?: string };

/** Whether the OS keystore protects the key well enough (pure decision). */
export function keyProtection(platform: NodeJS.Platform, safeStorage: SafeStorageLike, userAcceptedWeak: boolean): KeyProtection {
  if (!safeStorage.isEncryptionAvailable()) return { ok: false, code: 'KEYSTORE_UNAVAILABLE' };
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') {
      return userAcceptedWeak ? { ok: true, weak: true } : { ok: false, code: 'KEYSTORE_WEAK', backend };
    }
  }
  return { ok: true, weak: false };
}

const KEY_BYTES = 32;

/** A 32-byte secret sealed with safeStorage in `file`; created on first use. */
export function sealedKeyProvider(file: string, safeStorage: SafeStorageLike, protection: () => KeyProtection): StoreKeyProvider {
  return {
    async getKey() {
      const verdict = protection();
      if (!verdict.ok) throw new AppError(verdict.code, 'the OS keystore cannot protect the store key', { data: { backend: verdict.backend ?? null } });
      let sealed: Buffer | undefined;
      try {
        sealed = readFileSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('IO_FAILED', 'cannot read the sealed store key', { cause: err });
      }
      if (sealed) return unseal(sealed, safeStorage);
      const key = randomBytes(KEY_BYTES);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, safeStorage.encryptString(key.toString('hex')), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return unseal(readFileSync(file), safeStorage);
        throw new AppError('IO_FAILED', 'cannot write the sealed store key', { cause: err });
      }
      return key;
    },
  };
}

/** The keychain KEK of the store's keyring: a sealed random secret (created when the keychain wrap is first made). */
export function keychainKekPort(file: string, safeStorage: SafeStorageLike, protection: () => KeyProtection): KeychainPort {
  const sealed = sealedKeyProvider(file, safeStorage, protection);
  return {
    available: () => protection().ok,
    kek: () => sealed.getKey(),
    remove: () => secureDelete(file),
  };
}

/** The store key sealed by an app version before card binding: null when there is none. */
export function legacySealedKeyPort(file: string, safeStorage: SafeStorageLike): LegacyKeyPort {
  return {
    async read() {
      let sealed: Buffer;
      try {
        sealed = readFileSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new AppError('IO_FAILED', 'cannot read the sealed store key', { cause: err });
      }
      return unseal(sealed, safeStorage);
    },
    remove: () => secureDelete(file),
  };
}

function unseal(sealed: Buffer, safeStorage: SafeStorageLike): Buffer {
  let hex: string;
  try {
    hex = safeStorage.decryptString(sealed);
  } catch (err) {
    throw new AppError('KEYSTORE_UNAVAILABLE', 'the OS keystore could not unseal the store key', { cause: err });
  }
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AppError('STORE_BAD_KEY', 'the unsealed store key is malformed');
  return Buffer.from(hex, 'hex');
}

/** The user's recorded choice to accept a plaintext keystore (a small JSON file). */
export function readWeakKeystoreAcceptance(file: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { acceptedPlaintextKeystore?: unknown };
    return parsed.acceptedPlaintextKeystore === true;
  } catch {
    return false;
  }
}

export function recordWeakKeystoreAcceptance(file: string, now = new Date()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ acceptedPlaintextKeystore: true, acceptedAt: now.toISOString() }, null, 2) + '\n', { mode: 0o600 });
}
