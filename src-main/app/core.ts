// The composition root: the one place that builds the core — store threads with
// their hooks (trust decision, access journal, read receipts), the card service
// with its launcher, the trust context, the outbox, sync and the facade. The
// Electron shell, the CLI and the e2e harness call createCore and differ only
// by the `env` they pass (card launcher, store key source, OS stand-ins).
import { CardService, CardSigner, type CardHostLauncher, type CardSession } from '../card/index.js';
import { AppError, toAppError } from '../errors/index.js';
import type { EventSink } from '../ipc/dispatch.js';
import type { StoreKeyProvider } from '../store/key-provider.js';
import type { StoreHookName } from '../store/types.js';
import { StoreWorkerClient } from '../store/worker/client.js';
import { SyncEngine } from '../sync/engine.js';
import { join } from 'node:path';
import { TrustContext, verifyDkim, type DnsResolver } from '../trust/index.js';
import { cachingResolver } from '../trust/dkim-cache.js';
import { lazyJournalPort, type JournalPort } from '../audit/port.js';
import { flushPendingRecords } from '../audit/pending.js';
import type { KekSigner } from '../store/keys/card-kek.js';
import { storeRecoverableByCode, unlockStoreKey, unlockStoreKeyWithRecovery, type StoreUnlockEnv } from './store-unlock.js';
import { readStorePolicy } from './store-policy.js';
import { createCoreApp, type CoreApp } from './core-app.js';
import type { Startable } from './services.js';
import { PRODUCT_STORE_HOOKS } from './store-hooks.js';
import { PRODUCT_STORE_SERVICES, remoteJournal, remoteOutbox } from './store-services.js';
import type { ImageFetchOptions } from '../images/index.js';
import { createSyncApp, type SyncApp } from './sync-app.js';
import type { SignaturePurpose } from './signature-pin.js';
import { cardAccountTarget, cardMailChannel } from './sync-target.js';
import { appAccount, type PscRegistration } from './account-setup.js';

/** What differs between the shell, the CLI and the harness. */
export type CoreEnv = CoreEnvBase & StoreKeying;

/**
 * Where the store key comes from, and so when the store opens:
 * - `keyProvider`: at start (the CLI, whose provider logs in with the card for the command; tests);
 * - `storeUnlock`: at each card unlock, with the card-bound key (app/store-unlock.ts), and it closes
 *   again at each lock, logout, card removal or session expiry (the app: shell and harness).
 */
export type StoreKeying =
  | { keyProvider: StoreKeyProvider; storeUnlock?: never }
  | { storeUnlock: Omit<StoreUnlockEnv, 'home' | 'storeFile' | 'log'>; keyProvider?: never };

export interface CoreEnvBase {
  /** Data folder: accounts.json, journal head anchor. */
  home: string;
  storeFile: string;
  settingsFile: string;
  /** Annuaire + liste blanche folder (trust/home.ts trustDirOf). */
  trustDir: string;
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
  /** Remote images fetched by main: the test bench's TLS anchors and loopback server; the product passes nothing. */
  remoteImages?: ImageFetchOptions;
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
  /** the facade records to the access journal (the store thread's journal service) */
  journal: boolean;
  /** services the store thread runs over its connection, the store's one writer (outbox, journal) */
  storeServices: readonly string[];
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
  /**
   * Opens the store with the session just unlocked (`storeUnlock` cores): the card session's signer,
   * or null for a card-less session (PSC: keychain with consent). The card login calls it itself.
   */
  unlockStore(signer: KekSigner | null): Promise<void>;
  /** Opens the store with its recovery code (a card-less session the keychain cannot serve): one try. */
  unlockStoreWithRecovery(code: string): Promise<void>;
  /** Resolves once the store's pending open or close is done (tests, shell). */
  storeSettled(): Promise<void>;
  /** Long-lived parts in start order (store → card host → sync); the caller runs them with startInOrder. */
  startables: readonly Startable[];
}

