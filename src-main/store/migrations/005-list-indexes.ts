import type { Migration } from './types.js';

// The message list of the window (issue 8) reads a 100,000-message folder by
// pages, sorted by date either way, optionally one row per thread, and shows
// total/unread counts for every folder. These indexes answer each of those
// without reading the message rows:
// - messages_folder_list: visible messages of a folder in date order, ties broken
//   by id (explicit: SQLite sorted the implicit rowid in a temp b-tree), so OFFSET
//   skips index entries only (last page of 100k: ~2.5 ms instead of ~16 ms) and
//   the folder total is an index count. It supersedes messages_folder_sortdate.
// - messages_folder_unread: partial index, holds unread visible messages only.
// - messages_folder_thread: groups a folder's messages by thread with each
//   thread's newest date, without a sort of the whole folder.
// Only indexes change here: no user data is touched.
export const migration005: Migration = {
  version: 5,
  name: 'list, count and thread indexes',
  up(db) {
    db.exec(`
      CREATE INDEX messages_folder_list ON messages (folder_id, pending_removal, coalesce(date, internal_date), id DESC);
      CREATE INDEX messages_folder_unread ON messages (folder_id) WHERE seen = 0 AND pending_removal = 0;
      CREATE INDEX messages_folder_thread ON messages (folder_id, pending_removal, thread_id, coalesce(date, internal_date));
      DROP INDEX messages_folder_sortdate;
    `);
  },
};
