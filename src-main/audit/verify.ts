// Full verification of a data folder's journal: the chain from the retention
// checkpoint, the head file kept outside the database, and every card-signed
// checkpoint (signature, and that it matches the entry it signed).
import { readHeadAnchor } from './anchor.js';
import { checkpointSignatureValid } from './anchor.js';
import type { JournalEventData } from './events.js';
import type { Journal, VerifyResult } from './journal.js';

export interface JournalVerification extends VerifyResult {
  checkpoints: { seq: number; signedSeq: number; valid: boolean; nationalId: string | null }[];
  /**
   * The last entry a valid card checkpoint covers (the checkpoint entry itself), or null.
   * Entries after it chain correctly but nothing the card signed vouches for them yet: someone
   * holding the store key could rewrite them undetected. They are "non encore ancrées".
   */
  anchoredThrough: number | null;
  /** how many entries come after `anchoredThrough` (all of them when no checkpoint) */
  unanchored: number;
}

function unanchoredOf(result: VerifyResult, checkpoints: JournalVerification['checkpoints']): Pick<JournalVerification, 'anchoredThrough' | 'unanchored'> {
  const last = [...checkpoints].reverse().find((c) => c.valid);
  const anchoredThrough = last ? last.seq : null;
  const from = Math.max(anchoredThrough ?? 0, result.base.seq);
  return { anchoredThrough, unanchored: result.entries === 0 ? 0 : Math.max(0, result.last.seq - from) };
}

export function verifyJournal(journal: Journal, home: string): JournalVerification {
  const anchor = readHeadAnchor(home);
  const result = journal.verify(anchor);
  const checkpoints: JournalVerification['checkpoints'] = [];
  if (!result.ok) return { ...result, checkpoints, anchoredThrough: null, unanchored: 0 };
  const base = result.base;
  const rows = journal.db.prepare("SELECT seq, data_json FROM journal WHERE action = 'journal.checkpoint' ORDER BY seq").all() as { seq: number; data_json: string }[];
  for (const r of rows) {
    const d = JSON.parse(r.data_json) as JournalEventData['journal.checkpoint'];
    const matches = d.seq <= base.seq || journal.hashAt(d.seq) === d.hash;
    const valid = matches && checkpointSignatureValid(d);
    checkpoints.push({ seq: r.seq, signedSeq: d.seq, valid, nationalId: d.nationalId });
    if (!valid) {
      return {
        ...result,
        ok: false,
        broken: { kind: 'anchor', seq: r.seq, expected: 'signature de la carte valide sur l’entrée ' + d.seq, found: matches ? 'signature invalide' : 'entrée signée modifiée' },
        checkpoints,
        anchoredThrough: null,
        unanchored: 0,
      };
    }
  }
  return { ...result, checkpoints, ...unanchoredOf(result, checkpoints) };
}

const KIND_FR = {
  missing: 'entrée manquante (supprimée ou déplacée)',
  link: 'entrée qui ne suit pas la précédente (entrée précédente supprimée, déplacée ou réécrite)',
  content: 'contenu modifié (l’empreinte ne correspond plus)',
  base: 'point de coupure de la purge sans entrée de purge correspondante',
  anchor: 'le journal ne correspond plus à son point d’ancrage (fichier de tête ou point de contrôle signé)',
} as const;

/** One French sentence for the first broken link, or null. */
export function breakFr(v: Pick<VerifyResult, 'broken'>): string | null {
  const b = v.broken;
  if (!b) return null;
  return `entrée n° ${b.seq} : ${KIND_FR[b.kind]} ; attendu ${b.expected}, trouvé ${b.found}`;
}
