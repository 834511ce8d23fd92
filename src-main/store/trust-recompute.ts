// Sender trust, after a new annuaire or liste blanche: the stored decisions
// are computed again with the current trust hook.
import { AppError } from '../errors/index.js';
import type { StoreContext } from './context.js';
import { parseMessage } from './parse.js';
import { getRaw } from './queries.js';
import { json, parseJson } from './rows.js';
import type { TrustRecomputeResult } from './types.js';

/**
 * Computes again the stored decisions that `hooks.trustStale` calls out of
 * date (every one with `all`, or without that hook). Sources are parsed
 * outside the write transactions; each batch commits on its own (a decision
 * is only ever replaced by a newer one, so an interrupted run is simply run
 * again). Messages are walked by id.
 */
export async function recomputeTrust(ctx: StoreContext, opts: { all?: boolean; batchSize?: number } = {}): Promise<TrustRecomputeResult> {
  const decide = ctx.hooks.trust;
  if (!decide) throw new AppError('INTERNAL', 'no trust provider to recompute decisions with');
  const stale = opts.all || !ctx.hooks.trustStale ? () => true : ctx.hooks.trustStale;
  const page = ctx.stmt('SELECT m.id, m.sha256, m.trust_json, f.path FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id > ? ORDER BY m.id LIMIT ?');
  const update = ctx.stmt('UPDATE messages SET trust_json = ? WHERE id = ? AND sha256 = ?');
  const result: TrustRecomputeResult = { checked: 0, recomputed: 0, changed: 0 };
  let after = 0;
  for (;;) {
    const rows = page.all(after, opts.batchSize ?? 500) as { id: number; sha256: string; trust_json: string | null; path: string }[];
    if (rows.length === 0) return result;
    after = rows.at(-1)!.id;
    result.checked += rows.length;
    const updates: { id: number; sha256: string; trust: string | null }[] = [];
    for (const r of rows) {
      if (!stale(parseJson<unknown>(r.trust_json, null))) continue;
      const { raw } = getRaw(ctx, r.id);
      const decision = decide(await parseMessage(raw), { folderPath: r.path, raw });
      const trust = decision === null || decision === undefined ? null : json(decision);
      result.recomputed++;
      if (trust !== r.trust_json) updates.push({ id: r.id, sha256: r.sha256, trust });
    }
    ctx.db.transaction(() => {
      for (const u of updates) result.changed += update.run(u.trust, u.id, u.sha256).changes;
    }).immediate();
  }
}
