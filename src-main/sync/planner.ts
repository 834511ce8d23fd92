// Pure decisions of the sync engine: which strategy a folder needs, how the
// initial download is cut, what a UID diff says, how queued local changes
// collapse into server commands, and how long to wait before reconnecting.
// No I/O here: everything is unit-tested without a server.
import type { FlagChange, FlagName, FolderSyncState, PendingOp } from '../store/types.js';

export interface ServerCapabilities {
  condstore: boolean;
  qresync: boolean;
}

export interface ServerFolderStatus {
  uidvalidity: string;
  uidnext: number;
  /** null when the server has no CONDSTORE or the folder has NOMODSEQ */
  highestmodseq: string | null;
  messages: number;
}

export interface LocalFolderState {
  uidvalidity: string | null;
  uidnext: number | null;
  highestmodseq: string | null;
  syncState: FolderSyncState;
  initialLowUid: number | null;
  /** messages with a UID stored locally */
  count: number;
}

export type FolderPlan =
  | { kind: 'initial'; reason: 'new' | 'resume' | 'uidvalidity-changed' }
  | { kind: 'noop' }
  | {
      kind: 'incremental';
      /** fetch UIDs >= this (new arrivals); null when UIDNEXT did not move */
      newFrom: number | null;
      /** 'changedsince': CONDSTORE delta; 'all': FLAGS of every message (no CONDSTORE); 'none' */
      flags: 'changedsince' | 'all' | 'none';
      changedSince: string | null;
      /** 'qresync': VANISHED (EARLIER) with the delta; 'uid-diff': compare UID sets; 'count-check': diff only if counts disagree */
      vanished: 'qresync' | 'uid-diff' | 'count-check';
    };

const big = (v: string): bigint => BigInt(v);

/** Chooses the strategy for one folder from the committed local cursor and a fresh server STATUS/SELECT. */
export function planFolder(local: LocalFolderState | undefined, server: ServerFolderStatus, caps: ServerCapabilities): FolderPlan {
  if (!local || local.syncState === 'new' || local.uidvalidity === null || local.uidnext === null) return { kind: 'initial', reason: 'new' };
  if (local.uidvalidity !== server.uidvalidity) return { kind: 'initial', reason: 'uidvalidity-changed' };
  if (local.syncState === 'initial') return { kind: 'initial', reason: 'resume' };

  const newFrom = server.uidnext > local.uidnext ? local.uidnext : null;
  const modseqKnown = caps.condstore && server.highestmodseq !== null && local.highestmodseq !== null;
  if (!modseqKnown) {
    // Without mod-sequences a flag change is invisible: read every flag, which also yields the UID set.
    return { kind: 'incremental', newFrom, flags: 'all', changedSince: null, vanished: 'uid-diff' };
  }
  const modseqMoved = big(server.highestmodseq!) !== big(local.highestmodseq!);
  if (!modseqMoved && newFrom === null && server.messages === local.count) return { kind: 'noop' };
  return {
    kind: 'incremental',
    newFrom,
    flags: modseqMoved ? 'changedsince' : 'none',
    changedSince: modseqMoved ? local.highestmodseq : null,
    vanished: modseqMoved && caps.qresync ? 'qresync' : 'count-check',
  };
}

/**
 * Initial download newest-first: the server UIDs still missing below the
 * cursor, cut in chunks, highest UIDs first (the inbox is readable after the
 * first chunk). `upTo` excludes arrivals after the sync started (they are the
 * incremental pass's job).
 */
export function initialChunks(serverUids: readonly number[], lowCursor: number | null, upTo: number, chunkSize: number): number[][] {
  if (chunkSize < 1) throw new RangeError('chunkSize must be >= 1');
  const todo = serverUids.filter((u) => u < upTo && (lowCursor === null || u < lowCursor)).sort((a, b) => b - a);
  const chunks: number[][] = [];
  for (let i = 0; i < todo.length; i += chunkSize) chunks.push(todo.slice(i, i + chunkSize));
  return chunks;
}

