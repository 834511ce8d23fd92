// DKIM is checked when a message is opened, not at sync (it needs DNS: sync must not
// depend on the network). The stored decision was made without DKIM; this folds the
// fresh evidence into it the way decide() would have: the DKIM reason replaced, a
// failed aligned signature caps the level. Pure.
import { dkimReason, lower } from './decision.js';
import { normaliseAddress } from './address.js';
import type { DkimEvidence, TrustDecision } from './types.js';

/** The stored decision (any JSON) with the DKIM evidence of the opened message; other values unchanged. */
export function withDkimEvidence(stored: unknown, dkim: readonly DkimEvidence[], fromAddress: string | null | undefined): unknown {
  if (!stored || typeof stored !== 'object' || !Array.isArray((stored as TrustDecision).reasons)) return stored;
  const decision = stored as TrustDecision;
  const reason = dkimReason(dkim, (fromAddress ? normaliseAddress(fromAddress)?.domain : undefined) ?? '');
  const reasons = [...decision.reasons.filter((r) => r.check !== 'dkim'), reason];
  const level = reason.status === 'failed' ? lower(decision.level, 'trusted_domain_unknown_address') : decision.level;
  return { ...decision, level, reasons };
}
