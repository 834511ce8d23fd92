// The hash chain over a real (encrypted, in-memory) store: appends, and
// verification that fails precisely on an edited, deleted or reordered entry
// (tampering made with raw SQL, as an attacker with the key would).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../../src-main/audit/canonical.js';
import { GENESIS_HASH, entryHash } from '../../../src-main/audit/chain.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { headFile, writeHeadAnchor } from '../../../src-main/audit/anchor.js';
import { verifyJournal, breakFr } from '../../../src-main/audit/verify.js';
import { pruneByRetention } from '../../../src-main/audit/retention.js';
import type { JournalRecord } from '../../../src-main/audit/events.js';
import { openDatabase, type Db } from '../../../src-main/store/database.js';

const KEY = randomBytes(32);
const DIR = mkdtempSync(join(tmpdir(), 'mssante-journal-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
let dbs = 0;

function fresh(n = 5, start = Date.UTC(2026, 0, 1)): { db: Db; journal: Journal } {
  const db = openDatabase(join(DIR, `j${++dbs}.db`), KEY);
  const journal = new Journal(db);
  const records: JournalRecord[] = [];
  for (let i = 0; i < n; i++) records.push({ action: 'message.opened', data: { messageId: `<m${i}@x>`, sha256: 'a'.repeat(64) }, at: start + i * 1000 });
  journal.append(records);
  return { db, journal };
}

/** What an attacker with the store key does first: drop the append-only guards. */
function unguard(db: Db): void {
  db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;');
}

test('canonical JSON: keys sorted at every depth, no spacing, undefined members dropped', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined }), '{"a":{"c":true,"d":[1,"x",null]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.throws(() => canonicalJson({ x: Number.NaN }));
});

test('entries are numbered 1..n, each carrying the SHA-256 of the previous one; an untouched journal verifies', () => {
  const { journal } = fresh(5);
  const all = [...journal.entries()];
  assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.equal(all[0]!.prevHash, GENESIS_HASH);
  for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash);
  for (const e of all) assert.equal(entryHash(e), e.hash);
  const v = journal.verify();
  assert.equal(v.ok, true);
  assert.equal(v.entries, 5);
  assert.equal(v.broken, null);
});

