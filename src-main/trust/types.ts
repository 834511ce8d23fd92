import type { AnnuaireEntry } from './annuaire/entry.js';

// Public data types of the trust decision. The decision JSON is stored with each message
// (see store) and shown by `messages list/show --json` as `trust`: keep these shapes stable.

// The levels and their French words are shared with the renderer (src-main/common/trust-levels.ts).
import type { TrustLevel } from '../common/trust-levels.js';

export { TRUST_LEVELS, type TrustLevel } from '../common/trust-levels.js';

/** One mailbox as a header names it. */
export interface MailboxFact {
  address: string;
  displayName?: string | null;
}

/** A DKIM signature result (mailauth), reduced to what the decision uses. */
export interface DkimEvidence {
  /** d= of the signature */
  domain: string;
  selector?: string;
  result: 'pass' | 'fail' | 'neutral' | 'policy' | 'temperror' | 'permerror' | 'none';
}

/** What the message itself says about its sender. */
export interface MessageSenderFacts {
  /** every mailbox of the From header (normally exactly one) */
  from: MailboxFact[];
  /** the Sender header, when present */
  sender?: MailboxFact | null;
  /** Return-Path / SMTP MAIL FROM; '' or '<>' for a bounce; undefined when unknown */
  envelopeFrom?: string | null;
  /** DKIM results; undefined or null when not checked */
  dkim?: DkimEvidence[] | null;
}

/** The identity shown with the badge, from the annuaire. */
export interface TrustIdentity {
  address: string;
  type: string;
  name: string;
  civility: string | null;
  lastName: string | null;
  firstName: string | null;
  profession: string | null;
  specialty: string | null;
  /** 8 + RPPS or 0 + ADELI */
  nationalId: string | null;
  nationalIdType: 'RPPS' | 'ADELI' | null;
  structure: string | null;
  city: string | null;
  dematerialisation: boolean;
}

export type TrustCheck =
  | 'from_address'
  | 'domain_in_liste_blanche'
  | 'address_in_annuaire'
  | 'mailbox_type'
  | 'sender_matches_from'
  | 'envelope_matches_from'
  | 'display_name'
  | 'idn_domain'
  | 'dkim';

export interface TrustReason {
  check: TrustCheck;
  status: 'passed' | 'failed' | 'not_applicable';
  /** machine-readable precision, e.g. 'PER', 'same_domain', 'imitates_annuaire_person', 'absent' */
  detail?: string;
}

export interface TrustDecision {
  level: TrustLevel;
  reasons: TrustReason[];
  /** who the From address belongs to according to the annuaire (null when unknown) */
  identity: TrustIdentity | null;
  /** the sender is a patient (Mon espace santé): name from the From header, INS from the address */
  patient?: { ins: string | null; name: string | null };
  /** the professional a look-alike display name imitates */
  imitated?: TrustIdentity;
  /** versions the decision was computed with: recompute when they change */
  basis: { annuaire: string | null; listeBlanche: string | null };
}

/**
 * Everything the decision needs, already looked up: the function that consumes it is pure.
 * `trustedDomains` lists which of the domains involved (From, Sender, envelope) are in the
 * liste blanche, in canonical ASCII form.
 */
export interface TrustInput {
  message: MessageSenderFacts;
  fromEntry: AnnuaireEntry | null;
  /** annuaire people whose name matches the From display name (any address) */
  namesakes: AnnuaireEntry[];
  trustedDomains: readonly string[];
  basis: { annuaire: string | null; listeBlanche: string | null };
}
