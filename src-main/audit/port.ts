// The journal as the application facade sees it: an async `record`, whatever
// connection is behind it. In the app the store lives in a worker thread; the
// journal gets its own small connection to the same encrypted file (WAL lets
// both write; appends are a few rows) so the facade never waits for a sync batch.
import { AppError } from '../errors/index.js';
import { openDatabase, type Db } from '../store/database.js';
import type { StoreKeyProvider } from '../store/key-provider.js';
import { signSessionCheckpoint, writeHeadAnchor, type CheckpointSigner } from './anchor.js';
import type { JournalRecord } from './events.js';
import { Journal } from './journal.js';

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

/** A journal port with its own connection to the store file; `close()` when the app quits. */
export async function openJournalPort(opts: { file: string; keyProvider: StoreKeyProvider; home: string }): Promise<JournalPort & { close(): void }> {
  const key = await opts.keyProvider.getKey();
  let db: Db;
  try {
    db = openDatabase(opts.file, key);
  } finally {
    key.fill(0);
  }
  return { ...journalPort(new Journal(db), opts.home), close: () => db.close() };
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

/** A port over a connection that opens later (the app's store starts after the facade is built). */
export function lazyJournalPort(db: () => Db | undefined, home: string): JournalPort {
  let journal: Journal | undefined;
  const open = (): Journal => {
    const current = db();
    if (!current) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    if (journal?.db !== current) journal = new Journal(current);
    return journal;
  };
  return {
    record: async (records) => journalPort(open(), home).record(records),
    checkpoint: async (signer) => journalPort(open(), home).checkpoint!(signer),
  };
}
