// The local mail store as one object: a thin facade over the modules that each
// do one job on the same connection (StoreContext):
//   accounts.ts, folders.ts (folder list, cursors), sync-writer.ts (what sync
//   writes), queries.ts (list / show), search.ts (FTS5), pending-ops.ts (queued
//   flags / moves / deletes), tracking.ts (delivery, read receipts),
//   trust-recompute.ts, removal.ts (rows leaving the store).
// The store worker (worker/) exposes these methods by name (protocol.ts).
import * as accounts from './accounts.js';
import { StoreContext } from './context.js';
import { openDatabase, type Db } from './database.js';
import type { DeliveryState, RecipientDelivery, UnconfirmedMessage } from './delivery.js';
import * as folders from './folders.js';
import type { StoreKeyProvider } from './key-provider.js';
import type { ParsedMessage } from './parse.js';
import * as ops from './pending-ops.js';
import * as queries from './queries.js';
import type { ReadReceipt } from './receipts.js';
import { search } from './search.js';
import * as sync from './sync-writer.js';
import * as tracking from './tracking.js';
import { recomputeTrust } from './trust-recompute.js';
import type {
  Account,
  BatchResult,
  FlagChange,
  Folder,
  FolderCounts,
  FolderCursorUpdate,
  FolderInfo,
  ListOptions,
  MessageDetail,
  MessagePage,
  MessageSummary,
  PendingOp,
  StoreHooks,
  SyncBatch,
  TrustRecomputeResult,
} from './types.js';

export interface OpenStoreOptions {
  file: string;
  keyProvider: StoreKeyProvider;
  hooks?: StoreHooks;
  /** integrity check at open (see openDatabase); 'none' only to inspect or rebuild a damaged store */
  check?: 'quick' | 'none';
}

/**
 * The local mail store: one encrypted SQLite file. Every sync write goes
 * through `applyBatch`, one transaction that carries the data AND the folder
 * cursor describing it, so a crash leaves either both or neither.
 */
