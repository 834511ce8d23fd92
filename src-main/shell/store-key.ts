// The store's encryption key, sealed by the OS keystore through Electron's
// safeStorage (Keychain, DPAPI, libsecret/KWallet). On Linux, safeStorage may
// fall back to `basic_text` (a hard-coded password: no protection): refused
// unless the user explicitly accepted it. Never regenerates a key over an
// existing sealed file (that would make the store unreadable).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SafeStorage } from 'electron';
import { AppError } from '../errors/index.js';
import type { StoreKeyProvider } from '../store/key-provider.js';

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

/** A StoreKeyProvider over a key file sealed with safeStorage; creates the key on first use. */
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
