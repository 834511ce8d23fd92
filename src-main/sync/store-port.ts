import type { Account, BatchResult, Folder, FolderCursorUpdate, FolderInfo, PendingOp, SyncBatch } from '../store/types.js';

type Awaitable<T> = T | Promise<T>;

/**
 * The part of the store the sync engine uses. MailStore implements it in
 * process; the store worker client implements it across a worker thread
 * (every method may then be async).
 */
export interface SyncStorePort {
  ensureAccount(a: { address: string; displayName?: string | null; imapHost?: string | null; imapPort?: number | null }): Awaitable<Account>;
  upsertFolders(accountId: number, folders: readonly FolderInfo[]): Awaitable<Folder[]>;
  listFolders(accountId?: number): Awaitable<Folder[]>;
  renameFolder(folderId: number, to: FolderInfo): Awaitable<Folder>;
  removeFolder(folderId: number, opts?: { keepRow?: boolean }): Awaitable<{ removed: number; droppedOps: PendingOp[] }>;
  getFolder(id: number): Awaitable<Folder | undefined>;
  countMessages(folderId: number): Awaitable<number>;
  localUids(folderId: number): Awaitable<number[]>;
  /** Takes the batch's raw sources: the store threads move them (client.ts, ownedSources); never read them after. */
  applyBatch(batch: SyncBatch): Promise<BatchResult>;
  setCursor(folderId: number, cursor: FolderCursorUpdate): Awaitable<void>;
  beginUidValidityReset(folderId: number, cursor: FolderCursorUpdate): Awaitable<void>;
  finishInitialSync(folderId: number, cursor: FolderCursorUpdate): Awaitable<number>;
  pendingOps(folderId?: number): Awaitable<PendingOp[]>;
  completeOp(op: PendingOp): Awaitable<void>;
  failOp(op: PendingOp, error: string): Awaitable<void>;
  dropOp(op: PendingOp): Awaitable<void>;
}
