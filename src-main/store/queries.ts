// Reading messages for the list and the message view: pages (by date, or one
// row per thread) read from indexes only, folder counts, one message with its
// body and attachments, the raw source, an attachment's bytes.
import { AppError } from '../errors/index.js';
import type { StoreContext } from './context.js';
import { findFolder } from './folders.js';
import { attachmentContent, sha256Hex, type MailAddress } from './parse.js';
import { json, parseJson, SUMMARY_COLUMNS, summaryFromRow, type Row } from './rows.js';
import type { AttachmentInfo, FolderCounts, ListOptions, MessageDetail, MessagePage, MessageSummary } from './types.js';

function listFolderId(ctx: StoreContext, opts: Pick<ListOptions, 'folderId' | 'folderPath'>): number | undefined {
  const folderId = opts.folderId ?? (opts.folderPath !== undefined ? findFolder(ctx, opts.folderPath)?.id : undefined);
  if (opts.folderPath !== undefined && folderId === undefined) throw new AppError('NOT_FOUND', 'folder not found', { data: { folder: opts.folderPath } });
  return folderId;
}

/** Summaries of the given rows, in the given order (one query). */
function summariesInOrder(ctx: StoreContext, ids: readonly number[]): MessageSummary[] {
  if (ids.length === 0) return [];
  const rows = ctx
    .stmt(`SELECT ${SUMMARY_COLUMNS} FROM json_each(?) j JOIN messages m ON m.id = j.value JOIN folders f ON f.id = m.folder_id ORDER BY j.key`)
    .all(json(ids)) as Row[];
  return rows.map(summaryFromRow);
}

/**
 * One row per thread: the newest message of each thread (SQLite gives the bare
 * `id` of the row holding max()), threads ordered by that message's date.
 * insertMessage always sets thread_id, so no message is grouped under NULL.
 */
function listThreads(ctx: StoreContext, folderId: number | undefined, dir: string, tie: string, limit: number, offset: number): MessageSummary[] {
  const folderFilter = folderId === undefined ? '' : 'folder_id = ? AND';
  const rows = ctx
    .stmt(
      `SELECT id, max(coalesce(date, internal_date)) AS sd, count(*) AS n FROM messages
       ${folderId === undefined ? '' : 'INDEXED BY messages_folder_thread'}
       WHERE ${folderFilter} pending_removal = 0 GROUP BY thread_id ORDER BY sd ${dir}, id ${tie} LIMIT ? OFFSET ?`,
    )
    .all(...(folderId === undefined ? [] : [folderId]), limit, offset) as { id: number; n: number }[];
  const summaries = summariesInOrder(ctx, rows.map((r) => r.id));
  return summaries.map((s, i) => ({ ...s, threadSize: rows[i]!.n }));
}

/**
 * One page of a list, by date either way, optionally one row per thread.
 * The page's ids are read from an index only (migration 005), so a deep
 * OFFSET in a 100,000-message folder skips index entries, not rows.
 * Ties on the date are broken by row id, so that 'asc' is exactly 'desc' reversed.
 */
export function listMessages(ctx: StoreContext, opts: ListOptions = {}): MessageSummary[] {
  const folderId = listFolderId(ctx, opts);
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
  const tie = opts.order === 'asc' ? 'DESC' : 'ASC';
  if (opts.threads) return listThreads(ctx, folderId, dir, tie, limit, offset);
  const [index, where, args] =
    folderId === undefined
      ? ['messages_sortdate', 'pending_removal = 0', []]
      : ['messages_folder_list', 'folder_id = ? AND pending_removal = 0', [folderId]];
  const ids = ctx
    .stmt(`SELECT id FROM messages INDEXED BY ${index} WHERE ${where} ORDER BY coalesce(date, internal_date) ${dir}, id ${tie} LIMIT ? OFFSET ?`)
    .pluck()
    .all(...args, limit, offset) as number[];
  return summariesInOrder(ctx, ids);
}

/** Total of the list `listMessages` pages through (messages, or threads when grouped). */
export function countList(ctx: StoreContext, opts: Pick<ListOptions, 'folderId' | 'folderPath' | 'threads'> = {}): number {
  const folderId = listFolderId(ctx, opts);
  const folderFilter = folderId === undefined ? '' : 'folder_id = ? AND';
  const args = folderId === undefined ? [] : [folderId];
  const sql = opts.threads
    ? `SELECT count(*) FROM (SELECT 1 FROM messages WHERE ${folderFilter} pending_removal = 0 GROUP BY thread_id)`
    : `SELECT count(*) FROM messages WHERE ${folderFilter} pending_removal = 0`;
  return ctx.stmt(sql).pluck().get(...args) as number;
}

