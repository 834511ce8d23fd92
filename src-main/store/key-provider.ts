import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../errors/index.js';

/**
 * Where the store's 256-bit encryption key comes from. Electron seals a random
 * key with safeStorage (OS keychain); the CLI and tests use an env variable or
 * a 0600 key file in the data folder; a later issue may derive it from the card.
 */
export interface StoreKeyProvider {
  /** Returns the raw 32-byte key, creating it on first use when the provider can. */
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
  return { getKey: async () => buf };
}

/** Reads a hex key from an environment variable (e.g. MSSANTE_STORE_KEY). */
export function envKeyProvider(name = 'MSSANTE_STORE_KEY', env: NodeJS.ProcessEnv = process.env): StoreKeyProvider | undefined {
  const value = env[name];
  return value ? staticKeyProvider(value) : undefined;
}

/** A hex key in a file created on first use with 0600 permissions (CLI default). */
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

/** CLI default: MSSANTE_STORE_KEY if set, else `<home>/store.key`. */
export function defaultKeyProvider(home: string, env: NodeJS.ProcessEnv = process.env): StoreKeyProvider {
  return envKeyProvider('MSSANTE_STORE_KEY', env) ?? fileKeyProvider(join(home, 'store.key'));
}
