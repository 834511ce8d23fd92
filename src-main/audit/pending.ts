// Journal records that happen while the store is closed (a wrong PIN, an
// account added before any card unlock): the card-bound store cannot be
// opened without the card, so they wait in `<home>/journal-pending.jsonl`
// (identifiers only, as every journal record) and are appended, in order, at
// the next unlock. They carry their original time.
import { appendFileSync, mkdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalRecord } from './events.js';
import type { Journal } from './journal.js';

const PENDING_FILE = 'journal-pending.jsonl';

export interface PendingLine {
  at: number;
  record: JournalRecord;
}

export function queuePendingRecords(home: string, records: readonly JournalRecord[], now = Date.now()): void {
  if (!records.length) return;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  appendFileSync(join(home, PENDING_FILE), records.map((record) => JSON.stringify({ at: now, record } satisfies PendingLine) + '\n').join(''), { mode: 0o600 });
}

/** Appends waiting lines to a journal of this thread in one transaction, each with its original time. */
export function appendPendingTo(journal: Journal): (lines: readonly PendingLine[]) => void {
  return (lines) => {
    journal.db.transaction(() => {
      for (const l of lines) journal.append([l.record], l.at);
    }).immediate();
  };
}

/**
 * Hands the waiting records to `append` (this thread's journal: appendPendingTo; the app's store
 * thread: its journal service's recordPending), then removes the file; returns how many.
 */
export async function flushPendingRecords(home: string, append: (lines: readonly PendingLine[]) => void | Promise<void>): Promise<number> {
  const file = join(home, PENDING_FILE);
  const claimed = `${file}.${process.pid}.flush`;
  try {
    renameSync(file, claimed); // one process takes them
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const lines = readFileSync(claimed, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as PendingLine];
      } catch {
        return []; // a torn last line (crash while appending)
      }
    });
  await append(lines);
  unlinkSync(claimed);
  return lines.length;
}