/** `listMessages` and `countList` together: what one screen of the window asks. */
export function listPage(ctx: StoreContext, opts: ListOptions = {}): MessagePage {
  return { total: countList(ctx, opts), items: listMessages(ctx, opts) };
}

/**
 * Visible and unread messages of every folder, in one query answered from
 * indexes (migration 005): no message row is read, whatever the folder size.
 */
export function folderCounts(ctx: StoreContext, accountId?: number): FolderCounts[] {
  return ctx
    .stmt(
      `SELECT f.id AS folderId,
         (SELECT count(*) FROM messages m INDEXED BY messages_folder_list WHERE m.folder_id = f.id AND m.pending_removal = 0) AS total,
         (SELECT count(*) FROM messages m INDEXED BY messages_folder_unread WHERE m.folder_id = f.id AND m.seen = 0 AND m.pending_removal = 0) AS unread
       FROM folders f WHERE @account IS NULL OR f.account_id = @account ORDER BY f.path`,
    )
    .all({ account: accountId ?? null }) as FolderCounts[];
}

/** One message's summary (NOT_FOUND checked by the caller). */
export function summaryOf(ctx: StoreContext, id: number): MessageSummary {
  return summaryFromRow(ctx.stmt(`SELECT ${SUMMARY_COLUMNS} FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?`).get(id) as Row);
}

export function requireMessage(ctx: StoreContext, id: number): void {
  if (!ctx.stmt('SELECT 1 FROM messages WHERE id = ?').get(id)) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
}

export function getMessage(ctx: StoreContext, id: number): MessageDetail {
  const r = ctx
    .stmt(
      `SELECT ${SUMMARY_COLUMNS}, m.message_id, m.in_reply_to, m.references_json, m.cc_json, m.bcc_json, m.reply_to_json,
         m.sender_json, m.received_at, b.text, b.html
       FROM messages m JOIN folders f ON f.id = m.folder_id LEFT JOIN message_bodies b ON b.message_id = m.id WHERE m.id = ?`,
    )
    .get(id) as Row | undefined;
  if (!r) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
  const attachments = (
    ctx.stmt('SELECT id, part_index, filename, mime_type, disposition, content_id, size, sha256 FROM attachments WHERE message_id = ? ORDER BY part_index').all(id) as Row[]
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

/** The exact bytes received from the server, and their SHA-256. */
/** The IHE_XDM.ZIP attachments of every message but `exceptMessage`: where a replaced CDA may be (xdm/replacement.ts). */
export function xdmAttachments(ctx: StoreContext, exceptMessage: number): { attachmentId: number; messageId: number }[] {
  const rows = ctx.stmt(`SELECT id, message_id FROM attachments WHERE upper(trim(filename)) = 'IHE_XDM.ZIP' AND message_id <> ? ORDER BY id`).all(exceptMessage) as { id: number; message_id: number }[];
  return rows.map((r) => ({ attachmentId: r.id, messageId: r.message_id }));
}

export function getRaw(ctx: StoreContext, id: number): { raw: Buffer; sha256: string } {
  const r = ctx.stmt('SELECT raw, sha256 FROM message_sources WHERE message_id = ?').get(id) as { raw: Buffer; sha256: string } | undefined;
  if (!r) throw new AppError('NOT_FOUND', `message ${id} not found`, { data: { id } });
  return r;
}

/** The decoded bytes of an attachment, re-extracted from the raw source and checked against the stored SHA-256. */
export async function getAttachmentContent(ctx: StoreContext, attachmentId: number): Promise<Buffer> {
  const r = ctx.stmt('SELECT message_id, part_index, size, sha256, content FROM attachments WHERE id = ?').get(attachmentId) as
    | { message_id: number; part_index: number; size: number; sha256: string; content: Buffer }
    | undefined;
  if (!r) throw new AppError('NOT_FOUND', `attachment ${attachmentId} not found`);
  if (r.content.length > 0 || r.size === 0) return r.content; // stored before the content was dropped
  const content = await attachmentContent(getRaw(ctx, r.message_id).raw, r.part_index);
  if (!content || content.length !== r.size || sha256Hex(content) !== r.sha256) {
    throw new AppError('STORE_CORRUPT', `attachment ${attachmentId} does not match its SHA-256 when re-extracted from the source`);
  }
  return content;
}
