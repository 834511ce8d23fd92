import type { Migration } from './types.js';

// Delivery tracking (issue 19): one row per state a recipient of a message we
// sent reached — from the submission (the SMTP server's answer, written by the
// outbox), from delivery status notifications (RFC 3464, written on the sync
// path with the report message) — linked to the sent message by its
// Message-ID or by the ENVID we gave at submission (derived from it),
// whichever the report carries. Read receipts stay in read_receipts (006) and
// are merged when read (delivery.ts). No subject or body.
export const migration007: Migration = {
  version: 7,
  name: 'delivery tracking',
  up(db) {
    db.exec(`
      CREATE TABLE delivery_events (
        id INTEGER PRIMARY KEY,
        -- "<…>" of the sent message when known (outbox, or the report's returned headers)
        message_id TEXT,
        -- ENVID given at submission / Original-Envelope-Id of the report
        envelope_id TEXT,
        recipient TEXT NOT NULL,
        -- sent | submitted | delivered | failed (read/processed come from read_receipts)
        state TEXT NOT NULL,
        at INTEGER NOT NULL,
        -- status code and the server's words, never message content
        detail TEXT,
        -- 'smtp' (our submission) or 'dsn'
        source TEXT NOT NULL,
        -- SHA-256 of the report message (or of the submitted bytes): the same report seen twice is one row
        source_sha256 TEXT NOT NULL,
        report_row INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        stored_at INTEGER NOT NULL,
        UNIQUE (source_sha256, recipient, state)
      ) STRICT;
      CREATE INDEX delivery_events_message ON delivery_events (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX delivery_events_envelope ON delivery_events (envelope_id) WHERE envelope_id IS NOT NULL;
    `);
  },
};
