// One seeded test per migration: a store at the schema before the step, with
// data in every table that schema has (written as that version wrote it: plain
// SQL), goes through the step; the step's version is recorded and every seeded
// row is still there, unchanged. Last, the current code reads what version 1
// stored (message, body, attachment, full-text search).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, schemaVersion, type Db } from '../../../src-main/store/database.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { MIGRATIONS } from '../../../src-main/store/migrations/index.js';

const KEY = Buffer.alloc(32, 0x5a);
const NOW = 1_764_000_000_000;

/** Data as each version wrote it, by the version that introduced its tables. */
const SEEDS: Record<number, (db: Db) => void> = {
  1: (db) => {
    db.prepare("INSERT INTO accounts (id, address, imap_host, imap_port, created_at) VALUES (1, 'paul.durand@medecin.mssante.fr', 'imap.mssante.fr', 993, ?)").run(NOW);
    db.prepare("INSERT INTO folders (id, account_id, path, name, delimiter, special_use, uidvalidity, uidnext, highestmodseq, sync_state) VALUES (1, 1, 'INBOX', 'INBOX', '/', '\\Inbox', '1700000000', 3, '42', 'synced')").run();
    db.prepare(
      `INSERT INTO messages (id, folder_id, uid, modseq, message_id, date, internal_date, received_at, subject, from_json, to_json, from_address, size, sha256, seen, flagged, has_attachments, trust_json)
       VALUES (1, 1, 2, '41', '<cr-1@chu.mssante.fr>', ?, ?, ?, 'Compte rendu opératoire', '[{"name":"Dr Martin","address":"jeanne.martin@chu.mssante.fr"}]',
               '[{"name":null,"address":"paul.durand@medecin.mssante.fr"}]', 'jeanne.martin@chu.mssante.fr', 1234, 'aa', 1, 0, 1, '{"level":"verified_professional","reasons":[]}')`,
    ).run(NOW - 60_000, NOW - 50_000, NOW);
    db.prepare("INSERT INTO message_sources (message_id, raw, sha256) VALUES (1, ?, 'aa')").run(Buffer.from('From: jeanne.martin@chu.mssante.fr\r\nSubject: Compte rendu opératoire\r\n\r\nTexte\r\n'));
    db.prepare("INSERT INTO message_bodies (message_id, text, html) VALUES (1, 'Patient opéré ce matin, suites simples.', NULL)").run();
    db.prepare("INSERT INTO attachments (id, message_id, part_index, filename, mime_type, disposition, size, sha256, content) VALUES (1, 1, 1, 'cr.pdf', 'application/pdf', 'attachment', 4, 'bb', ?)").run(Buffer.from('%PDF'));
    db.prepare("INSERT INTO pending_ops (message_id, kind, payload_json, created_at) VALUES (1, 'flags', '{\"seen\":true}', ?)").run(NOW);
    db.prepare("INSERT INTO messages_fts (rowid, subject, senders, recipients, body, attachment_names) VALUES (1, 'Compte rendu opératoire', 'Dr Martin jeanne.martin@chu.mssante.fr', 'paul.durand@medecin.mssante.fr', 'Patient opéré ce matin, suites simples.', 'cr.pdf')").run();
  },
  2: (db) => {
    db.prepare(
      `INSERT INTO outbox (account_address, message_id, state, envelope_from, envelope_to_json, subject, raw, sha256, size, created_at, updated_at, attempts, next_attempt_at)
       VALUES ('paul.durand@medecin.mssante.fr', '<out-1@medecin.mssante.fr>', 'queued', 'paul.durand@medecin.mssante.fr', '["jeanne.martin@chu.mssante.fr"]', 'Re: CR', ?, 'cc', 10, ?, ?, 1, ?)`,
    ).run(Buffer.from('raw bytes!'), NOW, NOW, NOW + 60_000);
    db.prepare("INSERT INTO outbox_server_facts (account_address, max_message_bytes, learned_at) VALUES ('paul.durand@medecin.mssante.fr', 26214400, ?)").run(NOW);
  },
  4: (db) => {
    db.prepare(
      `INSERT INTO journal (seq, at, action, actor, message_row, message_sha256, data_json, prev_hash, hash)
       VALUES (1, ?, 'message.received', NULL, 1, 'aa', '{"sha256":"aa"}', ?, ?)`,
    ).run(NOW, '0'.repeat(64), 'f'.repeat(64));
  },
  6: (db) => {
    db.prepare(
      `INSERT INTO read_receipts (account_id, receipt_row, receipt_sha256, original_message_id, disposition, reported_at, reporter, stored_at)
       VALUES (1, 1, 'dd', '<out-1@medecin.mssante.fr>', 'displayed', ?, 'jeanne.martin@chu.mssante.fr', ?)`,
    ).run(NOW, NOW);
  },
};

/** Every row of every ordinary table (FTS shadow tables aside), with the columns the table has now. */
function snapshot(db: Db): Record<string, unknown[]> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    tables.map((t) => [t, (db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r, (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)))]),
  );
}

/** The rows of `before` as they read in `after`, limited to the columns `before` had (a step may add columns). */
function sameRows(before: Record<string, unknown[]>, after: Record<string, unknown[]>): void {
  for (const [table, rows] of Object.entries(before)) {
    assert.ok(after[table], `table ${table} kept`);
    assert.equal(after[table]!.length, rows.length, `rows of ${table}`);
    rows.forEach((row, i) => {
      const old = JSON.parse(row as string) as Record<string, unknown>;
      const now = JSON.parse(after[table]![i] as string) as Record<string, unknown>;
      for (const [col, value] of Object.entries(old)) assert.deepEqual(now[col], value, `${table}.${col} row ${i}`);
    });
  }
}

for (const step of MIGRATIONS) {
  test(`migration ${step.version} (${step.name}): the data of schema ${step.version - 1} comes through intact`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mssante-migration-'));
    const file = join(dir, 'mail.db');
    try {
      const before = MIGRATIONS.filter((m) => m.version < step.version);
      const old = openDatabase(file, KEY, { migrations: before });
      assert.equal(schemaVersion(old), step.version - 1);
      for (const m of before) SEEDS[m.version]?.(old);
      const seeded = snapshot(old);
      old.close();

      const db = openDatabase(file, KEY, { migrations: [...before, step] });
      try {
        assert.equal(schemaVersion(db), step.version);
        sameRows(seeded, snapshot(db));
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        assert.deepEqual(db.pragma('foreign_key_check'), []);
        SEEDS[step.version]?.(db); // the new schema takes the data of its version
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('what version 1 stored reads with the current code after every step: message, body, attachment, search', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-migration-'));
  const file = join(dir, 'mail.db');
  try {
    const v1 = openDatabase(file, KEY, { migrations: MIGRATIONS.filter((m) => m.version === 1) });
    SEEDS[1]!(v1);
    v1.close();
    const store = await MailStore.open({ file, keyProvider: staticKeyProvider(KEY) });
    try {
      const m = store.getMessage(1);
      assert.equal(m.subject, 'Compte rendu opératoire');
      assert.equal(m.text, 'Patient opéré ce matin, suites simples.');
      assert.deepEqual(m.attachments.map((a) => a.filename), ['cr.pdf']);
      assert.deepEqual(await store.getAttachmentContent(m.attachments[0]!.id), Buffer.from('%PDF'));
      assert.deepEqual(store.search('opere').map((r) => r.id), [1]);
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
