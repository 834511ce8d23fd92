// What the journal records: a closed list of actions, each with a fixed data
// shape. Only identifiers, addresses, hashes, counts and settings go in —
// never a subject, body text, attachment name or content, or patient
// identifier (file names and folder paths chosen for exports are left out too:
// they often carry a patient's name).

export interface CardFacts {
  /** holder national id (RPPS/ADELI-based), from the certificate */
  nationalId: string | null;
  /** SHA-256 (hex) of the authentication certificate */
  certSha256: string | null;
  serial?: string | null;
}

export interface JournalEventData {
  'card.login': CardFacts;
  'card.logout': CardFacts;
  'card.pin_failed': CardFacts & { finalTry: boolean };
  'card.locked': CardFacts;
  /** a Pro Santé Connect login in the window (subject = the professional's PSC identifier, the RPPS); never a token */
  'psc.login': { account: string; subject: string | null; method: 'ciba' | 'browser' | 'resume' };
  /** the PSC session ended: refresh refused by PSC, expired without refresh, or « Se déconnecter » */
  'psc.session_ended': { account: string | null; subject: string | null; reason: 'refresh-refused' | 'expired' | 'logout' };
  'account.added': { address: string; imap: string; smtp: string; auth: string };
  'account.changed': { address: string; imap: string; smtp: string; auth: string };
  'sync.session': {
    account: string;
    server: string | null;
    ok: boolean;
    error?: string;
    folders?: number;
    new?: number;
    updated?: number;
    vanished?: number;
    replayed?: number;
    durationMs?: number;
  };
  'message.received': { messageId: string | null; sha256: string; folder: number; uid: number; rebound?: boolean };
  'message.removed': { sha256: string; folder: number; uid: number | null; reason: string };
  'message.opened': { messageId: string | null; sha256: string; raw?: boolean };
  'message.flagged': { sha256: string; change: Record<string, boolean> };
  /** folder ids, not paths: a folder name may carry a patient's name */
  'message.moved': { sha256: string; from: number; to: number | null };
  'message.deleted': { sha256: string };
  'attachment.opened': { sha256: string; attachmentSha256: string; size: number };
  'attachment.saved': { sha256: string; attachmentSha256: string; size: number };
  /** a patient's address (it carries the INS) is written "patient@<domain>" (records.ts sentRecord) */
  'message.sent': { messageId: string; account: string; recipients: string[]; sha256: string; size: number };
  /** the user confirmed, one by one, recipients outside the MSSanté trust space for this message */
  'message.outside_trust_space': { messageId: string; recipients: string[]; sha256: string };
  'message.exported': { messageId: string | null; sha256: string; receiptSha256: string };
  /** a message or its results printed / exported as PDF: what and how, never the content */
  'message.printed': { messageId: string | null; sha256: string; target: 'pdf' | 'printer'; view: 'message' | 'results'; via: 'cli' | 'app' };
  /** a recipient of a sent message reached a delivery state (a patient's address is reduced to its domain) */
  'message.delivery': { messageId: string | null; envelopeId: string | null; recipient: string; state: string; source: string };
  'journal.exported': { since: string | null; entries: number; fileSha256: string };
  'settings.changed': { changes: Record<string, string | number | boolean | null> };
  'journal.verified': { ok: boolean; entries: number; brokenAt?: number | null; problem?: string | null };
  'journal.pruned': { throughSeq: number; throughHash: string; olderThan: string; removed: number };
  /** the store key re-wrapped: for a renewed card (recovery code used) or under a new recovery code */
  'store.rekeyed': { kind: 'new-card' | 'recovery-code'; certSha256: string; nationalId: string | null };
  /** a card-less data folder set up (`store init --without-card`): the recovery code is the only key-encryption key */
  'store.created': { protection: 'recovery-code'; migrated: boolean };
  /** the store opened with its recovery code (card-less user, or a card left at home): one per command */
  'store.recovery_unlock': { cardBound: boolean };
  /** a recovery code refused (never the code itself): a failed attempt at the store, as a wrong PIN is */
  'store.recovery_failed': { cardBound: boolean; where: 'cli' | 'window' };
  'journal.checkpoint': {
    seq: number;
    hash: string;
    /** card signature over canonicalJson({seq, hash}) */
    signature: string;
    scheme: number;
    certificate: string;
    nationalId: string | null;
  };
}

export type JournalAction = keyof JournalEventData;

/** One thing to record. `message` ties the entry to a stored message (evidence export). */
export type JournalRecord = {
  [A in JournalAction]: {
    action: A;
    data: JournalEventData[A];
    actor?: string | null;
    message?: { row: number | null; sha256: string | null };
    at?: number;
  };
}[JournalAction];

/** A sealed entry, as stored. */
export interface JournalEntry {
  seq: number;
  at: number;
  action: string;
  actor: string | null;
  messageRow: number | null;
  messageSha256: string | null;
  /** canonical JSON of the record's data */
  data: string;
  prevHash: string;
  hash: string;
}

/** Shorthand for the entry about one message. */
export function aboutMessage<A extends JournalAction>(
  action: A,
  message: { row: number | null; sha256: string },
  data: JournalEventData[A],
): JournalRecord {
  return { action, data, message } as JournalRecord;
}
