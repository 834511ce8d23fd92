import type { AppError } from '../errors/index.js';
import type { StoreHooks, TrustProvider } from '../store/types.js';
import { senderFactsFromHeaders, TrustContext } from './context.js';
import type { TrustDecision } from './types.js';

// The store's trust hook (StoreHooks.trust): the sender trust decision computed for each new
// message during sync and stored with it as JSON (trust_json). The decision carries `basis`
// (annuaire and liste blanche versions): when TrustContext.basis differs, stored decisions are
// stale and can be recomputed with decideFromHeaders() on the stored headers.
//
// DKIM is not part of the sync-time decision: it needs DNS (the signer's key), which would make
// sync depend on the network and slow it down. It is checked when a message is opened (mail.read:
// verifyDkim with the caching resolver of dkim-cache.ts, folded in by dkim-on-open.ts), as extra evidence.

/** Decision from a message's header list (lower-case keys, as the store parses them). */
function decideFromHeaders(ctx: TrustContext, headers: readonly { key: string; value: string }[]): TrustDecision {
  const all = (key: string): string | undefined => {
    const values = headers.filter((h) => h.key === key).map((h) => h.value);
    return values.length ? values.join(', ') : undefined;
  };
  // The topmost Return-Path is the one our operator's delivery added.
  const returnPath = headers.find((h) => h.key === 'return-path')?.value;
  const facts = senderFactsFromHeaders({
    ...(all('from') !== undefined ? { from: all('from')! } : {}),
    ...(all('sender') !== undefined ? { sender: all('sender')! } : {}),
    ...(returnPath !== undefined ? { returnPath } : {}),
  });
  return ctx.decide(facts);
}

/** A TrustProvider for StoreHooks over an open TrustContext (open it once per sync). */
export function trustProviderFor(ctx: TrustContext): TrustProvider {
  return (message) => decideFromHeaders(ctx, message.headers);
}

/**
 * Convenience for a store's hooks: the trust hook of a trust directory (trustDirOf(home)). A
 * damaged annuaire or liste blanche never stops a sync: it counts as not imported (the
 * decisions then say so) and is reported through `onProblem`.
 */
export function createTrustProvider(trustDir: string, onProblem?: (problem: AppError) => void): TrustProvider {
  const { context, problems } = TrustContext.openLenient(trustDir);
  for (const p of problems) onProblem?.(p);
  return trustProviderFor(context);
}

/** A stored decision computed with another annuaire or liste blanche than the current ones. */
export function isDecisionStale(decision: Pick<TrustDecision, 'basis'> | null | undefined, ctx: TrustContext): boolean {
  if (!decision?.basis) return true;
  const now = ctx.basis;
  return decision.basis.annuaire !== now.annuaire || decision.basis.listeBlanche !== now.listeBlanche;
}

/** The store hooks that decide sender trust and tell stale stored decisions (MailStore.recomputeTrust). */
export function trustHooksFor(ctx: TrustContext): Required<Pick<StoreHooks, 'trust' | 'trustStale'>> {
  return { trust: trustProviderFor(ctx), trustStale: (stored) => isDecisionStale(stored as TrustDecision | null, ctx) };
}
