// Journal records built from other modules' objects (one place that decides
// which of their fields may enter the journal).
import type { CardToken } from '../card/index.js';
import type { OutboxEntry } from '../send/outbox-store.js';
import { journalRecipient, type DeliveryChange } from '../store/delivery.js';
import type { CardFacts, JournalRecord } from './events.js';

/**
 * A message accepted by the SMTP server: Message-ID, recipients' addresses (to, cc, bcc), SHA-256 of the bytes sent.
 * A patient's address is `<INS>@patient domain`: the journal is exported as evidence and read by
 * auditors, and an INS is a health identifier it must not carry, so that recipient is written
 * "patient@<domain>" (as in `message.delivery`). Not a keyed hash: one that the store key can recompute
 * links entries to a patient just as well, and the Sent copy (whose SHA-256 is here) names the patient
 * for whoever may open the store.
 */
export function sentRecord(e: Pick<OutboxEntry, 'messageId' | 'accountAddress' | 'envelope' | 'sha256' | 'size' | 'sentAt'>): JournalRecord {
  return {
    action: 'message.sent',
    data: { messageId: e.messageId, account: e.accountAddress, recipients: e.envelope.to.map(journalRecipient), sha256: e.sha256, size: e.size },
    message: { row: null, sha256: e.sha256 },
    ...(e.sentAt !== null ? { at: e.sentAt } : {}),
  };
}

/** Settings that changed (preferences only: plain values), key → new value. */
export function settingsChanges(before: object, after: object): Record<string, string | number | boolean | null> {
  const b = before as Record<string, unknown>;
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(after as Record<string, unknown>)) {
    if (v === b[k]) continue;
    out[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return out;
}

/** What the journal keeps of a card: holder national id, certificate fingerprint, serial. */
export function cardFacts(token: Pick<CardToken, 'holder' | 'certificate' | 'serial'>): CardFacts {
  return { nationalId: token.holder?.nationalId ?? null, certSha256: token.certificate?.sha256 ?? null, serial: token.serial ?? null };
}

/** Entries for a refused PIN: the failure, and the lock when the card says it is now locked. */
export function pinFailureRecords(token: Pick<CardToken, 'holder' | 'certificate' | 'serial'>, err: { code: string; data: Record<string, unknown> }): JournalRecord[] {
  const card = cardFacts(token);
  const locked = err.code === 'CARD_PIN_LOCKED' || err.data.locked === true;
  return [
    { action: 'card.pin_failed', data: { ...card, finalTry: err.data.finalTry === true }, actor: card.nationalId },
    ...(locked ? [{ action: 'card.locked' as const, data: card, actor: card.nationalId }] : []),
  ];
}

/** Delivery state changes (submission answer, DSN): identifiers and the state only. */
export function deliveryRecords(changes: readonly DeliveryChange[]): JournalRecord[] {
  return changes.map((c) => ({
    action: 'message.delivery' as const,
    data: { messageId: c.messageId, envelopeId: c.envelopeId, recipient: journalRecipient(c.recipient), state: c.state, source: c.source },
  }));
}
