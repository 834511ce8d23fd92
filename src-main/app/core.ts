// The composition root: the one place that builds the core — store threads with
// their hooks (trust decision, access journal, read receipts), the card service
// with its launcher, the trust context, the outbox, sync and the facade. The
// Electron shell, the CLI and the e2e harness call createCore and differ only
// by the `env` they pass (card launcher, store key provider, OS stand-ins).
import { CardService, type CardHostLauncher } from '../card/index.js';
import { AppError, toAppError } from '../errors/index.js';
import type { EventSink } from '../ipc/dispatch.js';
import { Outbox } from '../send/index.js';
import { openDatabase, type Db } from '../store/database.js';
import { staticKeyProvider, type StoreKeyProvider } from '../store/key-provider.js';
import type { StoreHookName } from '../store/types.js';
import { StoreWorkerClient } from '../store/worker/client.js';
import { SyncEngine } from '../sync/engine.js';
import { join } from 'node:path';
import { TrustContext, verifyDkim, type DnsResolver } from '../trust/index.js';
import { cachingResolver } from '../trust/dkim-cache.js';
import { lazyJournalPort, type JournalPort } from '../audit/port.js';
import { createCoreApp, type CoreApp } from './core-app.js';
import type { Startable } from './services.js';
import { PRODUCT_STORE_HOOKS } from './store-hooks.js';
import { createSyncApp, type SyncApp } from './sync-app.js';
import { cardAccountTarget, cardMailChannel } from './sync-target.js';
import { appAccount, type PscRegistration } from './account-setup.js';

/** What differs between the shell, the CLI and the harness. */
export interface CoreEnv {
  /** Data folder: accounts.json, journal head anchor. */
  home: string;
  storeFile: string;
  settingsFile: string;
  /** Annuaire + liste blanche folder (trust/home.ts trustDirOf). */
  trustDir: string;
  /** The store key: OS keystore in the shell, bound to the card in the CLI (cli/card-unlock.ts), a test key in the harness. */
  keyProvider: StoreKeyProvider;
  emit: EventSink;
  /** The card; omitted → no card service (card channels unavailable). */
  card?: { launcher?: CardHostLauncher; modulePath?: string | undefined; pollIntervalMs?: number; tokenRef?: string };
  /** Network state (Electron `net.isOnline` in the shell). */
  isOnline?: () => boolean;
  /** DNS for the DKIM keys checked on open (default: node:dns); answers are cached in the data folder. */
  dns?: DnsResolver;
  /**
   * Called when the store cannot open (e.g. STORE_CORRUPT from the quick check): true once it was
   * rebuilt and the open should be tried again. The shell asks the user; omitted → the error stands.
   */
  recoverStore?: (err: unknown, key: Buffer) => Promise<boolean>;
  log?: (line: string) => void;
  /**
   * First run and Pro Santé Connect: the installation's PSC registration (omitted → PSC not offered),
   * DNS servers for SRV discovery (default: the system's), a qualification PKI for new accounts.
   */
  setup?: { psc?: PscRegistration; dnsServers?: string[]; trustAnchorsFile?: string };
  /** Opens a URL in the system browser (PSC login by card: Electron `shell.openExternal`); omitted → no browser login. */
  openExternal?: (url: string) => Promise<void>;
}

/** What is wired and running, for the tests that check shell, CLI and harness alike. */
export interface CoreActivity {
  /** hooks the store thread runs (answered by the thread at start) */
  storeHooks: readonly StoreHookName[];
  /** the facade records to the access journal */
  journal: boolean;
  /** the facade has a trust context (annuaire / liste blanche imported) */
  trust: boolean;
}

export interface Core {
  app: CoreApp;
  sync: SyncApp;
  card: CardService | undefined;
  journal: JournalPort;
  /** The store worker client; SERVICE_UNAVAILABLE before `store` started. */
  store(): StoreWorkerClient;
  trust(): TrustContext | null;
  active(): CoreActivity;
  /** Long-lived parts in start order (store → card host → sync); the caller runs them with startInOrder. */
  startables: readonly Startable[];
}

