import { AppError } from '../errors/index.js';
import { openDatabase, type Db } from './database.js';
import { classifyFlags } from './flags.js';
import type { StoreKeyProvider } from './key-provider.js';
import { attachmentContent, htmlToText, parseMessage, sha256Hex, type MailAddress, type ParsedMessage } from './parse.js';
import { ftsQuery } from './search-query.js';
import { receiptsForMessage, recordReceipt, type ReadReceipt } from './receipts.js';
import { DELIVERY_RANK, deliveryEvents, deliveryOf, type DeliveryState, recordDeliveryReport, unconfirmedMessages, type DeliveryChange, type RecipientDelivery, type UnconfirmedMessage } from './delivery.js';
import type { ParsedDsn } from './delivery-report.js';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type {
  Account,
  AttachmentInfo,
  BatchResult,
  FlagChange,
  Folder,
  FolderCursorUpdate,
  FolderCounts,
  FolderInfo,
  IncomingMessage,
  ListOptions,
  MessageDetail,
  MessagePage,
  MessageSummary,
  PendingOp,
  RemovedMessageEvent,
  StoreHooks,
  StoredMessageEvent,
  SyncBatch,
  TrustRecomputeResult,
} from './types.js';

type Row = Record<string, unknown>;

const json = (v: unknown): string => JSON.stringify(v);
const parseJson = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
const addrText = (list: readonly MailAddress[]): string => list.map((a) => `${a.name} ${a.address}`).join(' ');

function folderFromRow(r: Row): Folder {
  return {
    id: r.id as number,
    accountId: r.account_id as number,
    path: r.path as string,
    name: r.name as string,
    delimiter: (r.delimiter as string | null) ?? null,
    specialUse: (r.special_use as string | null) ?? null,
    selectable: r.selectable === 1,
    uidvalidity: (r.uidvalidity as string | null) ?? null,
    uidnext: (r.uidnext as number | null) ?? null,
    highestmodseq: (r.highestmodseq as string | null) ?? null,
    syncState: r.sync_state as Folder['syncState'],
    initialLowUid: (r.initial_low_uid as number | null) ?? null,
    lastSyncAt: (r.last_sync_at as number | null) ?? null,
  };
}

function summaryFromRow(r: Row): MessageSummary {
  return {
    id: r.id as number,
    folderId: r.folder_id as number,
    folderPath: r.folder_path as string,
    uid: (r.uid as number | null) ?? null,
    date: (r.date as number | null) ?? (r.internal_date as number | null) ?? null,
    from: parseJson<MailAddress | null>(r.from_json, null),
    to: parseJson<MailAddress[]>(r.to_json, []),
    subject: (r.subject as string | null) ?? null,
    flags: {
      seen: r.seen === 1,
      flagged: r.flagged === 1,
      answered: r.answered === 1,
      deleted: r.deleted === 1,
      draft: r.draft === 1,
      keywords: parseJson<string[]>(r.keywords_json, []),
    },
    hasAttachments: r.has_attachments === 1,
    threadId: (r.thread_id as string | null) ?? null,
    size: r.size as number,
    sha256: r.sha256 as string,
    trust: parseJson<unknown>(r.trust_json, null),
  };
}

