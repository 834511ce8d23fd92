// Sync as the application runs it: the sync engine's run loop (IDLE, periodic
// passes, reconnect with backoff) started once the card is logged in, stopped
// when the session locks or the app quits, restarted on "réessayer" and after
// sleep/network changes. Status and progress go to the renderer as events.
import { AppError, describeErrorFr, messageFr, toAppError } from '../errors/index.js';
import { connectionFailureOf } from '../sync/engine.js';
import { syncNoticesFr } from '../sync/summary-fr.js';
import type { SyncStatus } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import type { SyncEngineEvents, SyncEngineOptions } from '../sync/engine.js';
import type { ImapConnector } from '../sync/connector.js';
import type { SyncStorePort } from '../sync/store-port.js';
import type { SyncPort } from './core-app.js';
import type { JournalPort } from '../audit/port.js';
import { FOLDER_NAMES_FR, folderRole } from './folder-names.js';

/** The part of the sync engine the app drives (SyncEngine; a double in unit tests). */
export interface SyncEngineLike {
  on<E extends keyof SyncEngineEvents>(event: E, listener: (...args: SyncEngineEvents[E]) => void): unknown;
  run(signal: AbortSignal): Promise<void>;
}

export interface SyncAppDeps {
  emit: EventSink;
  /** The access journal: one 'sync.session' entry per pass (counts) or failure. */
  journal?: JournalPort;
  /** Signs the journal head with the card at the end of each pass (CardApp.checkpoint); never throws. */
  checkpoint?: () => Promise<void>;
  store: () => SyncStorePort;
  /** The mailbox to sync and how to connect to it (card-authenticated IMAP); undefined → nothing to sync. */
  target: () => Promise<{ address: string; connector: ImapConnector } | undefined>;
  createEngine: (options: SyncEngineOptions) => SyncEngineLike;
  /** Folder ids of server paths, for `mail.changed`. */
  folderIds: (paths: readonly string[]) => Promise<string[]>;
  isOnline?: () => boolean;
  now?: () => Date;
}

export interface SyncApp extends SyncPort {
  /** Starts the run loop (after a successful card login). */
  start(): Promise<SyncStatus>;
  /** Stops it and waits for the current pass to end (lock, quit). */
  stop(): Promise<void>;
}

export function createSyncApp(deps: SyncAppDeps): SyncApp {
  let status: SyncStatus = { online: deps.isOnline?.() ?? true, state: 'stopped', lastSyncAt: null };
  let abort: AbortController | undefined;
  let running: Promise<void> | undefined;
  const now = deps.now ?? (() => new Date());

  const set = (next: Partial<SyncStatus>, clear: ('progress' | 'error' | 'notices')[] = []) => {
    const merged: SyncStatus = { ...status, ...next };
    for (const key of clear) delete merged[key];
    status = merged;
    deps.emit('sync.status', status);
  };

  // start/stop calls are serialised: two overlapping starts (unlock + retry) never leave two run loops.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const stopNow = async () => {
    abort?.abort();
    abort = undefined;
    await running?.catch(() => undefined);
    running = undefined;
    set({ state: 'stopped' }, ['progress']);
  };

  const startNow = async (): Promise<SyncStatus> => {
    await stopNow();
    const target = await deps.target();
    if (!target) {
      set({ state: 'error', error: { code: 'SERVICE_UNAVAILABLE', message: 'Aucun compte de messagerie n’est configuré sur ce poste.' } });
      return status;
    }
    const engine = deps.createEngine({ store: deps.store(), connector: target.connector, account: { address: target.address } });
    engine.on('progress', (p) => {
      // special-use folders by their French name ("Boîte de réception", not "INBOX"), as in the sidebar
      const folderName = FOLDER_NAMES_FR[folderRole({ path: p.folder, specialUse: p.specialUse ?? null })] ?? p.folder;
      deps.emit('sync.progress', { folderName, done: p.done, total: p.total });
      set({ state: 'syncing', online: true, progress: { folderName, done: p.done, total: p.total } }, ['error']);
    });
    engine.on('synced', (summary) => {
      const s = summary;
      // the pass and what it stored are anchored by the card right away, not only at lock or quit
      void deps.journal
        ?.record([{ action: 'sync.session', data: { account: target.address, server: null, ok: true, folders: s.folders, new: s.new, updated: s.updated, vanished: s.vanished, replayed: s.replayed, durationMs: s.durationMs } }])
        .then(() => deps.checkpoint?.())
        .catch(() => undefined);
      const notices = syncNoticesFr(s);
      const failed = s.failedFolders[0];
      const withNotices = notices.length ? { notices } : {};
      const clear = (extra: 'error'[]): ('progress' | 'error' | 'notices')[] => ['progress', ...extra, ...(notices.length ? [] : ['notices' as const])];
      if (failed) {
        // the other folders synced, but this pass is not a clean one: say which folder and why
        set({ state: 'error', online: true, lastSyncAt: now().toISOString(), error: { code: failed.code, message: notices.filter((n) => n.includes(`« ${failed.folder} »`)).pop() ?? messageFr(failed.code) }, ...withNotices }, clear([]));
      } else {
        set({ state: 'idle', online: true, lastSyncAt: now().toISOString(), ...withNotices }, clear(['error']));
      }
      const changed = summary.perFolder.filter((f) => f.new + f.updated + f.vanished > 0).map((f) => f.folder);
      if (changed.length || summary.replayed) {
        void deps.folderIds(changed).then((folderIds) => deps.emit('mail.changed', { folderIds }), () => undefined);
      }
    });
    engine.on('error', (err) => {
      const code = toAppError(err).code;
      void deps.journal?.record([{ action: 'sync.session', data: { account: target.address, server: null, ok: false, error: code } }]).catch(() => undefined);
      // unreachable, stalled or cut: the server is out of reach (offline); anything else is an error of a reachable server
      const failure = connectionFailureOf(code);
      const offline = failure === 'unreachable' || failure === 'stalled' || failure === 'cut';
      set({ state: offline ? 'offline' : 'error', online: !offline, error: { code, message: describeErrorFr(toAppError(err)) } }, ['progress']);
      // the PIN for the server signature was not given: no new prompt by itself, « Réessayer » asks again
      if (code === 'CARD_SIGNATURE_PIN_CANCELLED' || code === 'CARD_SIGNATURE_PIN_TIMEOUT') controller.abort();
    });
    const controller = new AbortController();
    abort = controller;
    set({ state: 'syncing' }, ['error']);
    running = engine.run(controller.signal).catch((err: unknown) => {
      const code = toAppError(err).code;
      set({ state: 'error', error: { code, message: messageFr(code) } }, ['progress']);
    });
    return status;
  };

  return {
    status: () => status,
    syncNow: async () => {
      if (deps.isOnline && !deps.isOnline()) {
        set({ online: false, state: 'offline', error: { code: 'NETWORK_UNREACHABLE', message: messageFr('NETWORK_UNREACHABLE') } });
        throw new AppError('NETWORK_UNREACHABLE', 'the computer is offline');
      }
      return serial(startNow);
    },
    start: () => serial(startNow),
    stop: () => serial(stopNow),
  };
}
