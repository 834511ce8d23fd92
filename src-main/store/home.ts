import { join } from 'node:path';
import { defaultKeyProvider, type StoreKeyProvider } from './key-provider.js';
import { MailStore } from './mail-store.js';
import type { StoreHooks } from './types.js';

/** The store file inside a data folder (--home / MSSANTE_HOME). */
export function storeFile(home: string): string {
  return join(home, 'mail.db');
}

/** Opens the store of a data folder with the CLI key policy (MSSANTE_STORE_KEY, else <home>/store.key). */
export function openHomeStore(home: string, opts: { keyProvider?: StoreKeyProvider; hooks?: StoreHooks } = {}): Promise<MailStore> {
  return MailStore.open({ file: storeFile(home), keyProvider: opts.keyProvider ?? defaultKeyProvider(home), ...(opts.hooks ? { hooks: opts.hooks } : {}) });
}
