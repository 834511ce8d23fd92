import { join } from 'node:path';
import type { StoreKeyProvider } from './key-provider.js';
import { MailStore } from './mail-store.js';
import type { StoreHooks } from './types.js';

/** The store file inside a data folder (--home / MSSANTE_HOME). */
export function storeFile(home: string): string {
  return join(home, 'mail.db');
}

/**
 * Opens the store of a data folder with the given key (tests, tools). The CLI
 * opens it with the card (cli/card-unlock.ts `openCliStore`).
 */
export function openHomeStore(home: string, opts: { keyProvider: StoreKeyProvider; hooks?: StoreHooks }): Promise<MailStore> {
  return MailStore.open({ file: storeFile(home), keyProvider: opts.keyProvider, ...(opts.hooks ? { hooks: opts.hooks } : {}) });
}
