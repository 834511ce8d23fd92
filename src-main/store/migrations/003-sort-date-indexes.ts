import type { Migration } from './types.js';

// Lists and searches are "newest first, first N": an index on the sort key lets
// SQLite walk messages in date order and stop at N instead of sorting every
// match (a word present in all 10,000 messages went from ~4 ms to ~1 ms).
// Only indexes change here: no user data is touched.
export const migration003: Migration = {
  version: 3,
  name: 'sort-date indexes for lists and search',
  up(db) {
    db.exec(`
      CREATE INDEX messages_sortdate ON messages (coalesce(date, internal_date) DESC);
      CREATE INDEX messages_folder_sortdate ON messages (folder_id, coalesce(date, internal_date) DESC);
      DROP INDEX messages_folder_date;
    `);
  },
};