export class MailStore {
  private readonly ctx: StoreContext;
  private writeChain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: Db,
    hooks: StoreHooks,
  ) {
    this.ctx = new StoreContext(db, hooks);
  }

  static async open(opts: OpenStoreOptions): Promise<MailStore> {
    const key = await opts.keyProvider.getKey();
    try {
      return new MailStore(openDatabase(opts.file, key, opts.check ? { check: opts.check } : {}), opts.hooks ?? {});
    } finally {
      key.fill(0); // SQLite keeps its own copy for the connection (docs/STORE-KEY.md)
    }
  }

  /** Wraps an already opened database (the store worker, tests). */
  static fromDatabase(db: Db, hooks: StoreHooks = {}): MailStore {
    return new MailStore(db, hooks);
  }

  setHooks(hooks: StoreHooks): void {
    this.ctx.hooks = hooks;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- accounts ----

  ensureAccount(a: { address: string; displayName?: string | null; imapHost?: string | null; imapPort?: number | null }): Account {
    return accounts.ensureAccount(this.ctx, a);
  }

  getAccount(address?: string): Account | undefined {
    return accounts.getAccount(this.ctx, address);
  }

  // ---- folders ----

  upsertFolders(accountId: number, list: readonly FolderInfo[]): Folder[] {
    return folders.upsertFolders(this.ctx, accountId, list);
  }

  renameFolder(folderId: number, to: FolderInfo): Folder {
    return folders.renameFolder(this.ctx, folderId, to);
  }

  removeFolder(folderId: number, opts: { keepRow?: boolean } = {}): { removed: number; droppedOps: PendingOp[] } {
    return sync.removeFolder(this.ctx, folderId, opts);
  }

  listFolders(accountId?: number): Folder[] {
    return folders.listFolders(this.ctx, accountId);
  }

  getFolder(id: number): Folder | undefined {
    return folders.getFolder(this.ctx, id);
  }

  findFolder(path: string, accountId?: number): Folder | undefined {
    return folders.findFolder(this.ctx, path, accountId);
  }

  countMessages(folderId: number, includeLocal = false): number {
    return folders.countMessages(this.ctx, folderId, includeLocal);
  }

  localUids(folderId: number): number[] {
    return folders.localUids(this.ctx, folderId);
  }

  folderDigest(folderId: number): Map<number, string> {
    return folders.folderDigest(this.ctx, folderId);
  }

  // ---- the sync write path ----

  /** Parses new messages (outside the transaction), asks the trust provider, then commits everything at once. */
  applyBatch(batch: SyncBatch): Promise<BatchResult> {
    // batches commit strictly in call order (the cursor of one batch assumes the previous ones)
    const run = this.writeChain.then(() => sync.parseAndApply(this.ctx, batch));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  /** Same as applyBatch with the parsing already done (by a parser thread): `parsed[i]` belongs to `batch.newMessages[i]`. */
  applyParsedBatch(batch: SyncBatch, parsed: readonly ParsedMessage[]): BatchResult {
    return sync.applyParsedBatch(this.ctx, batch, parsed);
  }

  setCursor(folderId: number, cursor: FolderCursorUpdate): void {
    folders.setCursor(this.ctx, folderId, cursor);
  }

  beginUidValidityReset(folderId: number, cursor: FolderCursorUpdate): void {
    sync.beginUidValidityReset(this.ctx, folderId, cursor);
  }

  finishInitialSync(folderId: number, cursor: FolderCursorUpdate): number {
    return sync.finishInitialSync(this.ctx, folderId, cursor);
  }

  // ---- reading ----

  listMessages(opts: ListOptions = {}): MessageSummary[] {
    return queries.listMessages(this.ctx, opts);
  }

  countList(opts: Pick<ListOptions, 'folderId' | 'folderPath' | 'threads'> = {}): number {
    return queries.countList(this.ctx, opts);
  }

  listPage(opts: ListOptions = {}): MessagePage {
    return queries.listPage(this.ctx, opts);
  }

  folderCounts(accountId?: number): FolderCounts[] {
    return queries.folderCounts(this.ctx, accountId);
  }

  getMessage(id: number): MessageDetail {
    return queries.getMessage(this.ctx, id);
  }

  delivery(id: number): RecipientDelivery[] {
    return tracking.delivery(this.ctx, id);
  }

  deliveryBadges(ids: readonly number[]): Record<number, DeliveryState> {
    return tracking.deliveryBadges(this.ctx, ids);
  }

  unconfirmedSent(before: number): UnconfirmedMessage[] {
    return tracking.unconfirmedSent(this.ctx, before);
  }

  /** The IHE_XDM.ZIP attachments of every message but `exceptMessage`: where a replaced CDA may be (xdm/replacement.ts). */
  xdmAttachments(exceptMessage: number): { attachmentId: number; messageId: number }[] {
    return queries.xdmAttachments(this.ctx, exceptMessage);
  }

  readReceipts(id: number): ReadReceipt[] {
    return tracking.readReceipts(this.ctx, id);
  }

  getRaw(id: number): { raw: Buffer; sha256: string } {
    return queries.getRaw(this.ctx, id);
  }

  getAttachmentContent(attachmentId: number): Promise<Buffer> {
    return queries.getAttachmentContent(this.ctx, attachmentId);
  }

  search(query: string, opts: { limit?: number; folderId?: number } = {}): MessageSummary[] {
    return search(this.ctx, query, opts);
  }

  // ---- sender trust, after a new annuaire or liste blanche ----

  recomputeTrust(opts: { all?: boolean; batchSize?: number } = {}): Promise<TrustRecomputeResult> {
    return recomputeTrust(this.ctx, opts);
  }

  // ---- local changes (offline), replayed by the sync engine ----

  changeFlags(messageId: number, change: FlagChange): MessageSummary {
    return ops.changeFlags(this.ctx, messageId, change);
  }

  queueMove(messageId: number, targetPath: string): void {
    ops.queueMove(this.ctx, messageId, targetPath);
  }

  queueDelete(messageId: number): void {
    ops.queueDelete(this.ctx, messageId);
  }

  pendingOps(folderId?: number): PendingOp[] {
    return ops.pendingOps(this.ctx, folderId);
  }

  completeOp(op: PendingOp): void {
    ops.completeOp(this.ctx, op);
  }

  failOp(op: PendingOp, error: string): void {
    ops.failOp(this.ctx, op, error);
  }

  dropOp(op: PendingOp): void {
    ops.dropOp(this.ctx, op);
  }
}
