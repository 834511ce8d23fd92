import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchMessageObject, ImapFlow, ListResponse } from 'imapflow';
import { AppError, isAppError, toAppError } from '../errors/index.js';
import { storeError } from '../store/database.js';
import { IMAP_FLAG } from '../store/flags.js';
import type { Folder, FolderInfo, IncomingMessage, PendingOp } from '../store/types.js';
import { DEFAULT_NETWORK_TIMEOUT_MS, type ImapConnector } from './connector.js';
import {
  backoffDelay,
  diffUids,
  initialChunks,
  movesToMissingFolders,
  orderFolders,
  planFolder,
  planFolderList,
  planReplay,
  shouldReconnect,
  specialUseOf,
  toSequenceSet,
  type BackoffOptions,
  type ConnectionFailure,
  type FolderPlan,
  type ServerCapabilities,
  type ServerFolderStatus,
} from './planner.js';
import type { ErrorCode } from '../errors/index.js';
import type { SyncStorePort } from './store-port.js';

export interface SyncProgress {
  folder: string;
  /** the folder's special use (\\Sent…): the window names it in French */
  specialUse?: string | null;
  phase: 'initial' | 'incremental' | 'replay';
  done: number;
  total: number;
}

export interface FolderSyncResult {
  folder: string;
  plan: FolderPlan['kind'];
  new: number;
  updated: number;
  vanished: number;
}

/** A queued local change that could not apply and was dropped (never silently). */
export interface DroppedChange {
  /** the folder the message was in */
  folder: string;
  kind: PendingOp['kind'];
  /** move target */
  target?: string;
  /** 'folder-deleted': the message's folder is gone from the server; 'target-missing': the move's target is */
  reason: 'folder-deleted' | 'target-missing';
}

export interface SyncSummary {
  folders: number;
  new: number;
  updated: number;
  vanished: number;
  /** queued local changes sent to the server */
  replayed: number;
  durationMs: number;
  perFolder: FolderSyncResult[];
  /** folders renamed on the server, kept with their messages (no re-download) */
  renamedFolders: { from: string; to: string }[];
  /** folders gone from the server (or no longer selectable): their messages left the store */
  removedFolders: { folder: string; messages: number }[];
  /** folders that failed this pass; the others were synced */
  failedFolders: { folder: string; code: ErrorCode }[];
  droppedChanges: DroppedChange[];
  /** connection failures recovered inside the pass (a new connection resumed it) */
  reconnects: { code: ErrorCode; data: Record<string, unknown> }[];
}

export interface SyncEngineOptions {
  store: SyncStorePort;
  connector: ImapConnector;
  account: { address: string; displayName?: string | null; imapHost?: string | null; imapPort?: number | null };
  /** messages per initial-sync chunk (one transaction each) */
  chunkSize?: number;
  /** the first chunk is smaller, so the newest mail is readable sooner */
  firstChunkSize?: number;
  /** folder kept in IDLE by `run()` */
  idleFolder?: string;
  /** limit `run()` to these folders (default: every selectable folder) */
  folders?: readonly string[];
  /** how often `run()` checks the other folders */
  periodicMs?: number;
  backoff?: BackoffOptions;
  /**
   * The connector's inactivity timeout (no byte for this long = stalled), for
   * the reports only: the connector enforces it (DEFAULT_NETWORK_TIMEOUT_MS).
   */
  networkTimeoutMs?: number;
  /** new connections tried inside one `syncOnce` after a stall or a cut (default 3) */
  maxReconnects?: number;
  /** backoff between those (default 0.5 s doubling, capped at 5 s) */
  reconnectBackoff?: BackoffOptions;
}

export { DEFAULT_NETWORK_TIMEOUT_MS };

export interface SyncEngineEvents {
  progress: [SyncProgress];
  /** a connection or sync failure inside `run()` (it reconnects on its own) */
  error: [AppError];
  reconnecting: [{ attempt: number; delayMs: number; error?: AppError }];
  synced: [SyncSummary];
  /** `run()` listens for changes on `folder` (IDLE started), after each (re)connection's first pass */
  watching: [{ folder: string }];
}

