// The journal over the store's database handle: append (inside the caller's
// transaction when there is one, e.g. a sync batch), read, verify, prune.
// Appends read the head inside an IMMEDIATE transaction, so two processes
// sharing the store (CLI, app) never fork the chain.
import type { Db } from '../store/database.js';
import { checkAnchor, GENESIS, seal, verifyEntries, type ChainBreak, type ChainPoint, type ChainReport } from './chain.js';
import type { JournalEntry, JournalRecord } from './events.js';

type Row = {
  seq: number;
  at: number;
  action: string;
  actor: string | null;
  message_row: number | null;
  message_sha256: string | null;
  data_json: string;
  prev_hash: string;
  hash: string;
};

const fromRow = (r: Row): JournalEntry => ({
  seq: r.seq,
  at: r.at,
  action: r.action,
  actor: r.actor,
  messageRow: r.message_row,
  messageSha256: r.message_sha256,
  data: r.data_json,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface VerifyResult extends ChainReport {
  /** the retention checkpoint the walk started from */
  base: ChainPoint;
  /** 'ok' | 'missing' (no anchor file given/found) | 'broken' */
  anchor: 'ok' | 'missing' | 'broken';
}

export class Journal {
  constructor(readonly db: Db) {}

  /** Appends records (one transaction, or a savepoint of the caller's). Returns the sealed entries. */
  append(records: readonly JournalRecord[], now = Date.now()): JournalEntry[] {
    if (!records.length) return [];
    return this.db.transaction(() => {
      const entries = seal(this.head(), records, now);
      const insert = this.db.prepare(
        `INSERT INTO journal (seq, at, action, actor, message_row, message_sha256, data_json, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of entries) insert.run(e.seq, e.at, e.action, e.actor, e.messageRow, e.messageSha256, e.data, e.prevHash, e.hash);
      return entries;
    }).immediate();
  }

  /** The last entry (or the retention base, or genesis). */
  head(): ChainPoint {
    const last = this.db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').get() as ChainPoint | undefined;
    return last ?? this.base();
  }

  base(): ChainPoint {
    return (this.db.prepare('SELECT seq, hash FROM journal_base WHERE id = 1').get() as ChainPoint | undefined) ?? GENESIS;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
  }

  /** Entries in order, optionally from a date (ms) on. */
  *entries(opts: { since?: number } = {}): Generator<JournalEntry> {
    const rows =
      opts.since === undefined
        ? this.db.prepare('SELECT * FROM journal ORDER BY seq').iterate()
        : this.db.prepare('SELECT * FROM journal WHERE at >= ? ORDER BY seq').iterate(opts.since);
    for (const r of rows) yield fromRow(r as Row);
  }

  /** Entries about one stored message: by its row, or by the SHA-256 of its source (copies, moves). */
  forMessage(row: number, sha256: string): JournalEntry[] {
    return (this.db.prepare('SELECT * FROM journal WHERE message_row = ? OR message_sha256 = ? ORDER BY seq').all(row, sha256) as Row[]).map(fromRow);
  }

  hashAt(seq: number): string | undefined {
    return (this.db.prepare('SELECT hash FROM journal WHERE seq = ?').pluck().get(seq) as string | undefined) ?? undefined;
  }

  /** Walks the whole chain; with an anchor (head kept outside the database), also checks the journal still reaches it. */
  verify(anchor?: ChainPoint | null): VerifyResult {
    const base = this.base();
    const report = verifyEntries(this.entries(), base);
    if (!report.ok || !anchor) return { ...report, base, anchor: anchor ? 'ok' : 'missing' };
    const broken: ChainBreak | null = checkAnchor(report, anchor, (seq) => this.hashAt(seq), base);
    return broken ? { ...report, ok: false, broken, base, anchor: 'broken' } : { ...report, base, anchor: 'ok' };
  }

  /**
   * Retention: removes entries older than `before` (ms), keeping the chain
   * verifiable. In one transaction: a 'journal.pruned' entry records the last
   * removed entry (the checkpoint), the base moves to it, then the cut. The
   * entry just appended is never removed, so the journal never ends up empty.
   */
  prune(before: number, now = Date.now()): { removed: number; through: ChainPoint | null } {
    return this.db.transaction(() => {
      const cut = this.db.prepare('SELECT seq, hash FROM journal WHERE at < ? ORDER BY seq DESC LIMIT 1').get(before) as ChainPoint | undefined;
      if (!cut) return { removed: 0, through: null };
      const removed = (this.db.prepare('SELECT count(*) AS n FROM journal WHERE seq <= ?').get(cut.seq) as { n: number }).n;
      this.append([{ action: 'journal.pruned', data: { throughSeq: cut.seq, throughHash: cut.hash, olderThan: new Date(before).toISOString(), removed } }], now);
      this.db.prepare('INSERT INTO journal_base (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(cut.seq, cut.hash);
      this.db.prepare('DELETE FROM journal WHERE seq <= ?').run(cut.seq);
      return { removed, through: cut };
    }).immediate();
  }

  getConfig(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM journal_config WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
  }

  setConfig(key: string, value: string): void {
    this.db.prepare('INSERT INTO journal_config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
