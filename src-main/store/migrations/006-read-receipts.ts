import type { Migration } from './types.js';

// Read receipts (MDN, issue 11) received for the messages we sent. A row is
// written in the same transaction as the receipt message itself (store write
// path, receipts.ts). It is linked to the sent copy by the original
// Message-ID when read, not by a row id: the receipt may be synced before the
// Sent copy, and the Sent copy may be re-downloaded (UIDVALIDITY) or moved.
// No subject or body: the original Message-ID, the disposition, when and by
// whom. The receipt outlives its message (deleting the e-mail does not undo
// the reading); `receipt_row` then becomes NULL.
export const migration006: Migration = {
  version: 6,
  name: 'read receipts',
  up(db) {
    db.exec(`
      CREATE TABLE read_receipts (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        receipt_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        -- SHA-256 of the receipt message's raw source: the same receipt seen twice (copied, moved) is one row
        receipt_sha256 TEXT NOT NULL,
        -- "<…>", as the sent message's messages.message_id
        original_message_id TEXT NOT NULL,
        -- displayed, processed, deleted, dispatched (RFC 8098), as received
        disposition TEXT NOT NULL,
        action_mode TEXT,
        sending_mode TEXT,
        -- ANS integration error (processed/Error: code^label)
        error_code TEXT,
        error_label TEXT,
        -- Date header of the receipt (ms), when it was produced
        reported_at INTEGER,
        -- the reader's address (Final-Recipient, else Original-Recipient, else From)
        reporter TEXT,
        stored_at INTEGER NOT NULL,
        UNIQUE (account_id, receipt_sha256)
      ) STRICT;
      CREATE INDEX read_receipts_original ON read_receipts (account_id, original_message_id);
      CREATE INDEX read_receipts_row ON read_receipts (receipt_row) WHERE receipt_row IS NOT NULL;
    `);
  },
};