const FETCH_FULL = { uid: true, flags: true, source: true, internalDate: true } as const;

/** What one pass accumulated, across the connections it needed. */
interface PassState {
  /** per folder, accumulated across the connections of the pass */
  perFolder: Map<string, FolderSyncResult>;
  /** folders finished this pass (not synced again after a reconnection) */
  finished: Set<string>;
  renamedFolders: SyncSummary['renamedFolders'];
  removedFolders: SyncSummary['removedFolders'];
  failedFolders: SyncSummary['failedFolders'];
  droppedChanges: DroppedChange[];
  reconnects: SyncSummary['reconnects'];
  replayed: number;
  /** messages received this pass (for "cut after N messages") */
  messages: number;
}

/** A local store failure is never one folder's: the pass stops. */
function isStoreFailure(e: AppError): boolean {
  return e.code.startsWith('STORE_') || e.code === 'IO_FAILED';
}

function toMs(d: Date | string | undefined): number | null {
  if (d === undefined) return null;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(t) ? t : null;
}

function incoming(m: FetchMessageObject): IncomingMessage {
  if (!m.source) throw new AppError('IMAP_FAILED', `server returned no source for UID ${m.uid}`);
  return { uid: m.uid, flags: [...(m.flags ?? [])], modseq: m.modseq?.toString() ?? null, internalDate: toMs(m.internalDate), raw: m.source };
}

