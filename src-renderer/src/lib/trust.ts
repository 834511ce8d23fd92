// Short badge wording for a trust level (list rows, autocomplete): the shared
// French labels (src-main/common/), one source of truth; 'unknown' = no decision stored.
import { TRUST_LEVEL_LABELS_FR } from '../../../src-main/common/trust-levels.js';
import type { TrustBadge } from '../../../src-main/ipc/contract.js';

type Level = TrustBadge['level'];
type Tone = TrustBadge['tone'];

export function levelWords(level: Level): { label: string; tone: Tone } {
  if (level === 'unknown') return { label: 'Expéditeur non vérifié', tone: 'info' };
  const words = TRUST_LEVEL_LABELS_FR[level];
  return { label: words.label, tone: words.tone };
}

/** One-character mark shown with the badge colour (colour is never the only cue). */
export function toneMark(tone: Tone): string {
  return { ok: '✓', info: 'i', warning: '!', danger: '⚠' }[tone];
}
