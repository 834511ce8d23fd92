// Delivery tracking of the messages we sent (issue 19), per recipient:
//   sent (envoyé) → submitted (remis au serveur) → delivered (distribué) → read / processed (lu / traité)
//   and failed (échec, with the reason) from any step.
// Events come from the submission (outbox: accepted / refused recipients), from delivery status
// notifications (RFC 3464, recognised on the sync write path like the read receipts) and from
// the MDNs already stored by receipts.ts (read_receipts, merged here when read). A report is
// linked to the sent message by its Message-ID or by the ENVID we gave (derived from the
// Message-ID), whichever it carries, so the order in which things are synced does not matter.
// Table: migration 007. No subject, no body.
import { BOUNCE_FR, PATIENT_BOUNCE_FR, envelopeIdOf, isPatientDomain } from '../rules/messaging.js';
import type { ParsedDsn } from './delivery-report.js';
import type { Db } from './database.js';
import { receiptsForMessageId, type ReadReceipt } from './receipts.js';

export type DeliveryState = 'sent' | 'submitted' | 'delivered' | 'read' | 'processed' | 'failed';

/** Order of the states: the furthest reached is the current one (a failure ends the line). */
export const DELIVERY_RANK: Record<DeliveryState, number> = { sent: 0, submitted: 1, delivered: 2, read: 3, processed: 3, failed: 4 };

export const DELIVERY_STATE_FR: Record<DeliveryState, string> = {
  sent: 'envoyé',
  submitted: 'remis au serveur',
  delivered: 'distribué',
  read: 'lu',
  processed: 'traité',
  failed: 'échec',
};

export interface DeliveryEvent {
  recipient: string;
  state: DeliveryState;
  /** ms */
  at: number;
  detail: string | null;
  source: 'smtp' | 'dsn' | 'mdn';
}

export interface RecipientDelivery {
  recipient: string;
  state: DeliveryState;
  at: number | null;
  detail: string | null;
  /** every step, oldest first */
  history: DeliveryEvent[];
}

/** A state change worth a journal entry (no subject, no body). */
export interface DeliveryChange {
  messageId: string | null;
  envelopeId: string | null;
  recipient: string;
  state: DeliveryState;
  source: 'smtp' | 'dsn';
}