/** What a full UID comparison says: local UIDs the server lost, server UIDs we lack. */
export function diffUids(local: readonly number[], server: readonly number[]): { vanished: number[]; missing: number[] } {
  const s = new Set(server);
  const l = new Set(local);
  return {
    vanished: local.filter((u) => !s.has(u)).sort((a, b) => a - b),
    missing: server.filter((u) => !l.has(u)).sort((a, b) => a - b),
  };
}

/** Compact IMAP sequence-set for UIDs (1,2,3,7 → "1:3,7"). */
export function toSequenceSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export type ReplayAction =
  | { kind: 'flags'; uid: number; add: FlagName[]; remove: FlagName[]; opIds: number[] }
  | { kind: 'move'; uid: number; target: string; opIds: number[] }
  | { kind: 'delete'; uid: number; opIds: number[] };

/**
 * Collapses the queued local changes of one folder into server commands, in
 * queue order per message: successive flag changes merge (last one wins per
 * flag), a move or delete ends the message's story. Messages without a UID
 * (waiting for a UIDVALIDITY rebind) are left queued.
 */
export function planReplay(ops: readonly PendingOp[]): ReplayAction[] {
  const byMessage = new Map<number, PendingOp[]>();
  for (const op of [...ops].sort((a, b) => a.id - b.id)) {
    if (op.uid === null) continue;
    byMessage.set(op.messageId, [...(byMessage.get(op.messageId) ?? []), op]);
  }
  const actions: ReplayAction[] = [];
  for (const list of byMessage.values()) {
    const uid = list[0]!.uid!;
    const flags: FlagChange = {};
    const flagIds: number[] = [];
    let terminal: ReplayAction | null = null;
    for (const op of list) {
      if (terminal) {
        terminal.opIds.push(op.id); // anything after a move/delete is moot
      } else if (op.kind === 'flags') {
        Object.assign(flags, op.payload);
        flagIds.push(op.id);
      } else if (op.kind === 'move') {
        terminal = { kind: 'move', uid, target: op.payload.target, opIds: [op.id] };
      } else {
        terminal = { kind: 'delete', uid, opIds: [op.id] };
      }
    }
    if (flagIds.length) {
      const entries = Object.entries(flags) as [FlagName, boolean][];
      actions.push({ kind: 'flags', uid, add: entries.filter(([, v]) => v).map(([k]) => k), remove: entries.filter(([, v]) => !v).map(([k]) => k), opIds: flagIds });
    }
    if (terminal) actions.push(terminal);
  }
  return actions;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Capped exponential backoff with jitter in [cap/2, cap): reconnecting clients do not stampede. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(cap / 2 + (random() * cap) / 2);
}

const SPECIAL_BY_NAME: Record<string, string> = {
  inbox: '\\Inbox',
  sent: '\\Sent',
  'sent items': '\\Sent',
  'sent messages': '\\Sent',
  envoyés: '\\Sent',
  'éléments envoyés': '\\Sent',
  drafts: '\\Drafts',
  brouillons: '\\Drafts',
  trash: '\\Trash',
  corbeille: '\\Trash',
  'deleted items': '\\Trash',
  junk: '\\Junk',
  spam: '\\Junk',
  indésirables: '\\Junk',
  archive: '\\Archive',
  archives: '\\Archive',
};

/** The server's SPECIAL-USE attribute, else a guess from common (French and English) folder names. */
export function specialUseOf(path: string, delimiter: string | null, serverSpecialUse: string | null | undefined): string | null {
  if (serverSpecialUse) return serverSpecialUse;
  if (path.toUpperCase() === 'INBOX') return '\\Inbox';
  const leaf = (delimiter ? path.split(delimiter).pop()! : path).normalize('NFC').toLowerCase();
  return SPECIAL_BY_NAME[leaf] ?? null;
}

const ORDER = ['\\Inbox', '\\Sent', '\\Drafts', '\\Archive', '\\Flagged', '\\Junk', '\\Trash'];

/** Sync order: the inbox first, then special-use folders, then the rest by path. Non-selectable folders are skipped. */
export function orderFolders<T extends { path: string; specialUse: string | null; selectable: boolean }>(folders: readonly T[]): T[] {
  const rank = (f: T): number => {
    const i = f.specialUse ? ORDER.indexOf(f.specialUse) : -1;
    return i === -1 ? ORDER.length : i;
  };
  return folders.filter((f) => f.selectable).sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
}