test('the journal refuses UPDATE, and DELETE of entries not behind a retention checkpoint', () => {
  const { db } = fresh(3);
  assert.throws(() => db.prepare("UPDATE journal SET action = 'x' WHERE seq = 2").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM journal WHERE seq = 1').run(), /checkpoint/);
});

test('an edited entry is reported at its own number: expected (recomputed) vs found (stored) hash', () => {
  const { db, journal } = fresh(6);
  unguard(db);
  const stored = journal.hashAt(4)!;
  db.prepare(`UPDATE journal SET data_json = replace(data_json, '<m3@x>', '<forged@x>') WHERE seq = 4`).run();
  const v = journal.verify();
  assert.equal(v.ok, false);
  assert.equal(v.broken!.kind, 'content');
  assert.equal(v.broken!.seq, 4);
  assert.equal(v.broken!.found, stored);
  assert.notEqual(v.broken!.expected, stored);
  assert.match(breakFr(v)!, /entrée n° 4 : contenu modifié/);
});

test('an edited entry whose hash was recomputed breaks the link of the next one', () => {
  const { db, journal } = fresh(6);
  unguard(db);
  const e = [...journal.entries()][2]!;
  const forged = { ...e, at: e.at + 1 };
  db.prepare('UPDATE journal SET at = ?, hash = ? WHERE seq = 3').run(forged.at, entryHash(forged));
  const v = journal.verify();
  assert.equal(v.broken!.kind, 'link');
  assert.equal(v.broken!.seq, 4);
  assert.equal(v.broken!.found, e.hash);
  assert.equal(v.broken!.expected, entryHash(forged));
});

test('a deleted entry is reported as missing at its number', () => {
  const { db, journal } = fresh(6);
  unguard(db);
  db.prepare('DELETE FROM journal WHERE seq = 3').run();
  const v = journal.verify();
  assert.equal(v.ok, false);
  assert.equal(v.broken!.kind, 'missing');
  assert.equal(v.broken!.seq, 3);
  assert.equal(v.entries, 2, 'entries 1 and 2 verified before the break');
});

test('a deleted entry with the following ones renumbered is still caught (link of the entry now at that number)', () => {
  const { db, journal } = fresh(6);
  unguard(db);
  db.prepare('DELETE FROM journal WHERE seq = 3').run();
  for (const seq of [4, 5, 6]) db.prepare('UPDATE journal SET seq = ? WHERE seq = ?').run(seq - 1, seq);
  const v = journal.verify();
  assert.equal(v.broken!.kind, 'link');
  assert.equal(v.broken!.seq, 3);
});

test('two entries swapped (reordered) are caught at the first of them', () => {
  const { db, journal } = fresh(6);
  unguard(db);
  db.exec('UPDATE journal SET seq = -1 WHERE seq = 4; UPDATE journal SET seq = 4 WHERE seq = 5; UPDATE journal SET seq = 5 WHERE seq = -1;');
  const v = journal.verify();
  assert.equal(v.ok, false);
  assert.equal(v.broken!.seq, 4);
  assert.equal(v.broken!.kind, 'link');
});

test('the head anchor outside the database catches a truncated or fully rewritten journal', () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-audit-'));
  try {
    const { db, journal } = fresh(5);
    writeHeadAnchor(home, journal);
    assert.equal(JSON.parse(readFileSync(headFile(home), 'utf8')).seq, 5);
    assert.equal(verifyJournal(journal, home).ok, true);
    unguard(db);
    db.prepare('DELETE FROM journal WHERE seq >= 4').run();
    assert.equal(journal.verify().ok, true, 'the chain alone cannot see a cut tail');
    const v = verifyJournal(journal, home);
    assert.equal(v.ok, false);
    assert.equal(v.broken!.kind, 'anchor');
    assert.equal(v.broken!.seq, 5);
    // the anchor never moves back to paper over the cut
    journal.append([{ action: 'journal.verified', data: { ok: false, entries: 3 } }]);
    writeHeadAnchor(home, journal);
    assert.equal(JSON.parse(readFileSync(headFile(home), 'utf8')).seq, 5);
    // a damaged head file is an error, not a pass
    writeFileSync(headFile(home), '{oops');
    assert.throws(() => verifyJournal(journal, home), (e: Error & { code?: string }) => e.code === 'AUDIT_ANCHOR_INVALID');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('retention: pruning cuts behind a checkpoint, the rest still verifies; a forged base or a cut without checkpoint is caught', () => {
  const day = 24 * 3600 * 1000;
  const now = Date.UTC(2026, 5, 1);
  const { db, journal } = fresh(6, now - 10 * day); // entries 10 days old
  journal.append([{ action: 'message.opened', data: { messageId: null, sha256: 'b'.repeat(64) }, at: now - day }]);
  const cutHash = journal.hashAt(6)!;
  journal.setConfig('retention_days', '5');
  const r = pruneByRetention(journal, undefined, now);
  assert.equal(r.removed, 6);
  assert.deepEqual(r.through, { seq: 6, hash: cutHash });
  assert.deepEqual([...journal.entries()].map((e) => [e.seq, e.action]), [[7, 'message.opened'], [8, 'journal.pruned']]);
  const v = journal.verify();
  assert.equal(v.ok, true, breakFr(v) ?? '');
  assert.equal(v.first, 7);
  // nothing to prune: no entry written
  assert.equal(pruneByRetention(journal, 30, now).removed, 0);

  unguard(db);
  db.prepare('UPDATE journal_base SET seq = 7, hash = ?').run(journal.hashAt(7));
  db.prepare('DELETE FROM journal WHERE seq = 7').run();
  assert.equal(journal.verify().broken!.kind, 'base');
});

test('a cut of the first entries without any checkpoint is caught (entry 1 missing)', () => {
  const { db, journal } = fresh(4);
  unguard(db);
  db.prepare('DELETE FROM journal WHERE seq <= 2').run();
  const v = journal.verify();
  assert.equal(v.broken!.kind, 'missing');
  assert.equal(v.broken!.seq, 1);
});
