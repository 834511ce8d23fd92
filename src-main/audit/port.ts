// The journal as the application facade sees it: an async `record`, whatever
// connection is behind it. In the app the store lives in a worker thread; the
// facade's entries go through a second, main-thread connection to the same
// encrypted file (app/core.ts; WAL lets both write, appends are a few rows). That
// connection waits on SQLite's write lock while a sync batch commits.
import { AppError } from '../errors/index.js';
import type { Db } from '../store/database.js';
import { signSessionCheckpoint, writeHeadAnchor, type CheckpointSigner } from './anchor.js';
import type { JournalRecord } from './events.js';
import { Journal } from './journal.js';
import { queuePendingRecords } from './pending.js';

export interface JournalPort {
  record(records: readonly JournalRecord[]): Promise<void>;
  /** Signs the journal head with the logged-in card (anchor.ts signSessionCheckpoint), when the port can. */
  checkpoint?(signer: CheckpointSigner): Promise<void>;
}

/** Appends through `journal`, then moves the head anchor of `home` forward (when given). */
export function journalPort(journal: Journal, home?: string): JournalPort {
  return {
    async record(records) {
      journal.append(records);
      if (home !== undefined) writeHeadAnchor(home, journal);
    },
    async checkpoint(signer) {
      if (!(await signSessionCheckpoint(journal, signer))) return;
      if (home !== undefined) writeHeadAnchor(home, journal);
    },
  };
}

/** Stamps records with the card holder acting (the facade's logged-in card), when known. */
export function withActor(port: JournalPort, actor: () => string | null): JournalPort {
  return {
    record(records) {
      const who = actor();
      return port.record(who === null ? records : records.map((r) => ({ ...r, actor: r.actor ?? who })));
    },
    ...(port.checkpoint ? { checkpoint: (signer: CheckpointSigner) => port.checkpoint!(signer) } : {}),
  };
}

/**
 * A port over a connection that opens later and closes again (the app's store opens at the card
 * unlock and closes at lock): records made while it is closed (a wrong PIN, a logout) wait in
 * the data folder's pending file (pending.ts) and are appended when it opens again.
 */
export function lazyJournalPort(db: () => Db | undefined, home: string): JournalPort {
  let journal: Journal | undefined;
  const open = (): Journal => {
    const current = db();
    if (!current) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    if (journal?.db !== current) journal = new Journal(current);
    return journal;
  };
  return {
    record: async (records) => {
      if (!db()) return queuePendingRecords(home, records);
      return journalPort(open(), home).record(records);
    },
    checkpoint: async (signer) => journalPort(open(), home).checkpoint!(signer),
  };
}