function insert(db: Db, e: { messageId: string | null; envelopeId: string | null; recipient: string; state: DeliveryState; at: number; detail: string | null; source: 'smtp' | 'dsn'; sha256: string; reportRow: number | null }): boolean {
  return (
    db
      .prepare(
        `INSERT OR IGNORE INTO delivery_events (message_id, envelope_id, recipient, state, at, detail, source, source_sha256, report_row, stored_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.messageId, e.envelopeId, e.recipient.toLowerCase(), e.state, e.at, e.detail?.slice(0, 500) ?? null, e.source, e.sha256, e.reportRow, Date.now()).changes === 1
  );
}

/** DSN action → our state: "relayed" (to a server that does not report) and "delayed" stay "remis au serveur". */
function stateOfAction(action: ParsedDsn['recipients'][number]['action']): DeliveryState | null {
  if (action === 'delivered') return 'delivered';
  if (action === 'failed') return 'failed';
  if (action === 'relayed' || action === 'delayed') return 'submitted';
  return null;
}

/** Inside the write transaction, with the report message's row. */
export function recordDeliveryReport(db: Db, reportRow: number, sha256: string, dsn: ParsedDsn): DeliveryChange[] {
  const changes: DeliveryChange[] = [];
  for (const r of dsn.recipients) {
    const state = stateOfAction(r.action);
    if (!state) continue;
    const detail = [r.action === 'delayed' ? 'retardé' : r.action === 'relayed' ? 'relayé' : null, r.status, r.diagnostic].filter(Boolean).join(' ; ') || null;
    const e = { messageId: dsn.originalMessageId ?? null, envelopeId: dsn.envelopeId ?? null, recipient: r.recipient, state, at: r.at ?? dsn.date ?? Date.now(), detail, source: 'dsn' as const, sha256, reportRow };
    if (insert(db, e)) changes.push({ messageId: e.messageId, envelopeId: e.envelopeId, recipient: e.recipient.toLowerCase(), state, source: 'dsn' });
  }
  return changes;
}

/** The SMTP server's answer to our submission: accepted recipients "remis au serveur", refused ones "échec". */
export function recordSubmission(
  db: Db,
  s: { messageId: string; sha256: string; recipients: readonly string[]; rejected: readonly string[]; response: string | null; at: number },
): DeliveryChange[] {
  const rejected = new Set(s.rejected.map((a) => a.toLowerCase()));
  const changes: DeliveryChange[] = [];
  const envelopeId = envelopeIdOf(s.messageId);
  for (const recipient of s.recipients) {
    const state: DeliveryState = rejected.has(recipient.toLowerCase()) ? 'failed' : 'submitted';
    const e = { messageId: s.messageId, envelopeId, recipient, state, at: s.at, detail: state === 'failed' ? 'refusé par le serveur' : s.response, source: 'smtp' as const, sha256: s.sha256, reportRow: null };
    if (insert(db, e)) changes.push({ messageId: s.messageId, envelopeId, recipient: recipient.toLowerCase(), state, source: 'smtp' });
  }
  return changes;
}

function receiptEvent(r: ReadReceipt): DeliveryEvent | null {
  if (!r.reporter) return null;
  const at = r.date ?? 0;
  const d = r.disposition;
  if (d.error) return { recipient: r.reporter.toLowerCase(), state: 'failed', at, detail: `erreur d’intégration ${d.error.code}${d.error.label ? ` : ${d.error.label}` : ''}`, source: 'mdn' };
  if (d.type === 'displayed') return { recipient: r.reporter.toLowerCase(), state: 'read', at, detail: null, source: 'mdn' };
  if (d.type === 'processed') return { recipient: r.reporter.toLowerCase(), state: 'processed', at, detail: null, source: 'mdn' };
  if (d.type === 'deleted') return { recipient: r.reporter.toLowerCase(), state: 'processed', at, detail: 'supprimé sans être lu', source: 'mdn' };
  if (d.type === 'dispatched') return { recipient: r.reporter.toLowerCase(), state: 'processed', at, detail: 'transmis', source: 'mdn' };
  return null;
}

/** Every event about a sent message (by Message-ID, or by the ENVID derived from it). */
export function deliveryEvents(db: Db, messageId: string): DeliveryEvent[] {
  const rows = db
    .prepare(
      `SELECT recipient, state, at, detail, source FROM delivery_events WHERE message_id = ? OR envelope_id = ?
       ORDER BY at, id`,
    )
    .all(messageId, envelopeIdOf(messageId)) as { recipient: string; state: DeliveryState; at: number; detail: string | null; source: 'smtp' | 'dsn' }[];
  const events: DeliveryEvent[] = rows.map((r) => ({ ...r }));
  for (const r of receiptsForMessageId(db, messageId)) {
    const e = receiptEvent(r);
    if (e) events.push(e);
  }
  return events.sort((a, b) => a.at - b.at);
}

/** Per recipient, the furthest state reached; `recipients` adds those with no event yet (state "envoyé"). */
export function deliveryOf(events: readonly DeliveryEvent[], recipients: readonly string[] = []): RecipientDelivery[] {
  const by = new Map<string, DeliveryEvent[]>();
  for (const r of recipients) by.set(r.toLowerCase(), []);
  for (const e of events) {
    const list = by.get(e.recipient) ?? [];
    list.push(e);
    by.set(e.recipient, list);
  }
  return [...by.entries()].map(([recipient, history]) => {
    let current: DeliveryEvent | undefined;
    for (const e of history) if (!current || DELIVERY_RANK[e.state] > DELIVERY_RANK[current.state] || (DELIVERY_RANK[e.state] === DELIVERY_RANK[current.state] && e.at >= current.at)) current = e;
    return { recipient, state: current?.state ?? 'sent', at: current?.at ?? null, detail: current?.detail ?? null, history };
  });
}

/** True when nothing more is expected for this recipient. */
const deliveryConfirmed = (s: DeliveryState): boolean => DELIVERY_RANK[s] >= DELIVERY_RANK.delivered;

export interface UnconfirmedMessage {
  messageId: string;
  submittedAt: number;
  recipients: RecipientDelivery[];
}

/** Messages submitted before `before` (ms) with a recipient not yet distributed, read or failed. */
export function unconfirmedMessages(db: Db, before: number): UnconfirmedMessage[] {
  const rows = db
    .prepare(`SELECT message_id, min(at) AS at, group_concat(recipient, char(10)) AS recipients FROM delivery_events WHERE source = 'smtp' AND message_id IS NOT NULL GROUP BY message_id HAVING min(at) <= ? ORDER BY min(at)`)
    .all(before) as { message_id: string; at: number; recipients: string }[];
  const out: UnconfirmedMessage[] = [];
  for (const r of rows) {
    const recipients = deliveryOf(deliveryEvents(db, r.message_id), r.recipients.split('\n'));
    if (recipients.some((x) => !deliveryConfirmed(x.state))) out.push({ messageId: r.message_id, submittedAt: r.at, recipients });
  }
  return out;
}

/**
 * For the journal: a patient's address carries the INS; it is reduced to "patient@<domain>". A
 * patients' domain, or an INS-shaped local part on any domain (a test platform's), is enough.
 */
export function journalRecipient(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const patient = isPatientDomain(address.slice(at + 1)) || /^[0-9][0-9AB]{12}[0-9]{2}$/i.test(address.slice(0, at));
  return patient ? `patient${address.slice(at).toLowerCase()}` : address;
}

/** The French reason of a failure, from the RFC 3463 status in its detail (patients' bounces explained). */
export function failureExplanationFr(recipient: string, detail: string | null): string | null {
  const status = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(detail ?? '')?.[1];
  if (!status) return null;
  const patient = isPatientDomain(recipient.slice(recipient.lastIndexOf('@') + 1));
  const table = patient ? PATIENT_BOUNCE_FR : BOUNCE_FR;
  const reason = table.find((r) => r.status.test(status))?.fr;
  if (reason) return `${patient ? 'Message au patient non distribué' : 'Message non distribué'} : ${reason} (code ${status}).`;
  return status.startsWith('4') ? `Distribution retardée (code ${status}) : le serveur réessaiera.` : `Message non distribué (code ${status}).`;
}