export function createCore(env: CoreEnv): Core {
  const log = env.log ?? (() => undefined);
  let store: StoreWorkerClient | undefined;
  let mainDb: Db | undefined;
  let trust: TrustContext | null = null;
  let stopCardWatch: (() => void) | undefined;

  const card = env.card
    ? new CardService({
        modulePath: env.card.modulePath,
        ...(env.card.launcher ? { launcher: env.card.launcher } : {}),
        ...(env.card.pollIntervalMs !== undefined ? { pollIntervalMs: env.card.pollIntervalMs } : {}),
      })
    : undefined;
  const storeApi = () => {
    if (!store) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    return store.api;
  };
  // The facade's journal entries and the outbox write through a main-thread connection
  // (mainDb) next to the store thread's; entries of the sync write path are written by the
  // store thread's journal hook, inside each batch's transaction.
  const journal = lazyJournalPort(() => mainDb, env.home);
  const target = { home: env.home, currentSession: () => app.card?.currentSession(), psc: () => app.psc, log };
  const sync = createSyncApp({
    emit: env.emit,
    journal,
    // the card signs the journal head at the end of each pass (read from `app` when a pass ends)
    checkpoint: () => app.card?.checkpoint() ?? Promise.resolve(),
    store: storeApi,
    target: cardAccountTarget(target),
    createEngine: (options) => new SyncEngine(options),
    folderIds: async (paths) => (await storeApi().listFolders()).filter((f) => paths.includes(f.path)).map((f) => String(f.id)),
    ...(env.isOnline ? { isOnline: env.isOnline } : {}),
  });
  // (the sync target above reads the card session from `app` only when it connects, after this line)
  // DKIM keys seen online are kept, so a message opened offline is still checked ("non vérifiable hors ligne" otherwise)
  const dkimDns = cachingResolver({ file: join(env.home, 'dkim-dns-cache.json'), ...(env.dns ? { resolve: env.dns } : {}), ...(env.isOnline ? { isOnline: env.isOnline } : {}) });
  const app = createCoreApp({
    emit: env.emit,
    dkim: (raw) => verifyDkim(raw, { resolver: dkimDns }),
    settingsFile: env.settingsFile,
    ...(card ? { card } : {}),
    ...(env.card?.tokenRef ? { cardOptions: { tokenRef: env.card.tokenRef } } : {}),
    sync,
    mail: storeApi,
    trust: () => trust,
    me: async () => (await appAccount(env.home))?.address,
    journal,
    send: {
      outbox: () => {
        if (!mainDb) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
        return new Outbox(mainDb);
      },
      account: () => appAccount(env.home),
      channel: cardMailChannel(target),
    },
    psc: { account: () => appAccount(env.home), home: env.home, storeKey: () => env.keyProvider.getKey(), ...(env.openExternal ? { openExternal: env.openExternal } : {}) },
    setup: { home: env.home, log, ...env.setup },
  });

  const startables: Startable[] = [
    {
      name: 'store',
      start: async () => {
        const key = await env.keyProvider.getKey();
        try {
          // SQL runs in a worker thread with the product's hooks; a hook missing from the
          // registry fails this start (the thread never opens the store).
          const startStore = (): Promise<StoreWorkerClient> => StoreWorkerClient.start({
            file: env.storeFile,
            keyProvider: staticKeyProvider(Buffer.from(key)),
            hooks: PRODUCT_STORE_HOOKS,
            hookOptions: { home: env.home, trustDir: env.trustDir },
          });
          let client: StoreWorkerClient;
          try {
            client = await startStore();
          } catch (err) {
            if (!env.recoverStore || !(await env.recoverStore(err, Buffer.from(key)))) throw err;
            client = await startStore();
          }
          const missing = PRODUCT_STORE_HOOKS.filter((h) => !client.activeHooks.includes(h));
          if (missing.length) {
            await client.close();
            throw new AppError('INTERNAL', `store hooks not active: ${missing.join(', ')}`);
          }
          log(`store hooks active: ${client.activeHooks.join(', ')}`);
          store = client;
          mainDb = openDatabase(env.storeFile, key, { check: 'none' }); // the worker's open just ran quick_check
        } finally {
          key.fill(0);
        }
        trust = openTrust(env.trustDir, log);
      },
      stop: async () => {
        trust?.close();
        trust = null;
        mainDb?.close();
        mainDb = undefined;
        await store?.close();
        store = undefined;
      },
    },
    {
      name: 'card host',
      start: async () => {
        if (!card) return;
        // Watching keeps the host up for insertion/removal events; a missing card module is not fatal.
        stopCardWatch = await card.watch().catch((err: unknown) => {
          log(`card host not ready: ${toAppError(err).code}`);
          return undefined;
        });
      },
      stop: async () => {
        stopCardWatch?.();
        await app.close(); // the card signs the journal head before its host goes
        card?.close();
      },
    },
    {
      name: 'sync',
      start: async () => undefined, // the run loop starts when the session unlocks (core-app.ts)
      stop: async () => {
        await sync.stop();
        // A send in progress finishes and records its outcome while the card and the store are still there.
        await app.send?.idle();
      },
    },
  ];

  return {
    app,
    sync,
    card,
    journal,
    store: () => {
      if (!store) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
      return store;
    },
    trust: () => trust,
    active: () => ({ storeHooks: store?.activeHooks ?? [], journal: mainDb !== undefined, trust: trust !== null }),
    startables,
  };
}

/** Annuaire and liste blanche of the data folder, or null when not imported yet (or unreadable: said in the log). */
function openTrust(trustDir: string, log: (line: string) => void): TrustContext | null {
  try {
    return TrustContext.open(trustDir);
  } catch (err) {
    log(`trust data unavailable: ${toAppError(err).code}`);
    return null;
  }
}
