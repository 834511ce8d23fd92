// What sync writes: each batch (new messages with their source, body,
// attachments, FTS row, trust decision, receipts and delivery reports; server
// flag changes; vanished UIDs) and the folder cursor describing it, in ONE
// transaction, so a crash leaves either both or neither. Also the folder-level
// events sync meets: a folder gone, a UIDVALIDITY reset and its end.
import { AppError } from '../errors/index.js';
import type { StoreContext } from './context.js';
import { recordDeliveryReport, type DeliveryChange } from './delivery.js';
import type { ParsedDsn } from './delivery-report.js';
import { classifyFlags } from './flags.js';
import { getFolder, updateCursor } from './folders.js';
import { htmlToText, parseMessage, type MailAddress, type ParsedMessage } from './parse.js';
import { pendingOps } from './pending-ops.js';
import { recordReceipt, type ReadReceipt } from './receipts.js';
import { removeRows, removeUids } from './removal.js';
import { json, type MessageKey } from './rows.js';
import type { BatchResult, FolderCursorUpdate, IncomingMessage, PendingOp, StoredMessageEvent, SyncBatch } from './types.js';

const addrText = (list: readonly MailAddress[]): string => list.map((a) => `${a.name} ${a.address}`).join(' ');

interface PreparedMessage {
  msg: IncomingMessage;
  parsed: ParsedMessage;
  trust: string | null;
  receipt: ReadReceipt | null;
  report: ParsedDsn | null;
}

/** Parses the batch's new messages in this thread, then applies it (the in-process path). */
export async function parseAndApply(ctx: StoreContext, batch: SyncBatch): Promise<BatchResult> {
  const parsed: ParsedMessage[] = [];
  for (const msg of batch.newMessages ?? []) parsed.push(await parseMessage(msg.raw));
  return applyParsedBatch(ctx, batch, parsed);
}

/**
 * Applies a batch whose messages are already parsed (`parsed[i]` belongs to
 * `batch.newMessages[i]`): the trust hook and the receipt parsers run first,
 * outside the transaction, then everything commits at once.
 */
export function applyParsedBatch(ctx: StoreContext, batch: SyncBatch, parsed: readonly ParsedMessage[]): BatchResult {
  const folder = getFolder(ctx, batch.folderId);
  if (!folder) throw new AppError('NOT_FOUND', `folder ${batch.folderId} does not exist`);
  const incoming = batch.newMessages ?? [];
  if (parsed.length !== incoming.length) throw new AppError('INTERNAL', 'parsed messages do not match the batch');
  const hooks = ctx.hooks;
  const prepared = incoming.map((msg, i): PreparedMessage => {
    const p = parsed[i]!;
    let trust: string | null = null;
    if (hooks.trust) {
      const decision = hooks.trust(p, { folderPath: folder.path, raw: msg.raw });
      trust = decision === null || decision === undefined ? null : json(decision);
    }
    // a read receipt is recognised here, outside the transaction, and recorded with its message
    return { msg, parsed: p, trust, receipt: hooks.receipt?.(p, msg.raw) ?? null, report: hooks.deliveryReport?.(p, msg.raw) ?? null };
  });
  return ctx.db.transaction(() => commitBatch(ctx, batch, prepared)).immediate();
}

function commitBatch(ctx: StoreContext, batch: SyncBatch, prepared: readonly PreparedMessage[]): BatchResult {
  const result: BatchResult = { inserted: 0, updated: 0, vanished: 0 };
  const stored: StoredMessageEvent[] = [];
  const folderId = batch.folderId;
  const existing = ctx.stmt('SELECT id FROM messages WHERE folder_id = ? AND uid = ?').pluck();
  const orphan = ctx.stmt('SELECT id FROM messages WHERE folder_id = ? AND uid IS NULL AND orphaned_at IS NOT NULL AND sha256 = ? LIMIT 1').pluck();
  const rebind = ctx.stmt('UPDATE messages SET uid = ?, orphaned_at = NULL WHERE id = ?');
  const deliveryChanges: DeliveryChange[] = [];
  for (const { msg, parsed, trust, receipt, report } of prepared) {
    const id = existing.get(folderId, msg.uid) as number | undefined;
    if (id !== undefined) {
      applyServerFlags(ctx, id, msg.flags, msg.modseq ?? null);
      result.updated++;
      continue;
    }
    const orphanId = orphan.get(folderId, parsed.sha256) as number | undefined;
    if (orphanId !== undefined) {
      rebind.run(msg.uid, orphanId);
      applyServerFlags(ctx, orphanId, msg.flags, msg.modseq ?? null);
      stored.push({ messageRowId: orphanId, folderId, uid: msg.uid, sha256: parsed.sha256, messageId: parsed.messageId, kind: 'rebound' });
      result.updated++;
      continue;
    }
    const rowId = insertMessage(ctx, folderId, msg, parsed, trust);
    if (receipt) recordReceipt(ctx.db, folderId, rowId, parsed.sha256, receipt);
    if (report) deliveryChanges.push(...recordDeliveryReport(ctx.db, rowId, parsed.sha256, report));
    stored.push({ messageRowId: rowId, folderId, uid: msg.uid, sha256: parsed.sha256, messageId: parsed.messageId, kind: 'inserted' });
    result.inserted++;
  }
  for (const u of batch.flagUpdates ?? []) {
    const id = existing.get(folderId, u.uid) as number | undefined;
    if (id !== undefined && applyServerFlags(ctx, id, u.flags, u.modseq ?? null)) result.updated++;
  }
  if (batch.vanishedUids?.length) result.vanished = removeUids(ctx, folderId, batch.vanishedUids, 'vanished');
  if (stored.length && ctx.hooks.onMessagesStored) ctx.hooks.onMessagesStored(ctx.db, stored);
  if (deliveryChanges.length && ctx.hooks.onDeliveryChanges) ctx.hooks.onDeliveryChanges(ctx.db, deliveryChanges);
  if (batch.cursor) updateCursor(ctx, folderId, batch.cursor);
  return result;
}

