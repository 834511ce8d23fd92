// Delivery status notifications (RFC 3464): `multipart/report; report-type=delivery-status` with a
// `message/delivery-status` part (per-message fields, then one block per recipient) and the
// returned headers of our message (`text/rfc822-headers`, or a `message/rfc822`). Parsed with
// the same small MIME reader as the MDNs (mime-lite.ts): reports are plain 7-bit text, and
// postal-mime does not expose the per-recipient field blocks.
import { AppError } from '../errors/index.js';
import { addresses, header, multipartParts, normaliseMessageId, parseContentType, parseHeaderBlock, parseMailDate, splitEntity, type HeaderField } from './mime-lite.js';

export type { DsnAction, DsnRecipient, ParsedDsn } from '../store/delivery-report.js';
import type { DsnAction, DsnRecipient, ParsedDsn } from '../store/delivery-report.js';

const ACTIONS: readonly DsnAction[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

const toLatin1 = (raw: string | Uint8Array) => (typeof raw === 'string' ? raw : Buffer.from(raw).toString('latin1'));

function typedAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  // xtext (RFC 3461 §4): "+XX" is a hex-escaped character
  const decoded = v.trim().replace(/\+([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return (addresses(decoded)[0] ?? decoded).toLowerCase() || undefined;
}

/** Field blocks separated by blank lines (RFC 3464 §2.1: per-message block, then per-recipient blocks). */
function fieldBlocks(body: string): HeaderField[][] {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => parseHeaderBlock(`${b}\n`));
}

/** The report a message is, or undefined when it is not a delivery-status report. */
export function parseDsn(raw: string | Uint8Array): ParsedDsn | undefined {
  const entity = splitEntity(toLatin1(raw));
  const ct = parseContentType(header(entity.headers, 'Content-Type'));
  if (ct.type !== 'multipart/report' || ct.params['report-type']?.toLowerCase() !== 'delivery-status') return undefined;
  if (!ct.params.boundary) throw new AppError('INVALID_ARGUMENT', 'multipart/report without boundary');
  const parts = multipartParts(entity.body, ct.params.boundary);
  const status = parts.find((p) => parseContentType(header(p.headers, 'Content-Type')).type === 'message/delivery-status');
  if (!status) throw new AppError('INVALID_ARGUMENT', 'no message/delivery-status part');
  const [perMessage = [], ...perRecipient] = fieldBlocks(status.body);
  const returned = parts.find((p) => /^(text\/rfc822-headers|message\/rfc822)$/.test(parseContentType(header(p.headers, 'Content-Type')).type));
  const returnedHeaders = returned ? splitEntity(returned.body.replace(/^\r?\n/, '')).headers : [];
  const recipients: DsnRecipient[] = [];
  for (const block of perRecipient) {
    const action = header(block, 'Action')?.trim().toLowerCase() as DsnAction | undefined;
    if (!action || !ACTIONS.includes(action)) continue;
    const originalRecipient = typedAddress(header(block, 'Original-Recipient'));
    const finalRecipient = typedAddress(header(block, 'Final-Recipient'));
    const recipient = originalRecipient ?? finalRecipient;
    if (!recipient) continue;
    const at = parseMailDate(header(block, 'Last-Attempt-Date'))?.getTime();
    const s = header(block, 'Status')?.trim();
    const d = header(block, 'Diagnostic-Code')?.replace(/\s+/g, ' ').trim();
    recipients.push({
      recipient,
      ...(originalRecipient ? { originalRecipient } : {}),
      ...(finalRecipient ? { finalRecipient } : {}),
      action,
      ...(s ? { status: s } : {}),
      ...(d ? { diagnostic: d } : {}),
      ...(at !== undefined ? { at } : {}),
    });
  }
  const envelopeId = header(perMessage, 'Original-Envelope-Id')?.trim();
  const originalMessageId = normaliseMessageId(header(returnedHeaders, 'Message-ID'));
  const reportingMta = header(perMessage, 'Reporting-MTA')?.trim();
  const date = parseMailDate(header(entity.headers, 'Date'))?.getTime();
  return {
    ...(envelopeId ? { envelopeId } : {}),
    ...(originalMessageId ? { originalMessageId } : {}),
    ...(reportingMta ? { reportingMta } : {}),
    ...(date !== undefined ? { date } : {}),
    recipients,
  };
}
