// Trust channels of the facade (annuaire autocomplete, recipient check) and
// the badge shown for a stored sender-trust decision. Wording comes from the
// trust module (labels-fr.ts); only the "not yet decided" badge is ours.
import type { AnnuaireEntry, TrustContext, TrustDecision, TrustIdentity } from '../trust/index.js';
import { normaliseAddress, reasonLabelFr, TRUST_LEVEL_LABELS_FR, TRUST_LEVELS } from '../trust/index.js';
import type { TrustBadge } from '../ipc/contract.js';
import type { CoreChannelHandlers } from './services.js';

type Identity = NonNullable<TrustBadge['identity']>;

const UNKNOWN_BADGE: TrustBadge = {
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

export function identityFromTrust(id: IdentitySource): Identity {
  return compact({
    kind: id.type,
    name: id.name,
    profession: id.profession ?? undefined,
    specialty: id.specialty ?? undefined,
    nationalId: id.nationalId ? id.nationalId.slice(1) : undefined,
    nationalIdType: id.nationalIdType ?? undefined,
    structure: id.structure ?? undefined,
    city: id.city ?? undefined,
  }) as Identity;
}

export function identityFromEntry(e: AnnuaireEntry): Identity {
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
  }) as Identity;
}

function isDecision(value: unknown): value is TrustDecision {
  return (
    typeof value === 'object' && value !== null &&
    (TRUST_LEVELS as readonly string[]).includes((value as { level?: unknown }).level as string) &&
    Array.isArray((value as { reasons?: unknown }).reasons)
  );
}

/** The badge of a decision as stored with the message (any other value: "not verified"). */
export function badgeFromDecision(stored: unknown): TrustBadge {
  if (!isDecision(stored)) return { ...UNKNOWN_BADGE, reasons: [] };
  const words = TRUST_LEVEL_LABELS_FR[stored.level];
  const p = stored.patient;
  return {
    level: stored.level,
    label: p ? `Patient${p.name ? ` : ${p.name}` : ''}${p.ins ? ` (INS ${p.ins})` : ''}` : words.label,
    tone: p ? 'info' : words.tone,
    explanation: p
      ? 'Message d’un patient, depuis sa messagerie Mon espace santé : ce n’est pas un professionnel de santé. Nom tel qu’il l’a indiqué ; INS lue dans son adresse.'
      : words.description,
    ...(p ? { patient: p } : {}),
    reasons: stored.reasons.map(reasonLabelFr),
    ...(stored.identity ? { identity: identityFromTrust(stored.identity) } : {}),
    ...(stored.imitated ? { imitated: identityFromTrust(stored.imitated) } : {}),
  };
}

export function levelFromDecision(stored: unknown): TrustBadge['level'] {
  return isDecision(stored) ? stored.level : 'unknown';
}

/** annuaire.search and recipients.check over the open TrustContext (null: not imported yet → empty / unknown). */
export function trustChannels(context: () => TrustContext | null): Pick<CoreChannelHandlers, 'annuaire.search' | 'recipients.check'> {
  return {
    'annuaire.search': async ({ query, limit }) => {
      const ctx = context();
      if (!ctx) return { entries: [] };
      return {
        entries: ctx.autocomplete(query, limit).map((e) => ({
          address: e.address,
          identity: identityFromTrust(e),
          dematerialisation: e.dematerialisation,
          trust: e.badge,
        })),
      };
    },
    'recipients.check': async ({ addresses }) => {
      const ctx = context();
      return {
        results: addresses.map((address) => {
          if (!ctx) return { address, syntaxValid: normaliseAddress(address) !== null, inTrustSpace: false };
          const check = ctx.isAddressInTrustSpace(address);
          const entry = check.normalised ? ctx.lookupAddress(check.normalised) : null;
          return {
            address,
            syntaxValid: check.syntaxValid,
            inTrustSpace: check.inTrustSpace,
            ...(entry ? { identity: identityFromEntry(entry), dematerialisation: entry.dematerialisation } : {}),
          };
        }),
      };
    },
  };
}
