// The journal as the application facade sees it: an async `record`, whatever
// connection is behind it. In the app that connection is the store thread's, the
// store's one writer: the facade's entries are messages to the thread's journal
// service (journalService, built there by app/store-services.ts) and never wait on a
// write lock on the main thread. The CLI runs the same service in its own thread over
// its single in-process connection.
import { AppError } from '../errors/index.js';
import { signSessionCheckpoint, writeHeadAnchor, type CheckpointSigner } from './anchor.js';
import type { ChainPoint } from './chain.js';
import type { JournalRecord } from './events.js';
import type { Journal } from './journal.js';
import { appendPendingTo, queuePendingRecords, type PendingLine } from './pending.js';

export interface JournalPort {
  record(records: readonly JournalRecord[]): Promise<void>;
  /** Signs the journal head with the logged-in card (anchor.ts signSessionCheckpoint), when the port can. */
  checkpoint?(signer: CheckpointSigner): Promise<void>;
}

/** The journal's writes, run next to the connection that makes them (the store thread in the app). */
export interface JournalService {
  /** Appends the records (one transaction), then moves the head anchor of the data folder forward. */
  record(records: readonly JournalRecord[]): void | Promise<void>;
  head(): ChainPoint | Promise<ChainPoint>;
  /** Appends records that waited while the store was closed (pending.ts), each with its original time. */
  recordPending(lines: readonly PendingLine[]): void | Promise<void>;
}

/** The service over a journal of this thread; `home` (data folder) keeps the head anchor. */
export function journalService(journal: Journal, home?: string): {
  record(records: readonly JournalRecord[]): void;
  head(): ChainPoint;
  recordPending(lines: readonly PendingLine[]): void;
} {
  return {
    record(records) {
      journal.append(records);
      if (home !== undefined) writeHeadAnchor(home, journal);
    },
    head: () => journal.head(),
    recordPending(lines) {
      if (!lines.length) return;
      appendPendingTo(journal)(lines);
      if (home !== undefined) writeHeadAnchor(home, journal);
    },
  };
}

/**
 * A port over a journal service; `service` may be a getter (the app's store thread starts
 * after the facade is built: SERVICE_UNAVAILABLE until then). The checkpoint reads the head,
 * has the card sign it here (the card lives on this side), then appends it through the service.
 */
export function journalPortOver(service: JournalService | (() => JournalService | undefined)): JournalPort {
  const svc = (): JournalService => {
    const s = typeof service === 'function' ? service() : service;
    if (!s) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    return s;
  };
  return {
    async record(records) {
      if (records.length) await svc().record(records);
    },
    async checkpoint(signer) {
      const s = svc();
      await signSessionCheckpoint({ head: () => s.head(), append: (records) => s.record(records) }, signer);
    },
  };
}

/** Appends through `journal` (this thread's connection), then moves the head anchor of `home` forward (when given). */
export function journalPort(journal: Journal, home?: string): JournalPort {
  return journalPortOver(journalService(journal, home));
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
 * A port over a store that opens later and closes again (the app's store opens at the card unlock
 * and closes at lock): records made while it is closed (a wrong PIN, a logout) wait in the data
 * folder's pending file (pending.ts) and are appended when it opens again.
 */
export function lazyJournalPort(service: () => JournalService | undefined, home: string): JournalPort {
  const port = journalPortOver(service);
  return {
    record: async (records) => {
      if (!service()) return queuePendingRecords(home, records);
      return port.record(records);
    },
    checkpoint: (signer) => port.checkpoint!(signer),
  };
}
