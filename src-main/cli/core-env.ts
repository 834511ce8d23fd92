// The CLI's env for the composition root (app/core.ts). Imported lazily by
// CliContext.core(): verbs that never need the core do not load it.
import { join } from 'node:path';
import { createCore, type Core, type CoreEnv } from '../app/core.js';
import { storeFile } from '../store/home.js';
import { trustDirOf } from '../trust/home.js';
import { cliStoreKeyProvider } from './card-unlock.js';
import type { CliContext } from './context.js';

/**
 * What the CLI gives the composition root: the data folder of --home, the card-bound store key
 * (card-unlock.ts: the command's card session, PIN asked once), the card host as a Node child process (the card
 * service's default launcher), no window to send events to.
 */
function cliCoreEnv(opts: CliContext): CoreEnv {
  return {
    home: opts.home,
    storeFile: storeFile(opts.home),
    settingsFile: join(opts.home, 'settings.json'),
    trustDir: trustDirOf(opts.home),
    keyProvider: cliStoreKeyProvider(opts),
    emit: () => undefined,
    card: { modulePath: opts.pkcs11Module, ...(opts.token ? { tokenRef: opts.token } : {}) },
    isOnline: () => true,
  };
}

export function cliCore(opts: CliContext): Core {
  return createCore(cliCoreEnv(opts));
}
