import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchMessageObject, ImapFlow, ListResponse } from 'imapflow';
import { AppError, isAppError, toAppError } from '../errors/index.js';
import { storeError } from '../store/database.js';
import { IMAP_FLAG } from '../store/flags.js';
import type { Folder, FolderInfo, IncomingMessage, PendingOp } from '../store/types.js';
import type { ImapConnector } from './connector.js';
import {
  backoffDelay,
  diffUids,
  initialChunks,
  orderFolders,
  planFolder,
  planReplay,
  specialUseOf,
  toSequenceSet,
  type BackoffOptions,
  type FolderPlan,
  type ServerCapabilities,
  type ServerFolderStatus,
} from './planner.js';
import type { SyncStorePort } from './store-port.js';

export interface SyncProgress {
  folder: string;
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

export interface SyncSummary {
  folders: number;
  new: number;
  updated: number;
  vanished: number;
  /** queued local changes sent to the server */
  replayed: number;
  durationMs: number;
  perFolder: FolderSyncResult[];
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
}

export interface SyncEngineEvents {
  progress: [SyncProgress];
  /** a connection or sync failure inside `run()` (it reconnects on its own) */
  error: [AppError];
  reconnecting: [{ attempt: number; delayMs: number }];
  synced: [SyncSummary];
}

const FETCH_FULL = { uid: true, flags: true, source: true, internalDate: true } as const;

function toMs(d: Date | string | undefined): number | null {
  if (d === undefined) return null;
  const t = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(t) ? t : null;
}

function incoming(m: FetchMessageObject): IncomingMessage {
  if (!m.source) throw new AppError('IMAP_FAILED', `server returned no source for UID ${m.uid}`);
  return { uid: m.uid, flags: [...(m.flags ?? [])], modseq: m.modseq?.toString() ?? null, internalDate: toMs(m.internalDate), raw: m.source };
}

/** Maps imapflow/socket failures to our closed set of codes. */
export function imapError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const stored = storeError(err);
  if (stored) return stored;
  const e = err as { code?: string; authenticationFailed?: boolean; message?: string };
  if (e.authenticationFailed) return new AppError('IMAP_AUTH_FAILED', e.message ?? 'authentication failed', { cause: err });
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'NoConnection', 'ClosedAfterConnectTLS'].includes(e.code)) {
    return new AppError('NETWORK_UNREACHABLE', e.message ?? e.code, { cause: err });
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

  /** One pass. Connects (and logs out) itself unless a client is given. */
  async syncOnce(options: { client?: ImapFlow; folders?: readonly string[] } = {}): Promise<SyncSummary> {
    const started = performance.now();
    const own = !options.client;
    const client = options.client ?? (await this.connect());
    try {
      const account = await this.store.ensureAccount(this.opts.account);
      const replayed = await this.replay(client, account.id);
      const listed = await client.list({ statusQuery: { uidNext: true, uidValidity: true, highestModseq: true, messages: true } });
      const folders = await this.store.upsertFolders(account.id, listed.map(folderInfo));
      const status = new Map(listed.map((l) => [l.path, l]));
      let wanted = orderFolders(folders);
      if (options.folders) {
        const unknown = options.folders.filter((p) => !folders.some((f) => f.path === p));
        if (unknown.length) throw new AppError('NOT_FOUND', 'folder not on server', { data: { folder: unknown[0] } });
        wanted = wanted.filter((f) => options.folders!.includes(f.path));
      }
      const perFolder: FolderSyncResult[] = [];
      for (const folder of wanted) perFolder.push(await this.syncFolder(client, folder, status.get(folder.path)));
      const summary: SyncSummary = {
        folders: perFolder.length,
        new: perFolder.reduce((n, f) => n + f.new, 0),
        updated: perFolder.reduce((n, f) => n + f.updated, 0),
        vanished: perFolder.reduce((n, f) => n + f.vanished, 0),
        replayed,
        durationMs: Math.round(performance.now() - started),
        perFolder,
      };
      this.emit('synced', summary);
      return summary;
    } catch (err) {
      throw imapError(err);
    } finally {
      if (own) await client.logout().catch(() => client.close());
    }
  }

  private async connect(): Promise<ImapFlow> {
    try {
      return await this.connector.connect();
    } catch (err) {
      throw imapError(err);
    }
  }

  private caps(client: ImapFlow): ServerCapabilities {
    return { condstore: client.enabled.has('CONDSTORE') || client.capabilities.has('CONDSTORE'), qresync: client.enabled.has('QRESYNC') };
  }

  private async syncFolder(client: ImapFlow, folder: Folder, listed: ListResponse | undefined): Promise<FolderSyncResult> {
    const s = listed?.status;
    const server: ServerFolderStatus | null =
      s?.uidValidity !== undefined && s.uidNext !== undefined && s.messages !== undefined
        ? { uidvalidity: s.uidValidity.toString(), uidnext: s.uidNext, highestmodseq: s.highestModseq?.toString() ?? null, messages: s.messages }
        : null;
    const local = { ...folder, count: await this.store.countMessages(folder.id) };
    // No STATUS (rare): decide after SELECT, which yields the same facts.
    const plan = server ? planFolder(local, server, this.caps(client)) : null;
    const result: FolderSyncResult = { folder: folder.path, plan: plan?.kind ?? 'incremental', new: 0, updated: 0, vanished: 0 };
    if (plan?.kind === 'noop') {
      await this.store.setCursor(folder.id, { lastSyncAt: Date.now() });
      return result;
    }
    const mailbox = await client.mailboxOpen(folder.path);
    // imapflow answers undefined instead of throwing once the connection is gone
    if (!mailbox) throw new AppError('NETWORK_UNREACHABLE', 'IMAP connection closed');
    const selected: ServerFolderStatus = {
      uidvalidity: mailbox.uidValidity.toString(),
      uidnext: mailbox.uidNext,
      highestmodseq: mailbox.noModseq ? null : (mailbox.highestModseq?.toString() ?? null),
      messages: mailbox.exists,
    };
    // Re-plan on the SELECT facts: the folder may have changed since STATUS.
    let current = planFolder(local, selected, this.caps(client));
    if (current.kind === 'initial') {
      await this.initialSync(client, folder, current, selected, result);
      const after = (await this.store.getFolder(folder.id))!;
      current = planFolder({ ...after, count: await this.store.countMessages(folder.id) }, selected, this.caps(client));
      // arrivals during the download are fetched right away
      if (current.kind !== 'initial' && current.kind !== 'noop') await this.incremental(client, after, current, selected, result);
    } else if (current.kind === 'incremental') {
      await this.incremental(client, folder, current, selected, result);
    } else {
      await this.store.setCursor(folder.id, { lastSyncAt: Date.now() });
    }
    result.plan = plan?.kind === 'initial' || current.kind === 'initial' ? 'initial' : current.kind;
    return result;
  }

  private async initialSync(client: ImapFlow, folder: Folder, plan: Extract<FolderPlan, { kind: 'initial' }>, server: ServerFolderStatus, result: FolderSyncResult): Promise<void> {
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
    this.emit('progress', { folder: folder.path, phase: 'initial', done, total });
    // Pipeline: chunk i+1 downloads while chunk i is parsed and committed (on
    // the store threads when the store is the worker); at most two batches in
    // flight, committed in order by the store.
    let next = chunks.length ? this.fetchFull(client, chunks[0]!) : null;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const messages = await next!;
      next = i + 1 < chunks.length ? this.fetchFull(client, chunks[i + 1]!) : null;
      next?.catch(() => undefined); // awaited at the next turn; never an unhandled rejection meanwhile
      const chunk = chunks[i]!;
      // Cursor = lowest UID of the chunk, committed with the chunk: a crash resumes below it.
      const applying = this.store.applyBatch({ folderId: folder.id, newMessages: messages, cursor: { initialLowUid: Math.min(...chunk) } }).then((r) => {
        result.new += r.inserted;
        result.updated += r.updated;
        done += chunk.length;
        this.emit('progress', { folder: folder.path, phase: 'initial', done, total });
      });
      applying.catch(() => undefined);
      inflight.push(applying);
      if (inflight.length > 1) await inflight.shift();
    }
    while (inflight.length) await inflight.shift();
    result.vanished += await this.store.finishInitialSync(folder.id, { lastSyncAt: Date.now() });
  }

  private async fetchFull(client: ImapFlow, uids: readonly number[]): Promise<IncomingMessage[]> {
    const out: IncomingMessage[] = [];
    for await (const m of client.fetch(toSequenceSet(uids), FETCH_FULL, { uid: true })) out.push(incoming(m));
    return out;
  }

  private async incremental(
    client: ImapFlow,
    folder: Folder,
    plan: Extract<FolderPlan, { kind: 'incremental' }>,
    server: ServerFolderStatus,
    result: FolderSyncResult,
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
          const messages = await this.fetchFull(client, chunk);
          const top = Math.max(...chunk) + 1;
          uidnext = Math.max(uidnext, top);
          const r = await this.store.applyBatch({ folderId: folder.id, newMessages: messages, cursor: { uidnext: top } });
          result.new += r.inserted;
          result.updated += r.updated;
          this.emit('progress', { folder: folder.path, phase: 'incremental', done: Math.min(i + chunk.length, total), total });
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
    const messages = missing.length ? await this.fetchFull(client, missing) : [];
    const r = await this.store.applyBatch({ folderId: folder.id, newMessages: messages, vanishedUids: vanished });
    result.new += r.inserted;
    result.vanished += r.vanished;
  }

  /** Sends queued local changes (flags, moves, deletes) to the server. Returns how many ops were applied. */
  private async replay(client: ImapFlow, _accountId: number): Promise<number> {
    const ops = await this.store.pendingOps();
    if (!ops.length) return 0;
    const byId = new Map(ops.map((o) => [o.id, o]));
    const byFolder = new Map<number, PendingOp[]>();
    for (const op of ops) byFolder.set(op.folderId, [...(byFolder.get(op.folderId) ?? []), op]);
    let applied = 0;
    for (const [folderId, list] of byFolder) {
      const folder = await this.store.getFolder(folderId);
      if (!folder) continue;
      const actions = planReplay(list);
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
          const e = imapError(err);
          if (e.code === 'NETWORK_UNREACHABLE') throw e;
          for (const id of a.opIds) await this.store.failOp(byId.get(id)!, e.message);
        }
        this.emit('progress', { folder: folder.path, phase: 'replay', done: ++done, total: actions.length });
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
        if (!signal.aborted) this.emit('error', imapError(err));
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
            this.emit('error', imapError(err));
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
