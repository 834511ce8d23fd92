// The hash chain, pure: sealing records into entries and walking entries to
// find the first broken link. No SQL, no files.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { JournalEntry, JournalRecord } from './events.js';

/** `prev_hash` of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Format version of the hashed serialisation; part of every hash. */
const CHAIN_FORMAT = 1;

export interface ChainPoint {
  seq: number;
  hash: string;
}

export const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };

/** SHA-256 (hex) of the canonical form of every field of an entry but `hash`. */
export function entryHash(e: Omit<JournalEntry, 'hash'>): string {
  const canonical = canonicalJson({
    v: CHAIN_FORMAT,
    seq: e.seq,
    at: e.at,
    action: e.action,
    actor: e.actor,
    messageRow: e.messageRow,
    messageSha256: e.messageSha256,
    // data is already canonical JSON text: hashed as that text
    data: e.data,
    prev: e.prevHash,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Turns records into entries following `head`. */
export function seal(head: ChainPoint, records: readonly JournalRecord[], now: number): JournalEntry[] {
  let prev = head;
  return records.map((r) => {
    const body = {
      seq: prev.seq + 1,
      at: r.at ?? now,
      action: r.action,
      actor: r.actor ?? null,
      messageRow: r.message?.row ?? null,
      messageSha256: r.message?.sha256 ?? null,
      data: canonicalJson(r.data),
      prevHash: prev.hash,
    };
    const entry = { ...body, hash: entryHash(body) };
    prev = entry;
    return entry;
  });
}

export type BreakKind =
  /** an entry number is missing (deleted entry, or entries out of order) */
  | 'missing'
  /** the entry does not chain to the previous one (previous deleted/reordered/rewritten) */
  | 'link'
  /** the entry's content does not match its hash (edited) */
  | 'content'
  /** the retention checkpoint does not match the journal */
  | 'base'
  /** the journal does not reach, or differs from, the anchor kept outside the database */
  | 'anchor';

export interface ChainBreak {
  kind: BreakKind;
  /** entry number where the chain breaks */
  seq: number;
  expected: string;
  found: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  first: number | null;
  last: ChainPoint;
  broken: ChainBreak | null;
}

/**
 * Walks entries in `seq` order from the retention base, stopping at the first
 * break. `pruneRecord` tells whether a 'journal.pruned' entry vouches for the base.
 */
export function verifyEntries(entries: Iterable<JournalEntry>, base: ChainPoint = GENESIS): ChainReport {
  let prev: ChainPoint = base;
  let count = 0;
  let first: number | null = null;
  let vouched = base.seq === 0;
  const stop = (broken: ChainBreak): ChainReport => ({ ok: false, entries: count, first, last: prev, broken });
  for (const e of entries) {
    first ??= e.seq;
    const expectedSeq = prev.seq + 1;
    if (e.seq !== expectedSeq) return stop({ kind: 'missing', seq: expectedSeq, expected: `entrée ${expectedSeq}`, found: `entrée ${e.seq}` });
    if (e.prevHash !== prev.hash) return stop({ kind: 'link', seq: e.seq, expected: prev.hash, found: e.prevHash });
    const computed = entryHash(e);
    if (computed !== e.hash) return stop({ kind: 'content', seq: e.seq, expected: computed, found: e.hash });
    if (e.action === 'journal.pruned') {
      const d = JSON.parse(e.data) as { throughSeq?: number; throughHash?: string };
      vouched = d.throughSeq === base.seq && d.throughHash === base.hash;
    }
    prev = { seq: e.seq, hash: e.hash };
    count++;
  }
  if (!vouched) return stop({ kind: 'base', seq: base.seq, expected: 'entrée « journal.pruned » correspondant au point de coupure', found: `${base.seq}:${base.hash}` });
  return { ok: true, entries: count, first, last: prev, broken: null };
}

/** Compares the walked chain with an anchor kept outside the database. */
export function checkAnchor(report: ChainReport, anchor: ChainPoint, hashAt: (seq: number) => string | undefined, base: ChainPoint): ChainBreak | null {
  if (anchor.seq <= base.seq) return null; // anchored entry pruned since: nothing left to compare
  if (report.last.seq < anchor.seq) {
    return { kind: 'anchor', seq: anchor.seq, expected: `au moins ${anchor.seq} entrées (${anchor.hash})`, found: `${report.last.seq} entrées` };
  }
  const found = hashAt(anchor.seq);
  if (found !== anchor.hash) return { kind: 'anchor', seq: anchor.seq, expected: anchor.hash, found: found ?? '(absente)' };
  return null;
}