const CUT_CODES = ['ECONNRESET', 'EPIPE', 'NoConnection', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText', 'TLS_TRUNCATED'];
const STALL_CODES = ['ETIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'TLS_TIMEOUT'];

/** What a failure says about the connection (null: not a connection failure). */
export function connectionFailureOf(code: ErrorCode): ConnectionFailure | null {
  if (code === 'NETWORK_STALLED') return 'stalled';
  if (code === 'NETWORK_CONNECTION_CUT') return 'cut';
  if (code === 'NETWORK_UNREACHABLE') return 'unreachable';
  if (code === 'IMAP_SERVER_REFUSED') return 'refused';
  if (code.startsWith('TLS_') || code.startsWith('CERT_') || code.startsWith('STARTTLS_')) return 'tls';
  return null;
}

/** What the engine saw of one connection: its first error and whether it closed. */
interface ConnectionWatch {
  error: { code?: string } | null;
  closed: boolean;
}
const watches = new WeakMap<ImapFlow, ConnectionWatch>();

function watchConnectionOf(client: ImapFlow): ImapFlow {
  watchConnection(client);
  return client;
}

function watchConnection(client: ImapFlow): ConnectionWatch {
  let w = watches.get(client);
  if (!w) {
    const watch: ConnectionWatch = { error: null, closed: false };
    client.on('error', (err: { code?: string }) => (watch.error ??= err));
    client.once('close', () => (watch.closed = true));
    watches.set(client, watch);
    w = watch;
  }
  return w;
}

/**
 * Names a failure that happened on an established connection: a stall (the
 * inactivity timeout fired), a cut (the connection closed under a command,
 * after `messages` messages of this pass had arrived), else the plain mapping.
 */
export function connectionError(err: unknown, client: ImapFlow | undefined, facts: { messages: number; timeoutMs: number }): AppError {
  const e = err as { code?: string };
  const watch = client ? watches.get(client) : undefined;
  const seen = watch?.error?.code ?? (isAppError(err) ? undefined : e.code);
  const code = isAppError(err) ? err.code : e.code;
  if ((seen && STALL_CODES.includes(seen)) || (code && STALL_CODES.includes(code))) {
    return new AppError('NETWORK_STALLED', `no data from the server for ${facts.timeoutMs} ms`, { cause: err, data: { seconds: Math.round(facts.timeoutMs / 1000) } });
  }
  const closed = watch?.closed || (client !== undefined && !client.usable);
  if (closed || (code && CUT_CODES.includes(code))) {
    if (isAppError(err) && connectionFailureOf(err.code) === 'tls' && err.code !== 'TLS_TRUNCATED') return err;
    return new AppError('NETWORK_CONNECTION_CUT', `connection closed after ${facts.messages} messages`, { cause: err, data: { messages: facts.messages } });
  }
  return imapError(err);
}

/** Maps imapflow/socket failures to our closed set of codes. */
function imapError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const stored = storeError(err);
  if (stored) return stored;
  const e = err as { code?: string; authenticationFailed?: boolean; message?: string };
  if (e.authenticationFailed) return new AppError('IMAP_AUTH_FAILED', e.message ?? 'authentication failed', { cause: err });
  if (e.code && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'CONNECT_TIMEOUT'].includes(e.code)) {
    return new AppError('NETWORK_UNREACHABLE', e.message ?? e.code, { cause: err });
  }
  if (e.code && STALL_CODES.includes(e.code)) return new AppError('NETWORK_STALLED', e.message ?? e.code, { cause: err });
  // closed before or at the greeting (BYE, or nothing at all): the server turned us away
  if (e.code && ['NoConnection', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText', 'ECONNRESET', 'EPIPE'].includes(e.code)) {
    return new AppError('IMAP_SERVER_REFUSED', e.message ?? e.code, { cause: err });
  }
  return toAppError(err, 'IMAP_FAILED');
}

/**
 * Keeps the local store converged with the IMAP server. `syncOnce` runs one
 * full pass (replay queued local changes, folder list, every folder's
 * plan); `run` stays connected, IDLEs on the inbox, checks the other folders
 * periodically and reconnects with capped, jittered backoff.
 */
export class SyncEngine extends EventEmitter<SyncEngineEvents> {
  private readonly store: SyncStorePort;
  private readonly connector: ImapConnector;
  private readonly chunkSize: number;
  private readonly firstChunkSize: number;

  constructor(private readonly opts: SyncEngineOptions) {
    super();
    this.store = opts.store;
    this.connector = opts.connector;
    this.chunkSize = opts.chunkSize ?? 250;
    this.firstChunkSize = opts.firstChunkSize ?? 50;
  }

  /**
   * One pass. Connects (and logs out) itself unless a client is given; then a
   * stall or a cut is retried on a new connection (bounded, with backoff) and
   * the pass resumes where it was: what was committed stays, finished folders
   * are not synced again, the interrupted one resumes from its cursor.
   */
  async syncOnce(options: { client?: ImapFlow; folders?: readonly string[] } = {}): Promise<SyncSummary> {
    const started = performance.now();
    const pass: PassState = {
      perFolder: new Map(),
      finished: new Set(),
      renamedFolders: [],
      removedFolders: [],
      failedFolders: [],
      droppedChanges: [],
      reconnects: [],
      replayed: 0,
      messages: 0,
    };
    if (options.client) {
      try {
        await this.pass(options.client, options.folders, pass);
      } catch (err) {
        throw this.failure(err, options.client, pass);
      }
    } else {
      const max = this.opts.maxReconnects ?? 3;
      for (let attempt = 0; ; attempt++) {
        const client = await this.connect();
        try {
          await this.pass(client, options.folders, pass);
          break;
        } catch (err) {
          const e = this.failure(err, client, pass);
          if (!shouldReconnect(connectionFailureOf(e.code), attempt, max)) throw e;
          pass.reconnects.push({ code: e.code, data: { ...e.data } });
          const delayMs = backoffDelay(attempt, this.opts.reconnectBackoff ?? { baseMs: 500, maxMs: 5000 });
          this.emit('reconnecting', { attempt: attempt + 1, delayMs, error: e });
          await sleep(delayMs);
        } finally {
          if (client.usable) await client.logout().catch(() => client.close());
          else client.close();
        }
      }
    }
    const perFolder = [...pass.perFolder.values()];
    const summary: SyncSummary = {
      folders: perFolder.length,
      new: perFolder.reduce((n, f) => n + f.new, 0),
      updated: perFolder.reduce((n, f) => n + f.updated, 0),
      vanished: perFolder.reduce((n, f) => n + f.vanished, 0),
      replayed: pass.replayed,
      durationMs: Math.round(performance.now() - started),
      perFolder,
      renamedFolders: pass.renamedFolders,
      removedFolders: pass.removedFolders,
      failedFolders: pass.failedFolders,
      droppedChanges: pass.droppedChanges,
      reconnects: pass.reconnects,
    };
    this.emit('synced', summary);
    return summary;
  }

  private failure(err: unknown, client: ImapFlow, pass: PassState): AppError {
    return connectionError(err, client, { messages: pass.messages, timeoutMs: this.opts.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS });
  }

  /** One attempt of a pass on one connection: replay, folder list, every wanted folder not finished yet. */
  private async pass(client: ImapFlow, only: readonly string[] | undefined, pass: PassState): Promise<void> {
    watchConnection(client);
    const account = await this.store.ensureAccount(this.opts.account);
    let listed = await this.list(client);
    const listedPaths = new Set(listed.filter((l) => folderInfo(l).selectable).map((l) => l.path));
    await this.applyFolderList(account.id, listed, pass);
    const replayed = await this.replay(client, listedPaths, pass);
    pass.replayed += replayed;
    // moves and deletes changed the counts STATUS gave: ask again
    if (replayed) listed = await this.list(client);
    const folders = await this.store.upsertFolders(account.id, listed.map(folderInfo));
    const status = new Map(listed.map((l) => [l.path, l]));
    let wanted = orderFolders(folders);
    if (only) {
      const unknown = only.filter((p) => !folders.some((f) => f.path === p));
      if (unknown.length) throw new AppError('NOT_FOUND', 'folder not on server', { data: { folder: unknown[0] } });
      wanted = wanted.filter((f) => only.includes(f.path));
    }
    for (const folder of wanted) {
      if (pass.finished.has(folder.path) || pass.failedFolders.some((f) => f.folder === folder.path)) continue;
      try {
        await this.syncFolder(client, folder, status.get(folder.path), pass);
        pass.finished.add(folder.path);
      } catch (err) {
        const e = this.failure(err, client, pass);
        // a lost connection ends this attempt (the caller reconnects); anything else is this folder's alone
        if (connectionFailureOf(e.code) !== null || !client.usable || isStoreFailure(e)) throw e;
        pass.failedFolders.push({ folder: folder.path, code: e.code });
      }
    }
  }

  private list(client: ImapFlow): Promise<ListResponse[]> {
    return client.list({ statusQuery: { uidNext: true, uidValidity: true, highestModseq: true, messages: true } });
  }

  /** Renamed folders keep their messages; folders gone from the server leave the store, their queued changes reported. */
  private async applyFolderList(accountId: number, listed: readonly ListResponse[], pass: PassState): Promise<void> {
    const known = await this.store.listFolders(accountId);
    const withCounts = await Promise.all(known.map(async (f) => ({ id: f.id, path: f.path, uidvalidity: f.uidvalidity, count: await this.store.countMessages(f.id) })));
    const entries = listed.map((l) => ({ path: l.path, selectable: folderInfo(l).selectable, uidvalidity: l.status?.uidValidity?.toString() ?? null }));
    for (const change of planFolderList(withCounts, entries)) {
      if (change.kind === 'rename') {
        const to = listed.find((l) => l.path === change.to)!;
        await this.store.renameFolder(change.folderId, folderInfo(to));
        pass.renamedFolders.push({ from: change.from, to: change.to });
      } else {
        const { removed, droppedOps } = await this.store.removeFolder(change.folderId, { keepRow: change.keepRow });
        const had = known.find((f) => f.id === change.folderId);
        // a folder never synced had nothing to lose: not worth a notice
        if (removed || droppedOps.length || had?.uidvalidity) pass.removedFolders.push({ folder: change.path, messages: removed });
        for (const op of droppedOps) {
          pass.droppedChanges.push({ folder: change.path, kind: op.kind, reason: 'folder-deleted', ...(op.kind === 'move' ? { target: op.payload.target } : {}) });
        }
      }
    }
  }

  private async connect(): Promise<ImapFlow> {
    try {
      return watchConnectionOf(await this.connector.connect());
    } catch (err) {
      const e = imapError(err);
      // the TLS handshake or the greeting stalled: say so, with the delay
      if (e.code === 'NETWORK_STALLED' || e.code === 'TLS_TIMEOUT') {
        throw new AppError('NETWORK_STALLED', e.message, { cause: err, data: { seconds: Math.round((this.opts.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS) / 1000) } });
      }
      throw e;
    }
  }

  private caps(client: ImapFlow): ServerCapabilities {
    return { condstore: client.enabled.has('CONDSTORE') || client.capabilities.has('CONDSTORE'), qresync: client.enabled.has('QRESYNC') };
  }

  private async syncFolder(client: ImapFlow, folder: Folder, listed: ListResponse | undefined, pass: PassState): Promise<FolderSyncResult> {
    const s = listed?.status;
    const server: ServerFolderStatus | null =
      s?.uidValidity !== undefined && s.uidNext !== undefined && s.messages !== undefined
        ? { uidvalidity: s.uidValidity.toString(), uidnext: s.uidNext, highestmodseq: s.highestModseq?.toString() ?? null, messages: s.messages }
        : null;
    const local = { ...folder, count: await this.store.countMessages(folder.id) };
    // No STATUS (rare): decide after SELECT, which yields the same facts.
    const plan = server ? planFolder(local, server, this.caps(client)) : null;
    // a folder resumed after a reconnection adds to what its first attempt counted
    const result: FolderSyncResult = pass.perFolder.get(folder.path) ?? { folder: folder.path, plan: plan?.kind ?? 'incremental', new: 0, updated: 0, vanished: 0 };
    pass.perFolder.set(folder.path, result);
    if (plan?.kind === 'noop') {
      await this.store.setCursor(folder.id, { lastSyncAt: Date.now() });
      return result;
    }
    const mailbox = await client.mailboxOpen(folder.path);
    // imapflow answers undefined instead of throwing once the connection is gone
    if (!mailbox) throw new AppError('NETWORK_CONNECTION_CUT', 'IMAP connection closed');
    const selected: ServerFolderStatus = {
      uidvalidity: mailbox.uidValidity.toString(),
      uidnext: mailbox.uidNext,
      highestmodseq: mailbox.noModseq ? null : (mailbox.highestModseq?.toString() ?? null),
      messages: mailbox.exists,
    };
    // Re-plan on the SELECT facts: the folder may have changed since STATUS.
    let current = planFolder(local, selected, this.caps(client));
    if (current.kind === 'initial') {
      await this.initialSync(client, folder, current, selected, result, pass);
      const after = (await this.store.getFolder(folder.id))!;
      current = planFolder({ ...after, count: await this.store.countMessages(folder.id) }, selected, this.caps(client));
      // arrivals during the download are fetched right away
      if (current.kind !== 'initial' && current.kind !== 'noop') await this.incremental(client, after, current, selected, result, pass);
    } else if (current.kind === 'incremental') {
      await this.incremental(client, folder, current, selected, result, pass);
    } else {
      await this.store.setCursor(folder.id, { lastSyncAt: Date.now() });
    }
    result.plan = result.plan === 'initial' || plan?.kind === 'initial' || current.kind === 'initial' ? 'initial' : current.kind;
    return result;
  }

  private async initialSync(client: ImapFlow, folder: Folder, plan: Extract<FolderPlan, { kind: 'initial' }>, server: ServerFolderStatus, result: FolderSyncResult, pass: PassState): Promise<void> {
    const start = { uidvalidity: server.uidvalidity, uidnext: server.uidnext, highestmodseq: server.highestmodseq };
    if (plan.reason === 'uidvalidity-changed') await this.store.beginUidValidityReset(folder.id, start);
    else if (plan.reason === 'new') await this.store.setCursor(folder.id, { ...start, syncState: 'initial', initialLowUid: null });
    const f = (await this.store.getFolder(folder.id))!;
    const upTo = f.uidnext ?? server.uidnext;
    const serverUids = ((await client.search({ all: true }, { uid: true })) || []) as number[];
    const chunks = initialChunks(serverUids, f.initialLowUid, upTo, this.chunkSize);
    // split the first chunk so the newest messages land first
    if (chunks[0] && chunks[0].length > this.firstChunkSize) chunks.splice(0, 1, chunks[0].slice(0, this.firstChunkSize), chunks[0].slice(this.firstChunkSize));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    let done = 0;
    this.emit('progress', { folder: folder.path, specialUse: folder.specialUse, phase: 'initial', done, total });
    // Pipeline: chunk i+1 downloads while chunk i is parsed and committed (on
    // the store threads when the store is the worker); at most two batches in
    // flight, committed in order by the store.
    let next = chunks.length ? this.fetchFull(client, chunks[0]!, pass) : null;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const messages = await next!;
      next = i + 1 < chunks.length ? this.fetchFull(client, chunks[i + 1]!, pass) : null;
      next?.catch(() => undefined); // awaited at the next turn; never an unhandled rejection meanwhile
      const chunk = chunks[i]!;
      // Cursor = lowest UID of the chunk, committed with the chunk: a crash resumes below it.
      const applying = this.store.applyBatch({ folderId: folder.id, newMessages: messages, cursor: { initialLowUid: Math.min(...chunk) } }).then((r) => {
        result.new += r.inserted;
        result.updated += r.updated;
        done += chunk.length;
        this.emit('progress', { folder: folder.path, specialUse: folder.specialUse, phase: 'initial', done, total });
      });
      applying.catch(() => undefined);
      inflight.push(applying);
      if (inflight.length > 1) await inflight.shift();
    }
    while (inflight.length) await inflight.shift();
    result.vanished += await this.store.finishInitialSync(folder.id, { lastSyncAt: Date.now() });
  }

  private async fetchFull(client: ImapFlow, uids: readonly number[], pass: PassState | null): Promise<IncomingMessage[]> {
    const out: IncomingMessage[] = [];
    for await (const m of client.fetch(toSequenceSet(uids), FETCH_FULL, { uid: true })) {
      out.push(incoming(m));
      if (pass) pass.messages++;
    }
    return out;
  }

  private async incremental(
    client: ImapFlow,
    folder: Folder,
    plan: Extract<FolderPlan, { kind: 'incremental' }>,
    server: ServerFolderStatus,
    result: FolderSyncResult,
    pass: PassState,
  ): Promise<void> {
    const vanishedByServer = new Set<number>();
    const onExpunge = (e: { path: string; uid?: number; vanished?: boolean }): void => {
      if (e.path === folder.path && e.vanished && e.uid) vanishedByServer.add(e.uid);
    };
    client.on('expunge', onExpunge);
    try {
      const localNext = folder.uidnext ?? 1;
      let uidnext = server.uidnext;
      // 1. new arrivals, oldest first, cursor advanced with each chunk
      if (plan.newFrom !== null) {
        const found = ((await client.search({ uid: `${plan.newFrom}:*` }, { uid: true })) || []) as number[];
        const fresh = found.filter((u) => u >= plan.newFrom!).sort((a, b) => a - b);
        const total = fresh.length;
        for (let i = 0; i < fresh.length; i += this.chunkSize) {
          const chunk = fresh.slice(i, i + this.chunkSize);
          const messages = await this.fetchFull(client, chunk, pass);
          const top = Math.max(...chunk) + 1;
          uidnext = Math.max(uidnext, top);
          const r = await this.store.applyBatch({ folderId: folder.id, newMessages: messages, cursor: { uidnext: top } });
          result.new += r.inserted;
          result.updated += r.updated;
          this.emit('progress', { folder: folder.path, specialUse: folder.specialUse, phase: 'incremental', done: Math.min(i + chunk.length, total), total });
        }
      }
      // 2. flag changes of known messages
      const flagUpdates: { uid: number; flags: string[]; modseq: string | null }[] = [];
      let serverUids: number[] | null = null;
      if (plan.flags !== 'none' && localNext > 1) {
        const range = `1:${localNext - 1}`;
        const fetchOpts = plan.flags === 'changedsince' ? { uid: true, changedSince: BigInt(plan.changedSince!) } : { uid: true };
        const seen: number[] = [];
        for await (const m of client.fetch(range, { uid: true, flags: true }, fetchOpts)) {
          seen.push(m.uid);
          flagUpdates.push({ uid: m.uid, flags: [...(m.flags ?? [])], modseq: m.modseq?.toString() ?? null });
        }
        if (plan.flags === 'all') serverUids = seen;
      }
      // 3. expunged messages
      let vanished: number[] = [];
      if (plan.vanished === 'qresync') vanished = [...vanishedByServer];
      else if (plan.vanished === 'uid-diff' && serverUids) {
        const localBelow = (await this.store.localUids(folder.id)).filter((u) => u < localNext);
        vanished = diffUids(localBelow, serverUids).vanished;
      }
      const r = await this.store.applyBatch({
        folderId: folder.id,
        flagUpdates,
        vanishedUids: vanished,
        cursor: { uidnext, highestmodseq: server.highestmodseq, lastSyncAt: Date.now() },
      });
      result.updated += r.updated;
      result.vanished += r.vanished;
      // 4. safety net: counts must agree, else compare UID sets (expunges without QRESYNC, anything missed)
      await this.reconcileCount(client, folder, result);
    } finally {
      client.off('expunge', onExpunge);
    }
  }

  private async reconcileCount(client: ImapFlow, folder: Folder, result: FolderSyncResult): Promise<void> {
    const exists = client.mailbox ? client.mailbox.exists : undefined;
    if (exists === undefined || exists === (await this.store.countMessages(folder.id))) return;
    const serverUids = ((await client.search({ all: true }, { uid: true })) || []) as number[];
    const { vanished, missing } = diffUids(await this.store.localUids(folder.id), serverUids);
    const messages = missing.length ? await this.fetchFull(client, missing, null) : [];
    const r = await this.store.applyBatch({ folderId: folder.id, newMessages: messages, vanishedUids: vanished });
    result.new += r.inserted;
    result.vanished += r.vanished;
  }

  /**
   * Sends queued local changes (flags, moves, deletes) to the server. Returns
   * how many ops were applied. A move into a folder the server no longer has
   * cannot apply: it is dropped and reported, the message stays where it was.
   */
  private async replay(client: ImapFlow, serverPaths: ReadonlySet<string>, pass: PassState): Promise<number> {
    const ops = await this.store.pendingOps();
    if (!ops.length) return 0;
    const byId = new Map(ops.map((o) => [o.id, o]));
    const byFolder = new Map<number, PendingOp[]>();
    for (const op of ops) byFolder.set(op.folderId, [...(byFolder.get(op.folderId) ?? []), op]);
    let applied = 0;
    for (const [folderId, list] of byFolder) {
      const folder = await this.store.getFolder(folderId);
      if (!folder) continue;
      const planned = planReplay(list);
      const impossible = new Set(movesToMissingFolders(planned, serverPaths));
      for (const a of impossible) {
        for (const id of a.opIds) await this.store.dropOp(byId.get(id)!);
        pass.droppedChanges.push({ folder: folder.path, kind: 'move', target: a.target, reason: 'target-missing' });
      }
      const actions = planned.filter((a) => !impossible.has(a as Extract<typeof a, { kind: 'move' }>));
      if (!actions.length) continue;
      await client.mailboxOpen(folder.path);
      let done = 0;
      for (const a of actions) {
        const uid = String(a.uid);
        try {
          if (a.kind === 'flags') {
            if (a.add.length) await client.messageFlagsAdd(uid, a.add.map((f) => IMAP_FLAG[f]), { uid: true });
            if (a.remove.length) await client.messageFlagsRemove(uid, a.remove.map((f) => IMAP_FLAG[f]), { uid: true });
          } else if (a.kind === 'move') {
            const moved = await client.messageMove(uid, a.target, { uid: true });
            if (!moved) throw new AppError('IMAP_FAILED', 'move refused by the server');
          } else {
            await client.messageDelete(uid, { uid: true });
          }
          for (const id of a.opIds) await this.store.completeOp(byId.get(id)!);
          applied += a.opIds.length;
        } catch (err) {
          const e = this.failure(err, client, pass);
          if (connectionFailureOf(e.code) !== null || !client.usable) throw e;
          for (const id of a.opIds) await this.store.failOp(byId.get(id)!, e.message);
        }
        this.emit('progress', { folder: folder.path, specialUse: folder.specialUse, phase: 'replay', done: ++done, total: actions.length });
      }
    }
    return applied;
  }

  /**
   * Stays in sync until `signal` aborts: IDLE on the inbox (new mail and flag
   * changes trigger an inbox pass), a full pass every `periodicMs`, and a new
   * connection after any failure, with capped, jittered backoff.
   */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      let client: ImapFlow | undefined;
      try {
        client = await this.connect();
        if (signal.aborted) break;
        await this.syncOnce({ client, ...(this.opts.folders ? { folders: this.opts.folders } : {}) });
        attempt = 0;
        await this.watch(client, signal);
      } catch (err) {
        if (!signal.aborted) this.emit('error', isAppError(err) ? err : connectionError(err, client ?? undefined, { messages: 0, timeoutMs: this.opts.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS }));
      } finally {
        client?.close();
      }
      if (signal.aborted) break;
      const delayMs = backoffDelay(attempt++, this.opts.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 });
      this.emit('reconnecting', { attempt, delayMs });
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private async watch(client: ImapFlow, signal: AbortSignal): Promise<void> {
    const idleFolder = this.opts.idleFolder ?? 'INBOX';
    await client.mailboxOpen(idleFolder);
    const idle = (): void => void client.idle({ whenFree: true }).catch(() => undefined);
    // An already closed client or aborted signal would never emit again: return at once.
    if (signal.aborted || !client.usable) return;
    await new Promise<void>((resolve) => {
      let running: Promise<void> | null = null;
      let queued: readonly string[] | undefined | null = null; // null: nothing queued; undefined: all folders
      const pass = (folders: readonly string[] | undefined): void => {
        if (running) {
          queued = queued === null || folders === undefined || queued === undefined ? folders : [...new Set([...queued, ...folders])];
          return;
        }
        running = (async () => {
          try {
            await this.syncOnce({ client, ...(folders ? { folders } : {}) });
            await client.mailboxOpen(idleFolder);
            idle();
          } catch (err) {
            this.emit('error', isAppError(err) ? err : connectionError(err, client, { messages: 0, timeoutMs: this.opts.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS }));
            client.close(); // a fresh connection is safer than a half-known state
          } finally {
            running = null;
            if (queued !== null) {
              const q = queued;
              queued = null;
              pass(q);
            }
          }
        })();
      };
      const onChange = (e: { path?: string }): void => {
        if (!e.path || e.path === idleFolder) pass([idleFolder]);
      };
      const timer = setInterval(() => pass(this.opts.folders), this.opts.periodicMs ?? 5 * 60_000);
      const finish = (): void => {
        clearInterval(timer);
        client.off('exists', onChange);
        client.off('expunge', onChange);
        client.off('flags', onChange);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      client.on('exists', onChange);
      client.on('expunge', onChange);
      client.on('flags', onChange);
      client.once('close', finish);
      signal.addEventListener('abort', finish, { once: true });
      idle();
      this.emit('watching', { folder: idleFolder });
    });
  }
}

function folderInfo(l: ListResponse): FolderInfo {
  return {
    path: l.path,
    name: l.name,
    delimiter: l.delimiter ?? null,
    specialUse: specialUseOf(l.path, l.delimiter ?? null, l.specialUse),
    selectable: !l.flags.has('\\Noselect') && !l.flags.has('\\NonExistent'),
  };
}
