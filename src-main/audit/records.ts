// Journal records built from other modules' objects (one place that decides
// which of their fields may enter the journal).
import type { OutboxEntry } from '../send/outbox-store.js';
import type { JournalRecord } from './events.js';

/** A message accepted by the SMTP server: Message-ID, recipients' addresses (to, cc, bcc), SHA-256 of the bytes sent. */
export function sentRecord(e: Pick<OutboxEntry, 'messageId' | 'accountAddress' | 'envelope' | 'sha256' | 'size' | 'sentAt'>): JournalRecord {
  return {
    action: 'message.sent',
    data: { messageId: e.messageId, account: e.accountAddress, recipients: [...e.envelope.to], sha256: e.sha256, size: e.size },
    message: { row: null, sha256: e.sha256 },
    ...(e.sentAt !== null ? { at: e.sentAt } : {}),
  };
}
