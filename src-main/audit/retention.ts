// Retention of the journal: a duration in days kept in the store
// (journal_config), applied by `audit prune`. The référentiel recommends a
// duration without imposing one, so the default is to keep everything.
import { AppError } from '../errors/index.js';
import type { ChainPoint } from './chain.js';
import type { Journal } from './journal.js';

export const RETENTION_KEY = 'retention_days';
const DAY_MS = 24 * 3600 * 1000;

export function parseRetentionDays(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > 36_500) throw new AppError('INVALID_ARGUMENT', `bad retention in days: ${raw}`, { data: { value: raw } });
  return n;
}

function retentionDays(journal: Journal): number | null {
  const v = journal.getConfig(RETENTION_KEY);
  return v === undefined || v === 'off' ? null : Number(v);
}

/** Prunes entries older than `days` (or the configured duration); nothing when none is set. */
export function pruneByRetention(journal: Journal, days?: number, now = Date.now()): { removed: number; through: ChainPoint | null; days: number | null } {
  const d = days ?? retentionDays(journal);
  if (d === null) return { removed: 0, through: null, days: null };
  return { ...journal.prune(now - d * DAY_MS, now), days: d };
}