const SUMMARY_COLUMNS = `m.id, m.folder_id, f.path AS folder_path, m.uid, m.date, m.internal_date, m.from_json, m.to_json, m.subject,
  m.seen, m.flagged, m.answered, m.deleted, m.draft, m.keywords_json, m.has_attachments, m.thread_id, m.size, m.sha256, m.trust_json`;

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
  private hooks: StoreHooks;
  private readonly statements = new Map<string, Statement>();
  private writeChain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: Db,
    hooks: StoreHooks,
  ) {
    this.hooks = hooks;
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

  /** Prepared once per SQL text: the write path runs the same few statements thousands of times. */
  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  setHooks(hooks: StoreHooks): void {
    this.hooks = hooks;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- accounts ----

  ensureAccount(a: { address: string; displayName?: string | null; imapHost?: string | null; imapPort?: number | null }): Account {
    const address = a.address.toLowerCase();
    this.db
      .prepare(
        `INSERT INTO accounts (address, display_name, imap_host, imap_port, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET display_name = coalesce(excluded.display_name, display_name),
           imap_host = coalesce(excluded.imap_host, imap_host), imap_port = coalesce(excluded.imap_port, imap_port)`,
      )
      .run(address, a.displayName ?? null, a.imapHost ?? null, a.imapPort ?? null, Date.now());
    return this.getAccount(address)!;
  }

  getAccount(address?: string): Account | undefined {
    const r = (
      address
        ? this.stmt('SELECT * FROM accounts WHERE address = ?').get(address.toLowerCase())
        : this.stmt('SELECT * FROM accounts ORDER BY id LIMIT 1').get()
    ) as Row | undefined;
    if (!r) return undefined;
    return {
      id: r.id as number,
      address: r.address as string,
      displayName: (r.display_name as string | null) ?? null,
      imapHost: (r.imap_host as string | null) ?? null,
      imapPort: (r.imap_port as number | null) ?? null,
      settings: parseJson<Record<string, unknown>>(r.settings_json, {}),
    };
  }

  // ---- folders ----

  /** Records the server's folder list. Folders gone from the server are kept while they hold messages. */
  upsertFolders(accountId: number, folders: readonly FolderInfo[]): Folder[] {
    const upsert = this.stmt(
      `INSERT INTO folders (account_id, path, name, delimiter, special_use, selectable) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, path) DO UPDATE SET name = excluded.name, delimiter = excluded.delimiter,
         special_use = excluded.special_use, selectable = excluded.selectable`,
    );
    this.db.transaction(() => {
      for (const f of folders) upsert.run(accountId, f.path, f.name, f.delimiter, f.specialUse, f.selectable ? 1 : 0);
      const keep = new Set(folders.map((f) => f.path));
      for (const f of this.listFolders(accountId)) {
        if (!keep.has(f.path) && this.countMessages(f.id, true) === 0) {
          this.stmt('DELETE FROM folders WHERE id = ?').run(f.id);
        }
      }
    }).immediate();
    return this.listFolders(accountId);
  }

  /**
   * The folder was renamed on the server (recognised by the sync planner):
   * the row, its messages and their UIDs stay; only the path and names change.
   */
  renameFolder(folderId: number, to: FolderInfo): Folder {
    this.db.transaction(() => {
      this.stmt('UPDATE folders SET path = ?, name = ?, delimiter = ?, special_use = ?, selectable = ? WHERE id = ?').run(
        to.path,
        to.name,
        to.delimiter,
        to.specialUse,
        to.selectable ? 1 : 0,
        folderId,
      );
    }).immediate();
    const f = this.getFolder(folderId);
    if (!f) throw new AppError('NOT_FOUND', `folder ${folderId} not found`, { data: { id: folderId } });
    return f;
  }

  /**
   * The folder is gone from the server: its messages leave the store and the
   * folder row goes (or stays, emptied, when it is still listed as
   * non-selectable). Returns the queued changes that were dropped with the
   * messages, so that the caller reports them instead of losing them silently.
   */
  removeFolder(folderId: number, opts: { keepRow?: boolean } = {}): { removed: number; droppedOps: PendingOp[] } {
    return this.db.transaction(() => {
      const droppedOps = this.pendingOps(folderId);
      const rows = this.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ?').all(folderId) as {
        id: number;
        folder_id: number;
        uid: number | null;
        sha256: string;
      }[];
      const removed = this.removeRows(rows, 'folder-deleted');
      if (opts.keepRow) {
        this.updateCursor(folderId, { syncState: 'new', initialLowUid: null });
        this.stmt('UPDATE folders SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL WHERE id = ?').run(folderId);
      } else {
        this.stmt('DELETE FROM folders WHERE id = ?').run(folderId);
      }
      return { removed, droppedOps };
    }).immediate();
  }

  listFolders(accountId?: number): Folder[] {
    const rows = (
      accountId === undefined
        ? this.stmt('SELECT * FROM folders ORDER BY path').all()
        : this.stmt('SELECT * FROM folders WHERE account_id = ? ORDER BY path').all(accountId)
    ) as Row[];
    return rows.map(folderFromRow);
  }

  getFolder(id: number): Folder | undefined {
    const r = this.stmt('SELECT * FROM folders WHERE id = ?').get(id) as Row | undefined;
    return r ? folderFromRow(r) : undefined;
  }

  findFolder(path: string, accountId?: number): Folder | undefined {
    const r = (
      accountId === undefined
        ? this.stmt('SELECT * FROM folders WHERE path = ? ORDER BY account_id LIMIT 1').get(path)
        : this.stmt('SELECT * FROM folders WHERE account_id = ? AND path = ?').get(accountId, path)
    ) as Row | undefined;
    return r ? folderFromRow(r) : undefined;
  }

  /** Messages of a folder that have a server UID (what the server should also have). */
  countMessages(folderId: number, includeLocal = false): number {
    const sql = includeLocal
      ? 'SELECT count(*) AS n FROM messages WHERE folder_id = ?'
      : 'SELECT count(*) AS n FROM messages WHERE folder_id = ? AND uid IS NOT NULL';
    return (this.stmt(sql).get(folderId) as { n: number }).n;
  }

  localUids(folderId: number): number[] {
    return (this.stmt('SELECT uid FROM messages WHERE folder_id = ? AND uid IS NOT NULL ORDER BY uid').pluck().all(folderId) as number[]);
  }

  /** UID → SHA-256 of every stored message of a folder (crash tests, diagnostics). */
  folderDigest(folderId: number): Map<number, string> {
    const rows = this.stmt('SELECT uid, sha256 FROM messages WHERE folder_id = ? AND uid IS NOT NULL').all(folderId) as { uid: number; sha256: string }[];
    return new Map(rows.map((r) => [r.uid, r.sha256]));
  }

  // ---- the sync write path ----

  /** Parses new messages (outside the transaction), asks the trust provider, then commits everything at once. */
  applyBatch(batch: SyncBatch): Promise<BatchResult> {
    // batches commit strictly in call order (the cursor of one batch assumes the previous ones)
    const run = this.writeChain.then(() => this.parseAndApply(batch));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async parseAndApply(batch: SyncBatch): Promise<BatchResult> {
    const parsed: ParsedMessage[] = [];
    for (const msg of batch.newMessages ?? []) parsed.push(await parseMessage(msg.raw));
    return this.applyParsedBatch(batch, parsed);
  }

  /**
   * Same as applyBatch with the parsing already done (by a parser thread):
   * `parsed[i]` belongs to `batch.newMessages[i]`.
   */
  applyParsedBatch(batch: SyncBatch, parsed: readonly ParsedMessage[]): BatchResult {
    const folder = this.getFolder(batch.folderId);
    if (!folder) throw new AppError('NOT_FOUND', `folder ${batch.folderId} does not exist`);
    const incoming = batch.newMessages ?? [];
    if (parsed.length !== incoming.length) throw new AppError('INTERNAL', 'parsed messages do not match the batch');
    const prepared = incoming.map((msg, i) => {
      const p = parsed[i]!;
      let trust: string | null = null;
      if (this.hooks.trust) {
        const decision = this.hooks.trust(p, { folderPath: folder.path, raw: msg.raw });
        trust = decision === null || decision === undefined ? null : json(decision);
      }
      // a read receipt is recognised here, outside the transaction, and recorded with its message
      return { msg, parsed: p, trust, receipt: this.hooks.receipt?.(p, msg.raw) ?? null, report: this.hooks.deliveryReport?.(p, msg.raw) ?? null };
    });
    return this.db.transaction(() => this.commitBatch(batch, prepared)).immediate();
  }

  private commitBatch(batch: SyncBatch, prepared: { msg: IncomingMessage; parsed: ParsedMessage; trust: string | null; receipt: ReadReceipt | null; report: ParsedDsn | null }[]): BatchResult {
    const result: BatchResult = { inserted: 0, updated: 0, vanished: 0 };
    const stored: StoredMessageEvent[] = [];
    const folderId = batch.folderId;
    const existing = this.stmt('SELECT id FROM messages WHERE folder_id = ? AND uid = ?').pluck();
    const orphan = this.stmt('SELECT id FROM messages WHERE folder_id = ? AND uid IS NULL AND orphaned_at IS NOT NULL AND sha256 = ? LIMIT 1').pluck();
    const rebind = this.stmt('UPDATE messages SET uid = ?, orphaned_at = NULL WHERE id = ?');
    const deliveryChanges: DeliveryChange[] = [];
    for (const { msg, parsed, trust, receipt, report } of prepared) {
      const id = existing.get(folderId, msg.uid) as number | undefined;
      if (id !== undefined) {
        this.applyServerFlags(id, msg.flags, msg.modseq ?? null);
        result.updated++;
        continue;
      }
      const orphanId = orphan.get(folderId, parsed.sha256) as number | undefined;
      if (orphanId !== undefined) {
        rebind.run(msg.uid, orphanId);
        this.applyServerFlags(orphanId, msg.flags, msg.modseq ?? null);
        stored.push({ messageRowId: orphanId, folderId, uid: msg.uid, sha256: parsed.sha256, messageId: parsed.messageId, kind: 'rebound' });
        result.updated++;
        continue;
      }
      const rowId = this.insertMessage(folderId, msg, parsed, trust);
      if (receipt) recordReceipt(this.db, folderId, rowId, parsed.sha256, receipt);
      if (report) deliveryChanges.push(...recordDeliveryReport(this.db, rowId, parsed.sha256, report));
      stored.push({ messageRowId: rowId, folderId, uid: msg.uid, sha256: parsed.sha256, messageId: parsed.messageId, kind: 'inserted' });
      result.inserted++;
    }
    for (const u of batch.flagUpdates ?? []) {
      const id = existing.get(folderId, u.uid) as number | undefined;
      if (id !== undefined && this.applyServerFlags(id, u.flags, u.modseq ?? null)) result.updated++;
    }
    if (batch.vanishedUids?.length) result.vanished = this.removeUids(folderId, batch.vanishedUids, 'vanished');
    if (stored.length && this.hooks.onMessagesStored) this.hooks.onMessagesStored(this.db, stored);
    if (deliveryChanges.length && this.hooks.onDeliveryChanges) this.hooks.onDeliveryChanges(this.db, deliveryChanges);
    if (batch.cursor) this.updateCursor(folderId, batch.cursor);
    return result;
  }

  private insertMessage(folderId: number, msg: IncomingMessage, p: ParsedMessage, trust: string | null): number {
    const f = classifyFlags(msg.flags);
    const info = this.stmt(
      `INSERT INTO messages (folder_id, uid, modseq, message_id, in_reply_to, references_json, thread_id, date, internal_date,
         received_at, subject, from_json, sender_json, reply_to_json, to_json, cc_json, bcc_json, from_address, size, sha256,
         seen, flagged, answered, deleted, draft, keywords_json, has_attachments, trust_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
        folderId, msg.uid, msg.modseq ?? null, p.messageId, p.inReplyTo, json(p.references), p.threadId, p.date, msg.internalDate ?? null,
        Date.now(), p.subject, p.from ? json(p.from) : null, p.sender ? json(p.sender) : null, json(p.replyTo), json(p.to), json(p.cc),
        json(p.bcc), p.from?.address ?? null, p.size, p.sha256,
        +f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords), p.attachments.length > 0 ? 1 : 0, trust,
      );
    const id = Number(info.lastInsertRowid);
    this.stmt('INSERT INTO message_sources (message_id, raw, sha256) VALUES (?, ?, ?)').run(id, msg.raw, p.sha256);
    this.stmt('INSERT INTO message_bodies (message_id, text, html) VALUES (?, ?, ?)').run(id, p.text, p.html);
    // No second copy of the content: it is re-extracted from the raw source on demand (getAttachmentContent).
    // An empty `content` with a non-zero size means exactly that; rows stored before keep their copy.
    const att = this.stmt(
      "INSERT INTO attachments (message_id, part_index, filename, mime_type, disposition, content_id, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, x'')",
    );
    p.attachments.forEach((a, i) => att.run(id, i, a.filename, a.mimeType, a.disposition, a.contentId, a.size, a.sha256));
    this.stmt('INSERT INTO messages_fts (rowid, subject, senders, recipients, body, attachment_names) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        p.subject ?? '',
        addrText([...(p.from ? [p.from] : []), ...(p.sender ? [p.sender] : [])]),
        addrText([...p.to, ...p.cc]),
        p.text ?? (p.html ? htmlToText(p.html) : ''),
        p.attachments.map((a) => a.filename ?? '').join(' '),
      );
    return id;
  }

  /** Server flags win unless a local flag change is still queued for this message. Returns true if changed. */
  private applyServerFlags(id: number, flags: readonly string[], modseq: string | null): boolean {
    const pending = this.stmt("SELECT 1 FROM pending_ops WHERE message_id = ? AND kind = 'flags' LIMIT 1").get(id);
    if (pending) return false;
    const f = classifyFlags(flags);
    const info = this.stmt(
      `UPDATE messages SET seen = ?, flagged = ?, answered = ?, deleted = ?, draft = ?, keywords_json = ?, modseq = coalesce(?, modseq)
       WHERE id = ? AND (seen, flagged, answered, deleted, draft, keywords_json) IS NOT (?, ?, ?, ?, ?, ?)`,
    ).run(+f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords), modseq, id, +f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords));
    return info.changes > 0;
  }

  private removeRows(rows: { id: number; folder_id: number; uid: number | null; sha256: string }[], reason: RemovedMessageEvent['reason']): number {
    const delFts = this.stmt('DELETE FROM messages_fts WHERE rowid = ?');
    const del = this.stmt('DELETE FROM messages WHERE id = ?');
    for (const r of rows) {
      delFts.run(r.id);
      del.run(r.id);
    }
    if (rows.length && this.hooks.onMessagesRemoved) {
      this.hooks.onMessagesRemoved(
        this.db,
        rows.map((r) => ({ messageRowId: r.id, folderId: r.folder_id, uid: r.uid, sha256: r.sha256, reason })),
      );
    }
    return rows.length;
  }

  private removeUids(folderId: number, uids: readonly number[], reason: RemovedMessageEvent['reason']): number {
    const get = this.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ? AND uid = ?');
    const rows = uids.map((u) => get.get(folderId, u) as { id: number; folder_id: number; uid: number; sha256: string } | undefined).filter((r) => r !== undefined);
    return this.removeRows(rows, reason);
  }

  private updateCursor(folderId: number, c: FolderCursorUpdate): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const put = (col: string, v: unknown): void => {
      sets.push(`${col} = ?`);
      values.push(v);
    };
    if (c.uidvalidity !== undefined) put('uidvalidity', c.uidvalidity);
    if (c.uidnext !== undefined) put('uidnext', c.uidnext);
    if (c.highestmodseq !== undefined) put('highestmodseq', c.highestmodseq);
    if (c.syncState !== undefined) put('sync_state', c.syncState);
    if (c.initialLowUid !== undefined) put('initial_low_uid', c.initialLowUid);
    if (c.lastSyncAt !== undefined) put('last_sync_at', c.lastSyncAt);
    if (sets.length) this.stmt(`UPDATE folders SET ${sets.join(', ')} WHERE id = ?`).run(...values, folderId);
  }

  /** Commits only a cursor (e.g. start of an initial sync). */
  setCursor(folderId: number, cursor: FolderCursorUpdate): void {
    this.db.transaction(() => this.updateCursor(folderId, cursor)).immediate();
  }

  /**
   * UIDVALIDITY changed: every UID of the folder is void. Rows are kept as
   * orphans (uid NULL) so that re-downloaded messages with the same SHA-256
   * are rebound to their new UID, keeping their local data (trust, journal
   * references, queued changes); the folder restarts an initial sync.
   */
  beginUidValidityReset(folderId: number, cursor: FolderCursorUpdate): void {
    this.db.transaction(() => {
      this.stmt('UPDATE messages SET uid = NULL, orphaned_at = ? WHERE folder_id = ? AND uid IS NOT NULL').run(Date.now(), folderId);
      this.updateCursor(folderId, { ...cursor, syncState: 'initial', initialLowUid: null });
    }).immediate();
  }

  /** End of an initial sync: commits the cursor and drops orphans the server no longer has. */
  finishInitialSync(folderId: number, cursor: FolderCursorUpdate): number {
    return this.db.transaction(() => {
      const rows = this.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ? AND uid IS NULL AND orphaned_at IS NOT NULL').all(folderId) as {
        id: number;
        folder_id: number;
        uid: number | null;
        sha256: string;
      }[];
      const n = this.removeRows(rows, 'uidvalidity-orphan');
      this.updateCursor(folderId, { ...cursor, syncState: 'ready', initialLowUid: null });
      return n;
    }).immediate();
  }

  // ---- reading ----

  /**
   * One page of a list, by date either way, optionally one row per thread.
   * The page's ids are read from an index only (migration 005), so a deep
   * OFFSET in a 100,000-message folder skips index entries, not rows.
   * Ties on the date are broken by row id, so that 'asc' is exactly 'desc' reversed.
   */
  listMessages(opts: ListOptions = {}): MessageSummary[] {
    const folderId = this.listFolderId(opts);
    const limit = opts.limit ?? 50;
    const offset = opts.offset ?? 0;
    const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
    const tie = opts.order === 'asc' ? 'DESC' : 'ASC';
    if (opts.threads) return this.listThreads(folderId, dir, tie, limit, offset);
    const [index, where, args] =
      folderId === undefined
        ? ['messages_sortdate', 'pending_removal = 0', []]
        : ['messages_folder_list', 'folder_id = ? AND pending_removal = 0', [folderId]];
    const ids = this.stmt(
      `SELECT id FROM messages INDEXED BY ${index} WHERE ${where} ORDER BY coalesce(date, internal_date) ${dir}, id ${tie} LIMIT ? OFFSET ?`,
    )
      .pluck()
      .all(...args, limit, offset) as number[];
    return this.summariesInOrder(ids);
  }

  /** Total of the list `listMessages` pages through (messages, or threads when grouped). */
  countList(opts: Pick<ListOptions, 'folderId' | 'folderPath' | 'threads'> = {}): number {
    const folderId = this.listFolderId(opts);
    const folderFilter = folderId === undefined ? '' : 'folder_id = ? AND';
    const args = folderId === undefined ? [] : [folderId];
    const sql = opts.threads
      ? `SELECT count(*) FROM (SELECT 1 FROM messages WHERE ${folderFilter} pending_removal = 0 GROUP BY thread_id)`
      : `SELECT count(*) FROM messages WHERE ${folderFilter} pending_removal = 0`;
    return this.stmt(sql).pluck().get(...args) as number;
  }

  /** `listMessages` and `countList` together: what one screen of the window asks. */
  listPage(opts: ListOptions = {}): MessagePage {
    return { total: this.countList(opts), items: this.listMessages(opts) };
  }

  /**
   * Visible and unread messages of every folder, in one query answered from
   * indexes (migration 005): no message row is read, whatever the folder size.
   */
  folderCounts(accountId?: number): FolderCounts[] {
    const rows = this.stmt(
      `SELECT f.id AS folderId,
         (SELECT count(*) FROM messages m INDEXED BY messages_folder_list WHERE m.folder_id = f.id AND m.pending_removal = 0) AS total,
         (SELECT count(*) FROM messages m INDEXED BY messages_folder_unread WHERE m.folder_id = f.id AND m.seen = 0 AND m.pending_removal = 0) AS unread
       FROM folders f WHERE @account IS NULL OR f.account_id = @account ORDER BY f.path`,
    ).all({ account: accountId ?? null }) as FolderCounts[];
    return rows;
  }

  private listFolderId(opts: Pick<ListOptions, 'folderId' | 'folderPath'>): number | undefined {
    const folderId = opts.folderId ?? (opts.folderPath !== undefined ? this.findFolder(opts.folderPath)?.id : undefined);
    if (opts.folderPath !== undefined && folderId === undefined) throw new AppError('NOT_FOUND', 'folder not found', { data: { folder: opts.folderPath } });
    return folderId;
  }

  /**
   * One row per thread: the newest message of each thread (SQLite gives the bare
   * `id` of the row holding max()), threads ordered by that message's date.
   * insertMessage always sets thread_id, so no message is grouped under NULL.
   */
  private listThreads(folderId: number | undefined, dir: string, tie: string, limit: number, offset: number): MessageSummary[] {
    const folderFilter = folderId === undefined ? '' : 'folder_id = ? AND';
    const rows = this.stmt(
      `SELECT id, max(coalesce(date, internal_date)) AS sd, count(*) AS n FROM messages
       ${folderId === undefined ? '' : 'INDEXED BY messages_folder_thread'}
       WHERE ${folderFilter} pending_removal = 0 GROUP BY thread_id ORDER BY sd ${dir}, id ${tie} LIMIT ? OFFSET ?`,
    ).all(...(folderId === undefined ? [] : [folderId]), limit, offset) as { id: number; n: number }[];
    const summaries = this.summariesInOrder(rows.map((r) => r.id));
    return summaries.map((s, i) => ({ ...s, threadSize: rows[i]!.n }));
  }

  /** Summaries of the given rows, in the given order (one query). */
  private summariesInOrder(ids: readonly number[]): MessageSummary[] {
    if (ids.length === 0) return [];
    const rows = this.stmt(
      `SELECT ${SUMMARY_COLUMNS} FROM json_each(?) j JOIN messages m ON m.id = j.value JOIN folders f ON f.id = m.folder_id ORDER BY j.key`,
    ).all(json(ids)) as Row[];
    return rows.map(summaryFromRow);
  }

  getMessage(id: number): MessageDetail {
    const r = this.db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS}, m.message_id, m.in_reply_to, m.references_json, m.cc_json, m.bcc_json, m.reply_to_json,
           m.sender_json, m.received_at, b.text, b.html
         FROM messages m JOIN folders f ON f.id = m.folder_id LEFT JOIN message_bodies b ON b.message_id = m.id WHERE m.id = ?`,
      )
      .get(id) as Row | undefined;
    if (!r) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
    const attachments = (
      this.stmt('SELECT id, part_index, filename, mime_type, disposition, content_id, size, sha256 FROM attachments WHERE message_id = ? ORDER BY part_index').all(id) as Row[]
    ).map(
      (a): AttachmentInfo => ({
        id: a.id as number,
        index: a.part_index as number,
        filename: (a.filename as string | null) ?? null,
        mimeType: a.mime_type as string,
        disposition: (a.disposition as string | null) ?? null,
        contentId: (a.content_id as string | null) ?? null,
        size: a.size as number,
        sha256: a.sha256 as string,
      }),
    );
    return {
      ...summaryFromRow(r),
      messageId: (r.message_id as string | null) ?? null,
      inReplyTo: (r.in_reply_to as string | null) ?? null,
      references: parseJson<string[]>(r.references_json, []),
      to: parseJson<MailAddress[]>(r.to_json, []),
      cc: parseJson<MailAddress[]>(r.cc_json, []),
      bcc: parseJson<MailAddress[]>(r.bcc_json, []),
      replyTo: parseJson<MailAddress[]>(r.reply_to_json, []),
      sender: parseJson<MailAddress | null>(r.sender_json, null),
      receivedAt: r.received_at as number,
      text: (r.text as string | null) ?? null,
      html: (r.html as string | null) ?? null,
      attachments,
    };
  }

  /**
   * Per-recipient delivery of a message we sent (delivery.ts): its To/Cc/Bcc, each with the
   * furthest state reached. [] for a message that is not in a Sent folder.
   */
  delivery(id: number): RecipientDelivery[] {
    const m = this.getMessage(id);
    const folder = this.getFolder(m.folderId);
    if (!m.messageId || folder?.specialUse !== '\\Sent') return [];
    const recipients = [...m.to, ...m.cc, ...m.bcc].map((a) => a.address).filter(Boolean);
    return deliveryOf(deliveryEvents(this.db, m.messageId), recipients);
  }

  /** For a list's icon: per message of a Sent folder, the least advanced recipient's state (a failure wins). */
  deliveryBadges(ids: readonly number[]): Record<number, DeliveryState> {
    const out: Record<number, DeliveryState> = {};
    for (const id of ids) {
      const list = this.delivery(id);
      if (!list.length) continue;
      out[id] = list.some((r) => r.state === 'failed') ? 'failed' : list.reduce((a, r) => (DELIVERY_RANK[r.state] < DELIVERY_RANK[a] ? r.state : a), list[0]!.state);
    }
    return out;
  }

  /** Sent messages submitted before `before` (ms) that some recipient has not confirmed yet. */
  unconfirmedSent(before: number): UnconfirmedMessage[] {
    return unconfirmedMessages(this.db, before);
  }

  /** The IHE_XDM.ZIP attachments of every message but `exceptMessage`: where a replaced CDA may be (xdm/replacement.ts). */
  xdmAttachments(exceptMessage: number): { attachmentId: number; messageId: number }[] {
    const rows = this.stmt(`SELECT id, message_id FROM attachments WHERE upper(trim(filename)) = 'IHE_XDM.ZIP' AND message_id <> ? ORDER BY id`).all(exceptMessage) as { id: number; message_id: number }[];
    return rows.map((r) => ({ attachmentId: r.id, messageId: r.message_id }));
  }

  /** Read receipts received for a message of a Sent folder (receipts.ts); [] for any other message. */
  readReceipts(id: number): ReadReceipt[] {
    return receiptsForMessage(this.db, id);
  }

  /** The exact bytes received from the server, and their SHA-256. */
  getRaw(id: number): { raw: Buffer; sha256: string } {
    const r = this.stmt('SELECT raw, sha256 FROM message_sources WHERE message_id = ?').get(id) as { raw: Buffer; sha256: string } | undefined;
    if (!r) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
    return r;
  }

  /** The decoded bytes of an attachment, re-extracted from the raw source and checked against the stored SHA-256. */
  async getAttachmentContent(attachmentId: number): Promise<Buffer> {
    const r = this.stmt('SELECT message_id, part_index, size, sha256, content FROM attachments WHERE id = ?').get(attachmentId) as
      | { message_id: number; part_index: number; size: number; sha256: string; content: Buffer }
      | undefined;
    if (!r) throw new AppError('NOT_FOUND', `attachment ${attachmentId} not found`);
    if (r.content.length > 0 || r.size === 0) return r.content; // stored before the content was dropped
    const content = await attachmentContent(this.getRaw(r.message_id).raw, r.part_index);
    if (!content || content.length !== r.size || sha256Hex(content) !== r.sha256) {
      throw new AppError('STORE_CORRUPT', `attachment ${attachmentId} does not match its SHA-256 when re-extracted from the source`);
    }
    return content;
  }

  /** Accent-insensitive full-text search, newest first. */
  search(query: string, opts: { limit?: number; folderId?: number } = {}): MessageSummary[] {
    const match = ftsQuery(query);
    if (!match) return [];
    // Walk messages newest first through the sort index and keep those in the match set:
    // no sort of every match (see migrations 003 and 005).
    const index = opts.folderId === undefined ? 'messages_sortdate' : 'messages_folder_list';
    const folderFilter = opts.folderId === undefined ? '' : 'AND m.folder_id = ?';
    const rows = this.stmt(
      `SELECT ${SUMMARY_COLUMNS} FROM messages m INDEXED BY ${index} JOIN folders f ON f.id = m.folder_id
       WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?) AND m.pending_removal = 0 ${folderFilter}
       ORDER BY coalesce(m.date, m.internal_date) DESC LIMIT ?`,
    ).all(match, ...(opts.folderId === undefined ? [] : [opts.folderId]), opts.limit ?? 50) as Row[];
    return rows.map(summaryFromRow);
  }

  // ---- sender trust, after a new annuaire or liste blanche ----

  /**
   * Computes again, with the current trust hook, the stored decisions that
   * `hooks.trustStale` calls out of date (every one with `all`, or without
   * that hook). Sources are parsed outside the write transactions; each batch
   * commits on its own (a decision is only ever replaced by a newer one, so an
   * interrupted run is simply run again). Messages are walked by id.
   */
  async recomputeTrust(opts: { all?: boolean; batchSize?: number } = {}): Promise<TrustRecomputeResult> {
    const decide = this.hooks.trust;
    if (!decide) throw new AppError('INTERNAL', 'no trust provider to recompute decisions with');
    const stale = opts.all || !this.hooks.trustStale ? () => true : this.hooks.trustStale;
    const page = this.stmt(
      'SELECT m.id, m.sha256, m.trust_json, f.path FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id > ? ORDER BY m.id LIMIT ?',
    );
    const update = this.stmt('UPDATE messages SET trust_json = ? WHERE id = ? AND sha256 = ?');
    const result: TrustRecomputeResult = { checked: 0, recomputed: 0, changed: 0 };
    let after = 0;
    for (;;) {
      const rows = page.all(after, opts.batchSize ?? 500) as { id: number; sha256: string; trust_json: string | null; path: string }[];
      if (rows.length === 0) return result;
      after = rows.at(-1)!.id;
      result.checked += rows.length;
      const updates: { id: number; sha256: string; trust: string | null }[] = [];
      for (const r of rows) {
        if (!stale(parseJson<unknown>(r.trust_json, null))) continue;
        const { raw } = this.getRaw(r.id);
        const decision = decide(await parseMessage(raw), { folderPath: r.path, raw });
        const trust = decision === null || decision === undefined ? null : json(decision);
        result.recomputed++;
        if (trust !== r.trust_json) updates.push({ id: r.id, sha256: r.sha256, trust });
      }
      this.db.transaction(() => {
        for (const u of updates) result.changed += update.run(u.trust, u.id, u.sha256).changes;
      }).immediate();
    }
  }

  // ---- local changes (offline), replayed by the sync engine ----

  /** Changes flags locally at once and queues the change for the server. */
  changeFlags(messageId: number, change: FlagChange): MessageSummary {
    const cols = Object.entries(change).filter(([, v]) => v !== undefined) as [keyof FlagChange, boolean][];
    if (cols.length === 0) throw new AppError('INVALID_ARGUMENT', 'no flag change given');
    this.db.transaction(() => {
      this.requireMessage(messageId);
      this.stmt(`UPDATE messages SET ${cols.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...cols.map(([, v]) => +v), messageId);
      this.queueOp(messageId, 'flags', Object.fromEntries(cols));
    }).immediate();
    return this.summary(messageId);
  }

  /** Hides the message locally and queues a move to another folder of the same account. */
  queueMove(messageId: number, targetPath: string): void {
    this.db.transaction(() => {
      this.requireMessage(messageId);
      this.stmt('UPDATE messages SET pending_removal = 1 WHERE id = ?').run(messageId);
      this.queueOp(messageId, 'move', { target: targetPath });
    }).immediate();
  }

  /** Hides the message locally and queues its deletion (\Deleted + UID EXPUNGE) on the server. */
  queueDelete(messageId: number): void {
    this.db.transaction(() => {
      this.requireMessage(messageId);
      this.stmt('UPDATE messages SET pending_removal = 1, deleted = 1 WHERE id = ?').run(messageId);
      this.queueOp(messageId, 'delete', {});
    }).immediate();
  }

  private requireMessage(id: number): void {
    if (!this.stmt('SELECT 1 FROM messages WHERE id = ?').get(id)) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
  }

  private summary(id: number): MessageSummary {
    return summaryFromRow(this.stmt(`SELECT ${SUMMARY_COLUMNS} FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?`).get(id) as Row);
  }

  private queueOp(messageId: number, kind: PendingOp['kind'], payload: Record<string, unknown>): void {
    this.stmt('INSERT INTO pending_ops (message_id, kind, payload_json, created_at) VALUES (?, ?, ?, ?)').run(messageId, kind, json(payload), Date.now());
    if (this.hooks.onLocalChange) {
      const r = this.stmt('SELECT folder_id, uid, sha256 FROM messages WHERE id = ?').get(messageId) as { folder_id: number; uid: number | null; sha256: string };
      this.hooks.onLocalChange(this.db, { messageRowId: messageId, folderId: r.folder_id, uid: r.uid, sha256: r.sha256, kind, payload });
    }
  }

  pendingOps(folderId?: number): PendingOp[] {
    const rows = this.db
      .prepare(
        `SELECT o.id, o.message_id, o.kind, o.payload_json, o.attempts, m.folder_id, m.uid FROM pending_ops o JOIN messages m ON m.id = o.message_id
         ${folderId === undefined ? '' : 'WHERE m.folder_id = ?'} ORDER BY o.id`,
      )
      .all(...(folderId === undefined ? [] : [folderId])) as Row[];
    return rows.map(
      (r) =>
        ({
          id: r.id as number,
          messageId: r.message_id as number,
          folderId: r.folder_id as number,
          uid: (r.uid as number | null) ?? null,
          kind: r.kind as PendingOp['kind'],
          payload: parseJson(r.payload_json, {}),
          attempts: r.attempts as number,
        }) as PendingOp,
    );
  }

  /** The server applied the op: forget it; a move or delete also removes the local row. */
  completeOp(op: PendingOp): void {
    this.db.transaction(() => {
      this.stmt('DELETE FROM pending_ops WHERE id = ?').run(op.id);
      if (op.kind === 'move' || op.kind === 'delete') {
        const r = this.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE id = ?').get(op.messageId) as
          | { id: number; folder_id: number; uid: number | null; sha256: string }
          | undefined;
        if (r) this.removeRows([r], op.kind === 'move' ? 'moved' : 'deleted');
      }
    }).immediate();
  }

  failOp(op: PendingOp, error: string): void {
    this.stmt('UPDATE pending_ops SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 500), op.id);
  }

  /** Drops an op that can no longer apply (its message vanished from the server); un-hides the row if it still exists. */
  dropOp(op: PendingOp): void {
    this.db.transaction(() => {
      this.stmt('DELETE FROM pending_ops WHERE id = ?').run(op.id);
      this.stmt('UPDATE messages SET pending_removal = 0 WHERE id = ?').run(op.messageId);
    }).immediate();
  }
}
