import type { Migration } from './types.js';

// The outbox (src-main/send): every composed message is stored here, raw bytes included, before
// any network work. `state` drives the queue; see src-main/send/README.md for the transitions and
// for why 'sending' is committed before the SMTP transaction (never sent twice).
export const migration002: Migration = {
  version: 2,
  name: 'outbox and drafts',
  up(db) {
    db.exec(`
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        account_address TEXT NOT NULL,
        -- "<…@domain>", unique: the idempotency key of a message
        message_id TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
        envelope_from TEXT NOT NULL,
        envelope_to_json TEXT NOT NULL,
        -- display only (encrypted store; never logged)
        subject TEXT,
        recipients_json TEXT NOT NULL DEFAULT '{}',
        -- the exact bytes submitted and appended to Sent
        raw BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        -- store row of the message answered (reply), to mark it answered
        reply_to_row INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        -- who committed 'sending' ("host:pid") and when: a live owner is never second-guessed
        sending_owner TEXT,
        sending_at INTEGER,
        sent_at INTEGER,
        smtp_response TEXT,
        rejected_json TEXT,
        last_error_code TEXT,
        -- the server's reply or a technical detail, never message content
        last_error TEXT,
        -- Sent folder copy: NULL = still to do; 'appended' | 'found' (already there, e.g. saved by the server)
        sent_copy TEXT,
        -- Drafts folder copy of a draft: its server UID, if appended
        draft_uid INTEGER
      ) STRICT;
      CREATE INDEX outbox_state ON outbox (state, next_attempt_at);

      -- what a server told us (EHLO SIZE), per account, for checks made before connecting
      CREATE TABLE outbox_server_facts (
        account_address TEXT PRIMARY KEY,
        max_message_bytes INTEGER,
        learned_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