export function createCore(env: CoreEnv): Core {
  const log = env.log ?? (() => undefined);
  let store: StoreWorkerClient | undefined;
  let trust: TrustContext | null = null;
  /** the app's store key while its store is open (storeUnlock cores), wiped at close: see pscVaultKey */
  let heldKey: Buffer | undefined;
  /** The key the PSC refresh-token vault is sealed under: the store key (a copy the caller wipes). */
  const pscVaultKey = async (): Promise<Buffer> => {
    if (env.keyProvider) return env.keyProvider.getKey();
    if (!heldKey) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    return Buffer.from(heldKey);
  };
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
  // One writer: the facade's journal entries and the outbox are services of the store thread
  // (store-services.ts), reached by messages; entries of the sync write path are written by the
  // store thread's journal hook, inside each batch's transaction. Main never opens the file.
  // While the store is closed (locked app), records wait in the data folder's pending file.
  const journal = lazyJournalPort(() => (store ? remoteJournal(store) : undefined), env.home);
  // a key demanding the PIN for every signature: asked in the window, read from `app` when a signature needs it
  const pinFor = (purpose: SignaturePurpose) => (): Promise<Buffer | null> => app.card?.pinFor(purpose)() ?? Promise.resolve(null);
  const target = { home: env.home, currentSession: () => app.card?.currentSession(), pinForSignature: pinFor('server'), psc: () => app.psc, log };
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
    clinicPolicyDir: env.home,
    ...(card ? { card } : {}),
    cardOptions: {
      ...(env.card?.tokenRef ? { tokenRef: env.card.tokenRef } : {}),
      // one PIN entry: the card session just opened signs the store's KEK challenge
      ...(env.storeUnlock ? { openStore: (session: CardSession) => unlockStore(new CardSigner(session, { pinForSignature: pinFor('store') })) } : {}),
    },
    sync,
    mail: storeApi,
    trust: () => trust,
    me: async () => (await appAccount(env.home))?.address,
    journal,
    images: { choicesFile: join(env.home, 'remote-images.json'), ...(env.remoteImages ? { fetch: env.remoteImages } : {}) },
    send: {
      outbox: () => {
        if (!store) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
        return remoteOutbox(store);
      },
      account: () => appAccount(env.home),
      channel: cardMailChannel(target),
    },
    psc: {
      account: () => appAccount(env.home),
      home: env.home,
      storeKey: pscVaultKey,
      // a card-less PSC login opens the card-bound store itself (keychain with consent: store-unlock.ts)
      ...(env.storeUnlock
        ? { openStore: () => unlockStore(null), openStoreWithRecovery: (code: string) => unlockStoreWithRecovery(code), storeRecoverable: () => storeRecoverableByCode(env.home) }
        : {}),
      ...(env.openExternal ? { openExternal: env.openExternal } : {}),
    },
    setup: { home: env.home, log, ...env.setup },
    storeProtection: () => readStorePolicy(env.home).keychain,
  });

  // The store opens with a key: at start (CLI: its key provider logs in with the card;
  // tests), or at each card unlock and closed again at each lock (the app: `storeUnlock`).
  const openStore = async (key: Buffer): Promise<void> => {
    // every Buffer copy made here is wiped once the connections are keyed (the app keeps none between unlocks)
    const copies: Buffer[] = [];
    const copy = (): Buffer => {
      const c = Buffer.from(key);
      copies.push(c);
      return c;
    };
    try {
      // SQL runs in a worker thread with the product's hooks; a hook missing from the
      // registry fails this start (the thread never opens the store).
      const startStore = (): Promise<StoreWorkerClient> => StoreWorkerClient.start({
        file: env.storeFile,
        keyProvider: { getKey: async () => copy() },
        hooks: PRODUCT_STORE_HOOKS,
        hookOptions: { home: env.home, trustDir: env.trustDir },
        services: PRODUCT_STORE_SERVICES,
      });
      let client: StoreWorkerClient;
      try {
        client = await startStore();
      } catch (err) {
        if (!env.recoverStore || !(await env.recoverStore(err, copy()))) throw err;
        client = await startStore();
      }
      const missing = [
        ...PRODUCT_STORE_HOOKS.filter((h) => !client.activeHooks.includes(h)),
        ...PRODUCT_STORE_SERVICES.filter((s) => !client.activeServices.includes(s)),
      ];
      if (missing.length) {
        await client.close();
        throw new AppError('INTERNAL', `store hooks or services not active: ${missing.join(', ')}`);
      }
      log(`store hooks active: ${client.activeHooks.join(', ')}`);
      log(`store services active: ${client.activeServices.join(', ')}`);
      store = client;
      // the app keeps one copy while the store is open, for the PSC refresh-token vault (sealed under the store key)
      if (env.storeUnlock) heldKey = Buffer.from(key);
    } finally {
      key.fill(0);
      for (const c of copies) c.fill(0);
    }
    try {
      // what was journalled while the store was closed
      await flushPendingRecords(env.home, (lines) => remoteJournal(store!).recordPending(lines));
    } catch (err) {
      log(`pending journal records not appended: ${toAppError(err).code}`);
    }
  };
  const closeStore = async (): Promise<void> => {
    heldKey?.fill(0);
    heldKey = undefined;
    const closing = store;
    store = undefined;
    await closing?.close();
  };
  // Opening and closing never overlap (a PIN entered while the lock still closes the store waits for it).
  let doors: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = doors.then(op, op);
    doors = next.catch(() => undefined);
    return next;
  };
  const unlockStore = (signer: KekSigner | null): Promise<void> =>
    serial(async () => {
      if (store) return;
      if (!env.storeUnlock) throw new AppError('INTERNAL', 'this core opens its store at start');
      await openStore(await unlockStoreKey({ ...env.storeUnlock, home: env.home, storeFile: env.storeFile, log }, signer));
    });
  const unlockStoreWithRecovery = (code: string): Promise<void> =>
    serial(async () => {
      if (store) return;
      if (!env.storeUnlock) throw new AppError('INTERNAL', 'this core opens its store at start');
      await openStore(await unlockStoreKeyWithRecovery({ ...env.storeUnlock, home: env.home, storeFile: env.storeFile, log }, code));
    });
  /** Lock, logout, card removal, session expiry: what writes to the store ends, the card signs, the store closes. */
  const lockStore = (): Promise<void> =>
    serial(async () => {
      if (!store) return;
      await sync.stop();
      await app.send?.idle();
      await app.card?.settled();
      await closeStore();
      log('store closed (session locked)');
    });
  if (env.storeUnlock) {
    app.gate.onChange((state) => {
      if (state.locked) void lockStore().catch((err: unknown) => log(`store close failed: ${toAppError(err).code}`));
    });
  }

  const startables: Startable[] = [
    {
      name: 'store',
      start: async () => {
        if (env.keyProvider) await serial(async () => openStore(await env.keyProvider!.getKey()));
        trust = openTrust(env.trustDir, log);
      },
      stop: async () => {
        trust?.close();
        trust = null;
        await serial(closeStore);
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
    unlockStore,
    unlockStoreWithRecovery,
    storeSettled: () => doors.then(() => undefined),
    active: () => ({
      storeHooks: store?.activeHooks ?? [],
      journal: store?.activeServices.includes('journal') ?? false,
      storeServices: store?.activeServices ?? [],
      trust: trust !== null,
    }),
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
