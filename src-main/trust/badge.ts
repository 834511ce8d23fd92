// The badge shown for a stored sender-trust decision (the IPC contract's
// TrustBadge has this shape; app/mail-app.ts and audit/evidence.ts use it).
// Wording comes from labels-fr.ts; only the "not yet decided" badge is here.
import type { AnnuaireEntry } from './annuaire/entry.js';
import { dkimExplanationFr, reasonLabelFr, TRUST_LEVEL_LABELS_FR } from './labels-fr.js';
import { TRUST_LEVELS, type TrustDecision, type TrustIdentity, type TrustLevel } from './types.js';

/** Who an address belongs to, according to the annuaire (contract: Identity). */
export interface BadgeIdentity {
  kind: string;
  name: string;
  profession?: string;
  specialty?: string;
  nationalId?: string;
  nationalIdType?: 'RPPS' | 'ADELI';
  structure?: string;
  city?: string;
}

/** What the badge next to an address shows (contract: TrustBadge). */
export interface TrustBadgeView {
  level: TrustLevel | 'unknown';
  label: string;
  tone: 'ok' | 'info' | 'warning' | 'danger';
  explanation: string;
  reasons: string[];
  identity?: BadgeIdentity;
  imitated?: BadgeIdentity;
  /** The sender is a patient (Mon espace santé): never "professionnel vérifié". */
  patient?: { ins: string | null; name: string | null };
}


const UNKNOWN_BADGE: TrustBadgeView = {
  level: 'unknown',
  label: 'Expéditeur non vérifié',
  tone: 'info',
  explanation: 'L’annuaire MSSanté ou la liste blanche n’était pas disponible quand ce message est arrivé : l’expéditeur n’a pas pu être vérifié.',
  reasons: [],
};

const compact = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== '')) as T;

/** What an annuaire identity (a stored decision's, or an autocomplete entry's) gives the contract. */
type IdentitySource = Pick<TrustIdentity, 'type' | 'name' | 'profession' | 'specialty' | 'nationalId' | 'structure' | 'city'> &
  Partial<Pick<TrustIdentity, 'nationalIdType'>>;

export function identityFromTrust(id: IdentitySource): BadgeIdentity {
  return compact({
    kind: id.type,
    name: id.name,
    profession: id.profession ?? undefined,
    specialty: id.specialty ?? undefined,
    nationalId: id.nationalId ? id.nationalId.slice(1) : undefined,
    nationalIdType: id.nationalIdType ?? undefined,
    structure: id.structure ?? undefined,
    city: id.city ?? undefined,
  }) as BadgeIdentity;
}

export function identityFromEntry(e: AnnuaireEntry): BadgeIdentity {
  const structure = [e.structureName, e.tradeName].filter(Boolean).join(' — ') || undefined;
  return compact({
    kind: e.type,
    name: [e.firstName, e.lastName].filter(Boolean).join(' ') || structure || e.address,
    profession: e.profession ?? undefined,
    specialty: e.specialty ?? undefined,
    nationalId: e.nationalId ? e.nationalId.slice(1) : undefined,
    nationalIdType: e.nationalIdType ?? undefined,
    structure,
    city: e.city ?? undefined,
  }) as BadgeIdentity;
}

function isDecision(value: unknown): value is TrustDecision {
  return (
    typeof value === 'object' && value !== null &&
    (TRUST_LEVELS as readonly string[]).includes((value as { level?: unknown }).level as string) &&
    Array.isArray((value as { reasons?: unknown }).reasons)
  );
}

/** The badge of a decision as stored with the message (any other value: "not verified"). */
export function badgeFromDecision(stored: unknown): TrustBadgeView {
  if (!isDecision(stored)) return { ...UNKNOWN_BADGE, reasons: [] };
  const words = TRUST_LEVEL_LABELS_FR[stored.level];
  const p = stored.patient;
  return {
    level: stored.level,
    label: p ? `Patient${p.name ? ` : ${p.name}` : ''}${p.ins ? ` (INS ${p.ins})` : ''}` : words.label,
    tone: p ? 'info' : words.tone,
    explanation: p
      ? 'Message d’un patient, depuis sa messagerie Mon espace santé : ce n’est pas un professionnel de santé. Nom tel qu’il l’a indiqué ; INS lue dans son adresse.'
      : [words.description, dkimExplanationFr(stored.reasons)].filter(Boolean).join(' '),
    ...(p ? { patient: p } : {}),
    reasons: stored.reasons.map(reasonLabelFr),
    ...(stored.identity ? { identity: identityFromTrust(stored.identity) } : {}),
    ...(stored.imitated ? { imitated: identityFromTrust(stored.imitated) } : {}),
  };
}

export function levelFromDecision(stored: unknown): TrustBadgeView['level'] {
  return isDecision(stored) ? stored.level : 'unknown';
}