function insertMessage(ctx: StoreContext, folderId: number, msg: IncomingMessage, p: ParsedMessage, trust: string | null): number {
  const f = classifyFlags(msg.flags);
  const info = ctx
    .stmt(
      `INSERT INTO messages (folder_id, uid, modseq, message_id, in_reply_to, references_json, thread_id, date, internal_date,
         received_at, subject, from_json, sender_json, reply_to_json, to_json, cc_json, bcc_json, from_address, size, sha256,
         seen, flagged, answered, deleted, draft, keywords_json, has_attachments, trust_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      folderId, msg.uid, msg.modseq ?? null, p.messageId, p.inReplyTo, json(p.references), p.threadId, p.date, msg.internalDate ?? null,
      Date.now(), p.subject, p.from ? json(p.from) : null, p.sender ? json(p.sender) : null, json(p.replyTo), json(p.to), json(p.cc),
      json(p.bcc), p.from?.address ?? null, p.size, p.sha256,
      +f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords), p.attachments.length > 0 ? 1 : 0, trust,
    );
  const id = Number(info.lastInsertRowid);
  ctx.stmt('INSERT INTO message_sources (message_id, raw, sha256) VALUES (?, ?, ?)').run(id, msg.raw, p.sha256);
  ctx.stmt('INSERT INTO message_bodies (message_id, text, html) VALUES (?, ?, ?)').run(id, p.text, p.html);
  // No second copy of the content: it is re-extracted from the raw source on demand (queries.ts getAttachmentContent).
  // An empty `content` with a non-zero size means exactly that; rows stored before keep their copy.
  const att = ctx.stmt(
    "INSERT INTO attachments (message_id, part_index, filename, mime_type, disposition, content_id, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, x'')",
  );
  p.attachments.forEach((a, i) => att.run(id, i, a.filename, a.mimeType, a.disposition, a.contentId, a.size, a.sha256));
  ctx.stmt('INSERT INTO messages_fts (rowid, subject, senders, recipients, body, attachment_names) VALUES (?, ?, ?, ?, ?, ?)').run(
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
function applyServerFlags(ctx: StoreContext, id: number, flags: readonly string[], modseq: string | null): boolean {
  const pending = ctx.stmt("SELECT 1 FROM pending_ops WHERE message_id = ? AND kind = 'flags' LIMIT 1").get(id);
  if (pending) return false;
  const f = classifyFlags(flags);
  const info = ctx
    .stmt(
      `UPDATE messages SET seen = ?, flagged = ?, answered = ?, deleted = ?, draft = ?, keywords_json = ?, modseq = coalesce(?, modseq)
       WHERE id = ? AND (seen, flagged, answered, deleted, draft, keywords_json) IS NOT (?, ?, ?, ?, ?, ?)`,
    )
    .run(+f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords), modseq, id, +f.seen, +f.flagged, +f.answered, +f.deleted, +f.draft, json(f.keywords));
  return info.changes > 0;
}

/**
 * The folder is gone from the server: its messages leave the store and the
 * folder row goes (or stays, emptied, when it is still listed as
 * non-selectable). Returns the queued changes that were dropped with the
 * messages, so that the caller reports them instead of losing them silently.
 */
export function removeFolder(ctx: StoreContext, folderId: number, opts: { keepRow?: boolean } = {}): { removed: number; droppedOps: PendingOp[] } {
  return ctx.db.transaction(() => {
    const droppedOps = pendingOps(ctx, folderId);
    const rows = ctx.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ?').all(folderId) as MessageKey[];
    const removed = removeRows(ctx, rows, 'folder-deleted');
    if (opts.keepRow) {
      updateCursor(ctx, folderId, { syncState: 'new', initialLowUid: null });
      ctx.stmt('UPDATE folders SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL WHERE id = ?').run(folderId);
    } else {
      ctx.stmt('DELETE FROM folders WHERE id = ?').run(folderId);
    }
    return { removed, droppedOps };
  }).immediate();
}

/**
 * UIDVALIDITY changed: every UID of the folder is void. Rows are kept as
 * orphans (uid NULL) so that re-downloaded messages with the same SHA-256
 * are rebound to their new UID, keeping their local data (trust, journal
 * references, queued changes); the folder restarts an initial sync.
 */
export function beginUidValidityReset(ctx: StoreContext, folderId: number, cursor: FolderCursorUpdate): void {
  ctx.db.transaction(() => {
    ctx.stmt('UPDATE messages SET uid = NULL, orphaned_at = ? WHERE folder_id = ? AND uid IS NOT NULL').run(Date.now(), folderId);
    updateCursor(ctx, folderId, { ...cursor, syncState: 'initial', initialLowUid: null });
  }).immediate();
}

/** End of an initial sync: commits the cursor and drops orphans the server no longer has. */
export function finishInitialSync(ctx: StoreContext, folderId: number, cursor: FolderCursorUpdate): number {
  return ctx.db.transaction(() => {
    const rows = ctx.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ? AND uid IS NULL AND orphaned_at IS NOT NULL').all(folderId) as MessageKey[];
    const n = removeRows(ctx, rows, 'uidvalidity-orphan');
    updateCursor(ctx, folderId, { ...cursor, syncState: 'ready', initialLowUid: null });
    return n;
  }).immediate();
}
