// Read receipts (MDN) for the messages we sent, in the store: recognised on
// the sync write path (the `receipt` store hook before the transaction —
// xdm/receipt-hook.ts, injected like trust — and `recordReceipt` inside it,
// with the receipt message), shown on the Sent copy whose
// Message-ID they name (`receiptsForMessage`), whichever of the two was
// synced first. Table: migration 006.
import type { Db } from './database.js';

export interface ReadReceipt {
  /** Message-ID of the sent message, "<…>" */
  originalMessageId: string;
  disposition: { type: string; actionMode?: string; sendingMode?: string; error?: { code: string; label: string } };
  /** when the reader's client produced it (Date header), ms */
  date: number | null;
  /** the reader's address */
  reporter: string | null;
}

/** Inside the write transaction, with the receipt message's row. */
export function recordReceipt(db: Db, folderId: number, receiptRow: number, sha256: string, r: ReadReceipt): void {
  db.prepare(
    `INSERT OR IGNORE INTO read_receipts (account_id, receipt_row, receipt_sha256, original_message_id, disposition, action_mode, sending_mode,
       error_code, error_label, reported_at, reporter, stored_at)
     SELECT account_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM folders WHERE id = ?`,
  ).run(
    receiptRow, sha256, r.originalMessageId, r.disposition.type, r.disposition.actionMode ?? null, r.disposition.sendingMode ?? null,
    r.disposition.error?.code ?? null, r.disposition.error?.label ?? null, r.date, r.reporter, Date.now(), folderId,
  );
}

/** Receipts of a message of a Sent folder (the same account's receipts naming its Message-ID), oldest first; [] for others. */
export function receiptsForMessage(db: Db, messageRow: number): ReadReceipt[] {
  const rows = db
    .prepare(
      `SELECT r.original_message_id, r.disposition, r.action_mode, r.sending_mode, r.error_code, r.error_label, r.reported_at, r.reporter
       FROM messages m JOIN folders f ON f.id = m.folder_id
       JOIN read_receipts r ON r.account_id = f.account_id AND r.original_message_id = m.message_id
       WHERE m.id = ? AND f.special_use = '\\Sent' ORDER BY coalesce(r.reported_at, r.stored_at), r.id`,
    )
    .all(messageRow) as Record<string, string | number | null>[];
  return rows.map(receiptFromRow);
}

/** A read_receipts row (the columns both queries select) as a ReadReceipt. */
function receiptFromRow(r: Record<string, string | number | null>): ReadReceipt {
  return {
    originalMessageId: r.original_message_id as string,
    disposition: {
      type: r.disposition as string,
      ...(r.action_mode !== null ? { actionMode: r.action_mode as string } : {}),
      ...(r.sending_mode !== null ? { sendingMode: r.sending_mode as string } : {}),
      ...(r.error_code !== null ? { error: { code: r.error_code as string, label: (r.error_label as string | null) ?? '' } } : {}),
    },
    date: r.reported_at as number | null,
    reporter: r.reporter as string | null,
  };
}

/** Receipts naming this Message-ID, whatever folder the sent copy is in (delivery tracking), oldest first. */
export function receiptsForMessageId(db: Db, messageId: string): ReadReceipt[] {
  const rows = db
    .prepare(
      `SELECT original_message_id, disposition, action_mode, sending_mode, error_code, error_label, reported_at, reporter
       FROM read_receipts WHERE original_message_id = ? ORDER BY coalesce(reported_at, stored_at), id`,
    )
    .all(messageId) as Record<string, string | number | null>[];
  return rows.map(receiptFromRow);
}
