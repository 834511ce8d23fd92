import type { Migration } from './types.js';

// Core mail schema. UIDVALIDITY and HIGHESTMODSEQ are kept as decimal TEXT:
// they are BigInt on the wire and only compared in JS.
export const migration001: Migration = {
  version: 1,
  name: 'initial mail schema',
  up(db) {
    db.exec(`
      CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL UNIQUE,
        display_name TEXT,
        imap_host TEXT,
        imap_port INTEGER,
        settings_json TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        delimiter TEXT,
        special_use TEXT,
        selectable INTEGER NOT NULL DEFAULT 1,
        -- server state as last committed together with the data it describes
        uidvalidity TEXT,
        uidnext INTEGER,
        highestmodseq TEXT,
        -- 'new' → 'initial' (newest-first download in progress) → 'ready'
        sync_state TEXT NOT NULL DEFAULT 'new',
        -- initial sync cursor: every server UID >= initial_low_uid (and < uidnext) is stored
        initial_low_uid INTEGER,
        last_sync_at INTEGER,
        UNIQUE (account_id, path)
      ) STRICT;

      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id),
        -- NULL while a message has no server identity (UIDVALIDITY reset in progress, local-only copies)
        uid INTEGER,
        modseq TEXT,
        message_id TEXT,
        in_reply_to TEXT,
        references_json TEXT,
        thread_id TEXT,
        date INTEGER,
        internal_date INTEGER,
        received_at INTEGER NOT NULL,
        subject TEXT,
        from_json TEXT,
        sender_json TEXT,
        reply_to_json TEXT,
        to_json TEXT,
        cc_json TEXT,
        bcc_json TEXT,
        from_address TEXT,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0,
        flagged INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        draft INTEGER NOT NULL DEFAULT 0,
        -- other server flags and keywords, JSON array
        keywords_json TEXT NOT NULL DEFAULT '[]',
        has_attachments INTEGER NOT NULL DEFAULT 0,
        -- sender trust decision (issue 7), JSON, recomputable
        trust_json TEXT,
        -- hidden locally until a queued move/delete reaches the server
        pending_removal INTEGER NOT NULL DEFAULT 0,
        -- set when UIDVALIDITY changed: the row waits to be matched (by SHA-256) to its new UID;
        -- rows with uid NULL and orphaned_at NULL are local-only and never touched by sync
        orphaned_at INTEGER,
        UNIQUE (folder_id, uid)
      ) STRICT;
      CREATE INDEX messages_folder_date ON messages (folder_id, date DESC);
      CREATE INDEX messages_thread ON messages (thread_id);
      CREATE INDEX messages_sha ON messages (folder_id, sha256);
      CREATE INDEX messages_from ON messages (from_address);

      -- the RFC 822 source, byte-exact, with its SHA-256 (hex)
      CREATE TABLE message_sources (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        raw BLOB NOT NULL,
        sha256 TEXT NOT NULL
      ) STRICT;

      CREATE TABLE message_bodies (
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        text TEXT,
        -- unsanitised: the renderer sanitises (DOMPurify) before display
        html TEXT
      ) STRICT;

      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        part_index INTEGER NOT NULL,
        filename TEXT,
        mime_type TEXT NOT NULL,
        disposition TEXT,
        content_id TEXT,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        UNIQUE (message_id, part_index)
      ) STRICT;

      -- local changes waiting for the server (flags, moves, deletes), replayed in id order
      CREATE TABLE pending_ops (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('flags', 'move', 'delete')),
        payload_json TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      ) STRICT;
      CREATE INDEX pending_ops_message ON pending_ops (message_id);

      -- contentless: the text lives in the tables above; rowid = messages.id
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        subject, senders, recipients, body, attachment_names,
        content = '', contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 2"
      );
    `);
  },
};
