import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors/index.js';

/**
 * Where the store's 256-bit encryption key comes from. The product binds it to
 * the CPS card (`store/keys/`: wrapped under the card KEK, a recovery code,
 * optionally the OS keychain). A raw key (static, or a key file) is for tests
 * and tools only; a `store.key` file left by an older version is migrated to
 * the card and removed at the first unlock.
 */
export interface StoreKeyProvider {
  /** Returns the raw 32-byte key (the caller's copy: it wipes it after use), creating it on first use when the provider can. */
  getKey(): Promise<Buffer>;
}

const KEY_BYTES = 32;

function checkKey(key: Buffer, origin: string): Buffer {
  if (key.length !== KEY_BYTES) throw new AppError('STORE_BAD_KEY', `${origin}: expected a ${KEY_BYTES}-byte key (64 hex characters)`);
  return key;
}

function fromHex(hex: string, origin: string): Buffer {
  const clean = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new AppError('STORE_BAD_KEY', `${origin}: expected 64 hex characters`);
  return checkKey(Buffer.from(clean, 'hex'), origin);
}

/** A key given by the caller (tests, or the Electron shell after unsealing). */
export function staticKeyProvider(key: Buffer | string): StoreKeyProvider {
  const buf = typeof key === 'string' ? fromHex(key, 'static key') : checkKey(Buffer.from(key), 'static key');
  // a copy each time: callers wipe what they got once the store is keyed
  return { getKey: async () => Buffer.from(buf) };
}

/** A hex key in a file created on first use with 0600 permissions (tests; the old CLI default). */
export function fileKeyProvider(file: string): StoreKeyProvider {
  return {
    async getKey() {
      try {
        return fromHex(readFileSync(file, 'utf8'), 'key file');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const key = randomBytes(KEY_BYTES);
      try {
        // 'wx': never overwrite a key another process created meanwhile.
        writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
        return key;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fromHex(readFileSync(file, 'utf8'), 'key file');
        throw new AppError('IO_FAILED', 'cannot create the store key file', { cause: err });
      }
    },
  };
}
