// The CLI's env for the composition root (app/core.ts). Imported lazily by
// CliContext.core(): verbs that never need the core do not load it.
import { join } from 'node:path';
import { createCore, type Core, type CoreEnv } from '../app/core.js';
import { storeFile } from '../store/home.js';
import { defaultKeyProvider } from '../store/key-provider.js';
import { trustDirOf } from '../trust/home.js';

/** The global options the core needs (CliContext has them). */
type CoreOptions = { home: string; pkcs11Module?: string | undefined; token?: string | undefined };

/**
 * What the CLI gives the composition root: the data folder of --home, the store key of
 * MSSANTE_STORE_KEY or <home>/store.key, the card host as a Node child process (the card
 * service's default launcher), no window to send events to.
 */
export function cliCoreEnv(opts: CoreOptions): CoreEnv {
  return {
    home: opts.home,
    storeFile: storeFile(opts.home),
    settingsFile: join(opts.home, 'settings.json'),
    trustDir: trustDirOf(opts.home),
    keyProvider: defaultKeyProvider(opts.home),
    emit: () => undefined,
    card: { modulePath: opts.pkcs11Module, ...(opts.token ? { tokenRef: opts.token } : {}) },
    isOnline: () => true,
  };
}

export function cliCore(opts: CoreOptions): Core {
  return createCore(cliCoreEnv(opts));
}
