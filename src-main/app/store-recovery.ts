// Rebuilding a damaged store: what exists only on this computer is read from the damaged file
// (outbox with the drafts not yet on the server, the access journal once its chain verifies),
// the damaged file is set aside (never deleted: it stays available for an investigation), and a
// new store is created with those rows; the messages come back from the server by a normal sync.
import { existsSync, renameSync } from 'node:fs';
import { Journal } from '../audit/journal.js';
import { breakFr, verifyJournal } from '../audit/verify.js';
import { AppError } from '../errors/index.js';
import { openDatabase, type Db } from '../store/database.js';
import type { StoreKeyProvider } from '../store/key-provider.js';

type Row = Record<string, unknown>;

/** Tables whose rows exist only locally and are carried over, in insertion order. */
const OUTBOX_TABLES = ['outbox', 'outbox_server_facts'] as const;
const JOURNAL_TABLES = ['journal_config', 'journal_base', 'journal'] as const;

export interface RebuildReport {
  /** where the damaged file (and its -wal/-shm) now is */
  damagedFile: string;
  /** the damaged file could be opened at all (a damaged first page makes everything unreadable) */
  opened: boolean;
  outbox: { carried: number; drafts: number; unreadable: boolean };
  journal: { carried: number; verified: boolean; unreadable: boolean; reasonFr: string | null };
  /** offline changes (flags, moves) queued for the server: they refer to local rows and are not carried over */
  droppedPendingOps: number | null;
}

export interface RebuildOptions {
  file: string;
  /** the data folder holding the journal's head anchor (journal-head.json) */
  home: string;
  keyProvider: StoreKeyProvider;
  /** French progress lines */
  onProgress?: (line: string) => void;
  now?: Date;
}

function readTable(db: Db, table: string): Row[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Row[];
}

function insertRows(db: Db, table: string, rows: readonly Row[]): void {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]!);
  const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  for (const row of rows) insert.run(...columns.map((c) => row[c]));
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Creates a new store in place of a damaged one, keeping what exists only locally. */
export async function rebuildStore(opts: RebuildOptions): Promise<RebuildReport> {
  const say = opts.onProgress ?? (() => {});
  const key = await opts.keyProvider.getKey();
  const report: RebuildReport = {
    damagedFile: `${opts.file}.endommagee-${stamp(opts.now ?? new Date())}`,
    opened: false,
    outbox: { carried: 0, drafts: 0, unreadable: false },
    journal: { carried: 0, verified: false, unreadable: false, reasonFr: null },
    droppedPendingOps: null,
  };
  const outbox = new Map<string, Row[]>();
  const journal = new Map<string, Row[]>();

  say('Lecture des données qui n’existent que sur cet ordinateur (boîte d’envoi, brouillons, journal des accès)…');
  let old: Db | null = null;
  try {
    old = openDatabase(opts.file, key, { check: 'none' });
    report.opened = true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'STORE_BAD_KEY') throw err; // not damage: the wrong key
  }
  if (old) {
    try {
      for (const t of OUTBOX_TABLES) outbox.set(t, readTable(old, t));
    } catch {
      report.outbox.unreadable = true;
      outbox.clear();
    }
    try {
      const v = verifyJournal(new Journal(old), opts.home);
      if (v.ok) {
        for (const t of JOURNAL_TABLES) journal.set(t, readTable(old, t));
        report.journal.verified = true;
      } else {
        report.journal.reasonFr = breakFr(v) ?? 'chaîne d’empreintes rompue';
      }
    } catch {
      report.journal.unreadable = true;
      journal.clear();
    }
    try {
      report.droppedPendingOps = (old.prepare('SELECT count(*) AS n FROM pending_ops').get() as { n: number }).n;
    } catch {
      report.droppedPendingOps = null;
    }
    old.close();
  }
  const outboxRows = outbox.get('outbox') ?? [];
  report.outbox.carried = outboxRows.length;
  report.outbox.drafts = outboxRows.filter((r) => r.state === 'draft').length;
  report.journal.carried = journal.get('journal')?.length ?? 0;

  // set aside, never delete: -wal/-shm move with it so the pair stays readable
  for (const suffix of ['-wal', '-shm', '']) {
    if (existsSync(opts.file + suffix)) renameSync(opts.file + suffix, report.damagedFile + suffix);
  }
  say(`Base endommagée mise de côté : ${report.damagedFile}`);

  const fresh = openDatabase(opts.file, key);
  try {
    fresh.transaction(() => {
      for (const [table, rows] of [...outbox, ...journal]) {
        // reply_to_row pointed at a message row of the old store: those rows are renumbered
        insertRows(fresh, table, table === 'outbox' ? rows.map((r) => ({ ...r, reply_to_row: null })) : rows);
      }
    }).immediate();
  } finally {
    fresh.close();
  }
  say(`Nouvelle base créée : ${report.outbox.carried} message(s) de la boîte d’envoi repris (dont ${report.outbox.drafts} brouillon(s)), ${report.journal.carried} entrée(s) du journal des accès reprises.`);
  return report;
}
