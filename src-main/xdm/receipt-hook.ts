// The store's read-receipt and delivery-report hooks (StoreHooks.receipt and
// StoreHooks.deliveryReport): recognise an MDN or a DSN among received messages
// on the sync write path. Injected by the composition root
// (app/store-hooks.ts) like the trust hook, so the store never imports xdm/.
import type { ReadReceipt } from '../store/receipts.js';
import type { ParsedMessage } from '../store/parse.js';
import { parseMdn, type ParsedMdn } from './mdn.js';
import { parseDsn, type ParsedDsn } from './dsn.js';

/**
 * The receipt a received message carries, or null. Only messages whose
 * Content-Type names a disposition notification are parsed; a malformed
 * report stays an ordinary message (never a failed sync batch).
 */
export function receiptOf(parsed: Pick<ParsedMessage, 'headers'>, raw: Uint8Array): ReadReceipt | null {
  const contentType = parsed.headers.find((h) => h.key === 'content-type')?.value ?? '';
  if (!/disposition-notification/i.test(contentType)) return null;
  let mdn: ParsedMdn | undefined;
  try {
    mdn = parseMdn(raw);
  } catch {
    return null;
  }
  if (!mdn?.originalMessageId) return null;
  return {
    originalMessageId: mdn.originalMessageId,
    disposition: mdn.disposition,
    date: mdn.date ? mdn.date.getTime() : null,
    reporter: mdn.finalRecipient ?? mdn.originalRecipient ?? mdn.from ?? null,
  };
}

/** The delivery report a received message is, or null (a malformed report stays an ordinary message). */
export function deliveryReportOf(parsed: Pick<ParsedMessage, 'headers'>, raw: Uint8Array): ParsedDsn | null {
  const contentType = parsed.headers.find((h) => h.key === 'content-type')?.value ?? '';
  if (!/delivery-status/i.test(contentType)) return null;
  try {
    const dsn = parseDsn(raw);
    return dsn && dsn.recipients.length && (dsn.envelopeId || dsn.originalMessageId) ? dsn : null;
  } catch {
    return null;
  }
}