// ---------------------------------------------------------------- folder list changes

/** A folder the store knows (with what was synced of it). */
export interface KnownFolder {
  id: number;
  path: string;
  uidvalidity: string | null;
  /** RFC 8474 MAILBOXID, when the server offered OBJECTID */
  mailboxId?: string | null;
  /** messages stored locally (with or without UID) */
  count: number;
}

/** One LIST entry (with its STATUS when the folder is selectable). */
export interface ListedFolder {
  path: string;
  /** false for \Noselect and \NonExistent */
  selectable: boolean;
  uidvalidity: string | null;
  mailboxId?: string | null;
}

export type FolderListChange =
  /** same mailbox under a new name: the row, its messages and UIDs are kept (no re-download) */
  | { kind: 'rename'; folderId: number; from: string; to: string; by: 'mailboxid' | 'uidvalidity' }
  /** gone from LIST (or no longer selectable, keepRow): its messages leave the store */
  | { kind: 'remove'; folderId: number; path: string; keepRow: boolean };

/**
 * What the server's folder list says about the folders we know: which were
 * renamed (recognised by MAILBOXID, else by a UIDVALIDITY that exactly one
 * vanished folder and exactly one new folder share: servers keep it on
 * RENAME, a new folder gets a new one) and which are gone. A name listed as
 * \Noselect / \NonExistent (a parent kept for its children) holds no
 * messages any more.
 */
export function planFolderList(known: readonly KnownFolder[], listed: readonly ListedFolder[]): FolderListChange[] {
  const byPath = new Map(listed.map((l) => [l.path, l]));
  const knownPaths = new Set(known.map((k) => k.path));
  const fresh = listed.filter((l) => l.selectable && !knownPaths.has(l.path));
  const gone = known.filter((k) => !byPath.has(k.path));
  const changes: FolderListChange[] = [];
  const taken = new Set<string>();
  for (const k of gone) {
    let to: ListedFolder | undefined;
    let by: 'mailboxid' | 'uidvalidity' = 'mailboxid';
    if (k.mailboxId) to = fresh.find((l) => l.mailboxId === k.mailboxId);
    if (!to && k.uidvalidity !== null) {
      const sameUv = fresh.filter((l) => l.uidvalidity === k.uidvalidity && !(k.mailboxId && l.mailboxId && l.mailboxId !== k.mailboxId));
      const rivals = gone.filter((g) => g.uidvalidity === k.uidvalidity);
      if (sameUv.length === 1 && rivals.length === 1) {
        to = sameUv[0];
        by = 'uidvalidity';
      }
    }
    if (to && !taken.has(to.path)) {
      taken.add(to.path);
      changes.push({ kind: 'rename', folderId: k.id, from: k.path, to: to.path, by });
    } else {
      changes.push({ kind: 'remove', folderId: k.id, path: k.path, keepRow: false });
    }
  }
  for (const k of known) {
    const l = byPath.get(k.path);
    if (l && !l.selectable && (k.count > 0 || k.uidvalidity !== null)) changes.push({ kind: 'remove', folderId: k.id, path: k.path, keepRow: true });
  }
  return changes;
}

/** Queued moves whose target folder is not on the server (any more): they cannot apply. */
export function movesToMissingFolders(actions: readonly ReplayAction[], serverPaths: ReadonlySet<string>): Extract<ReplayAction, { kind: 'move' }>[] {
  return actions.filter((a): a is Extract<ReplayAction, { kind: 'move' }> => a.kind === 'move' && !serverPaths.has(a.target));
}

// ---------------------------------------------------------------- connection failures

export type ConnectionFailure = 'unreachable' | 'tls' | 'stalled' | 'cut' | 'refused';

/**
 * Whether a failure inside a pass is worth a new connection (the pass then
 * resumes where it was): a stall or a cut, not a refusal, a TLS or
 * certificate failure, or an unreachable server (the run loop's backoff
 * handles those).
 */
export function shouldReconnect(failure: ConnectionFailure | null, attempt: number, maxReconnects: number): boolean {
  return (failure === 'stalled' || failure === 'cut') && attempt < maxReconnects;
}
