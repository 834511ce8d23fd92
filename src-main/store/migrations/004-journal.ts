import type { Migration } from './types.js';

// The access journal (src-main/audit, issue 10): append-only, hash-chained.
// `seq` is the entry number (1, 2, 3… with no gap); each entry stores the
// SHA-256 of the previous one (`prev_hash`) and its own (`hash`), computed over
// a canonical serialisation of every column but `hash` (see audit/chain.ts).
// The triggers refuse UPDATE, and DELETE of entries not yet covered by a
// retention checkpoint (`journal_base`): pruning must record the checkpoint
// first. Raw SQL can still drop them: verification, not the triggers, is the proof.
export const migration004: Migration = {
  version: 4,
  name: 'access journal',
  up(db) {
    db.exec(`
      CREATE TABLE journal (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        -- national id of the card holder acting, when known
        actor TEXT,
        -- store row and SHA-256 of the message concerned (no FK: entries outlive messages)
        message_row INTEGER,
        message_sha256 TEXT,
        -- canonical JSON; never a subject, body, attachment content or patient identifier
        data_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX journal_message_row ON journal (message_row) WHERE message_row IS NOT NULL;
      CREATE INDEX journal_message_sha ON journal (message_sha256) WHERE message_sha256 IS NOT NULL;
      CREATE INDEX journal_at ON journal (at);

      -- retention checkpoint: the last pruned entry (seq, hash); the first kept entry chains to it
      CREATE TABLE journal_base (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;

      -- journal settings (retention duration)
      CREATE TABLE journal_config (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
      BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
      CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
      WHEN old.seq > coalesce((SELECT seq FROM journal_base WHERE id = 1), 0)
      BEGIN SELECT RAISE(ABORT, 'journal entries are pruned only behind a checkpoint'); END;
    `);
  },
};
