// Accent-insensitive full-text search over the FTS5 table (migration 001,
// `remove_diacritics 2`), newest first.
import type { StoreContext } from './context.js';
import { SUMMARY_COLUMNS, summaryFromRow, type Row } from './rows.js';
import { ftsQuery } from './search-query.js';
import type { MessageSummary } from './types.js';

export function search(ctx: StoreContext, query: string, opts: { limit?: number; folderId?: number } = {}): MessageSummary[] {
  const match = ftsQuery(query);
  if (!match) return [];
  // Walk messages newest first through the sort index and keep those in the match set:
  // no sort of every match (see migrations 003 and 005).
  const index = opts.folderId === undefined ? 'messages_sortdate' : 'messages_folder_list';
  const folderFilter = opts.folderId === undefined ? '' : 'AND m.folder_id = ?';
  const rows = ctx
    .stmt(
      `SELECT ${SUMMARY_COLUMNS} FROM messages m INDEXED BY ${index} JOIN folders f ON f.id = m.folder_id
       WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?) AND m.pending_removal = 0 ${folderFilter}
       ORDER BY coalesce(m.date, m.internal_date) DESC LIMIT ?`,
    )
    .all(match, ...(opts.folderId === undefined ? [] : [opts.folderId]), opts.limit ?? 50) as Row[];
  return rows.map(summaryFromRow);
}
