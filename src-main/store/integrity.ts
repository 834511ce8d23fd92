// Integrity of the encrypted store. Every page is authenticated by the cipher (AEGIS-256 /
// ChaCha20-Poly1305), so a flipped bit anywhere makes that page unreadable: SQLite's
// quick_check (every page read, no index cross-check) finds it in ~0.5 s on a 10k-message store
// (200 MB) and runs at each read-write open; integrity_check (`mssante store check`) also
// cross-checks every index against its table.
import type Database from 'better-sqlite3-multiple-ciphers';

type Db = Database.Database;

export type StoreCheckKind = 'quick' | 'full';

export interface StoreCheckReport {
  kind: StoreCheckKind;
  ok: boolean;
  /** SQLite's findings (English, technical, no message content), at most `limit` */
  problems: string[];
  milliseconds: number;
}

/** Runs quick_check or integrity_check; an unreadable page that makes SQLite throw is a finding too. */
export function checkStore(db: Db, kind: StoreCheckKind, limit = 100): StoreCheckReport {
  const started = performance.now();
  let problems: string[];
  try {
    const rows = db.pragma(`${kind === 'quick' ? 'quick_check' : 'integrity_check'}(${limit})`) as Record<string, unknown>[];
    problems = rows
      .flatMap((r) => String(Object.values(r)[0] ?? '').split('\n'))
      .map((l) => l.trim())
      .filter((l) => l !== '' && l !== 'ok' && l !== '*** in database main ***')
      .slice(0, limit);
  } catch (err) {
    problems = [`${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`];
  }
  return { kind, ok: problems.length === 0, problems, milliseconds: Math.round(performance.now() - started) };
}
