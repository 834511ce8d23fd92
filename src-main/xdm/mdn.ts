// Read receipts (MDN, RFC 8098, as the ANS guide shapes them): whether to offer
// one, building it (multipart/report with the human text, the machine-readable
// message/disposition-notification and the original message), and recognising
// received ones so the sent message can show "lu le …". Pure: sending is the
// SMTP layer's job.
import { Buffer } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.js';
import { MDN_DISPOSITION_TYPES, MDN_ERROR_SUBJECT_PREFIX, MDN_READ_SUBJECT_PREFIX, XDM_SUBJECT_PATTERN, type MdnDispositionType } from '../rules/mdn.js';
import {
  addresses,
  decodeEncodedWords,
  encodeHeaderValue,
  header,
  multipartParts,
  normaliseAddress,
  normaliseMessageId,
  parseContentType,
  parseHeaderBlock,
  parseMailDate,
  rfc5322Date,
  splitEntity,
  type HeaderField,
} from './mime-lite.js';

export type RawMessage = string | Uint8Array;

function toLatin1(raw: RawMessage): string {
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : Buffer.from(raw).toString('latin1');
}

function headerFields(input: RawMessage | readonly HeaderField[]): HeaderField[] {
  return Array.isArray(input) ? [...input] : splitEntity(toLatin1(input as RawMessage)).headers;
}

// ---------------------------------------------------------------- policy

export interface MdnPolicy {
  /** a receipt was asked for and may be offered to the user */
  offer: boolean;
  /** it may be sent without asking (the requester is the envelope sender) */
  automaticAllowed: boolean;
  reason: 'ok' | 'not-requested' | 'already-sent' | 'is-report' | 'return-path-mismatch' | 'no-return-path' | 'several-addresses';
  /** where the receipt goes (Disposition-Notification-To) */
  notificationTo?: string;
  returnPath?: string;
}

/**
 * RFC 8098 §2.1 / ANS: offer a receipt only when Disposition-Notification-To
 * is present; never send one automatically when that address differs from
 * Return-Path (or Return-Path is absent, or several addresses are asked):
 * the user must confirm. Never answer a report with a report.
 */
export function mdnPolicy(original: RawMessage | readonly HeaderField[], opts: { alreadySent?: boolean } = {}): MdnPolicy {
  const fields = headerFields(original);
  const dnt = addresses(decodeEncodedWords(header(fields, 'Disposition-Notification-To') ?? ''));
  const returnPath = addresses(header(fields, 'Return-Path'))[0];
  const base = { ...(dnt[0] ? { notificationTo: dnt[0] } : {}), ...(returnPath ? { returnPath } : {}) };
  if (dnt.length === 0) return { offer: false, automaticAllowed: false, reason: 'not-requested', ...base };
  const ct = parseContentType(header(fields, 'Content-Type'));
  if (ct.type === 'multipart/report' || ct.type === 'message/disposition-notification') {
    return { offer: false, automaticAllowed: false, reason: 'is-report', ...base };
  }
  if (opts.alreadySent) return { offer: false, automaticAllowed: false, reason: 'already-sent', ...base };
  if (dnt.length > 1) return { offer: true, automaticAllowed: false, reason: 'several-addresses', ...base };
  if (!returnPath) return { offer: true, automaticAllowed: false, reason: 'no-return-path', ...base };
  if (returnPath.toLowerCase() !== dnt[0]!.toLowerCase()) return { offer: true, automaticAllowed: false, reason: 'return-path-mismatch', ...base };
  return { offer: true, automaticAllowed: true, reason: 'ok', ...base };
}

// ---------------------------------------------------------------- build

export interface MdnDisposition {
  /** manual-action: the user acted (opened, confirmed); automatic-action: a system did */
  actionMode?: 'manual-action' | 'automatic-action';
  sendingMode?: 'MDN-sent-manually' | 'MDN-sent-automatically';
  type: MdnDispositionType;
  /** ANS integration error: "processed/Error: 902^Identifiant de patient inconnu" */
  error?: { code: string; label: string };
}

export interface BuildMdnOptions {
  disposition: MdnDisposition;
  /** the reader: the MSSanté address the original was delivered to */
  reporter: { address: string; name?: string };
  /** product token for Reporting-UA */
  userAgent?: string;
  date?: Date;
  /** 'full' (ANS: the original message with its attachments) or 'headers' only */
  includeOriginal?: 'full' | 'headers';
}

export interface BuiltMdn {
  /** the complete RFC 5322 message, CRLF line ends */
  raw: Uint8Array;
  /** envelope recipient: the Disposition-Notification-To address */
  to: string;
  from: string;
  messageId: string;
  subject: string;
}

export function buildMdn(original: RawMessage, opts: BuildMdnOptions): BuiltMdn {
  const originalLatin1 = toLatin1(original);
  const entity = splitEntity(originalLatin1);
  const fields = entity.headers;
  const to = addresses(decodeEncodedWords(header(fields, 'Disposition-Notification-To') ?? ''))[0];
  if (!to) throw new AppError('MDN_NOT_REQUESTED', 'original has no Disposition-Notification-To');
  const reporter = normaliseAddress(opts.reporter.address.trim());
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(reporter)) throw new AppError('INVALID_ARGUMENT', 'reporter address is not an address');
  if (!(MDN_DISPOSITION_TYPES as readonly string[]).includes(opts.disposition.type)) {
    throw new AppError('INVALID_ARGUMENT', `unknown disposition type ${String(opts.disposition.type)}`);
  }
  const now = opts.date ?? new Date();
  const originalId = normaliseMessageId(header(fields, 'Message-ID'));
  const originalSubject = latin1ToUtf8(decodeEncodedWords(header(fields, 'Subject') ?? '')).trim();
  const subject = mdnSubject(originalSubject, opts.disposition);
  const messageId = `<${randomUUID()}@${reporter.slice(reporter.lastIndexOf('@') + 1)}>`;
  const boundary = pickBoundary(originalLatin1);
  const disposition = dispositionField(opts.disposition);
  const originalRecipient = header(fields, 'Original-Recipient');

  const dnFields = [
    `Reporting-UA: ${reporter.slice(reporter.lastIndexOf('@') + 1)}; ${asciiToken(opts.userAgent ?? 'Messagerie-MSSante')}`,
    ...(originalRecipient ? [`Original-Recipient: ${originalRecipient}`] : []),
    `Final-Recipient: rfc822;${reporter}`,
    ...(originalId ? [`Original-Message-ID: ${originalId}`] : []),
    `Disposition: ${disposition}`,
  ];
  const includeFull = (opts.includeOriginal ?? 'full') === 'full';
  const originalPart = includeFull ? toCrlf(originalLatin1) : toCrlf(originalLatin1.slice(0, originalLatin1.length - entity.body.length)).replace(/(\r\n)+$/, '');
  const eightBit = /[\x80-\xff]/.test(originalPart);

  const head = [
    `Date: ${rfc5322Date(now)}`,
    `From: ${opts.reporter.name ? `${displayName(opts.reporter.name)} <${reporter}>` : reporter}`,
    `To: ${to}`,
    `Subject: ${encodeHeaderValue(subject)}`,
    `Message-ID: ${messageId}`,
    ...(originalId ? [`In-Reply-To: ${originalId}`, `References: ${originalId}`] : []),
    ...(opts.disposition.actionMode === 'automatic-action' ? ['Auto-Submitted: auto-replied'] : []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification;\r\n boundary="${boundary}"`,
  ].join('\r\n');

  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
      utf8ToLatin1(humanText(opts.disposition, originalSubject, header(fields, 'Date'), reporter, now)) +
      '\r\n',
    `--${boundary}\r\nContent-Type: message/disposition-notification\r\n\r\n${dnFields.join('\r\n')}\r\n`,
    `--${boundary}\r\nContent-Type: ${includeFull ? 'message/rfc822' : 'text/rfc822-headers'}\r\n` +
      `${eightBit ? 'Content-Transfer-Encoding: 8bit\r\n' : ''}\r\n${originalPart}${originalPart.endsWith('\r\n') ? '' : '\r\n'}`,
  ];
  const raw = `${head}\r\n\r\n${parts.join('')}--${boundary}--\r\n`;
  return { raw: new Uint8Array(Buffer.from(raw, 'latin1')), to, from: reporter, messageId, subject };
}

function mdnSubject(originalSubject: string, d: MdnDisposition): string {
  if (d.error) return `${MDN_ERROR_SUBJECT_PREFIX}[${d.error.code}] ${originalSubject}`.trim();
  if (XDM_SUBJECT_PATTERN.test(originalSubject)) return originalSubject;
  return `${MDN_READ_SUBJECT_PREFIX}${originalSubject || '(sans objet)'}`;
}

function dispositionField(d: MdnDisposition): string {
  const action = d.actionMode ?? 'manual-action';
  const sending = d.sendingMode ?? (action === 'manual-action' ? 'MDN-sent-manually' : 'MDN-sent-automatically');
  const error = d.error ? `/Error: ${sanitizeField(d.error.code)}^${sanitizeField(d.error.label)}` : '';
  return `${action}/${sending}; ${d.type}${error}`;
}

// Header-field text: no line breaks (header injection), ASCII only where RFC 8098 wants it.
function sanitizeField(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

// Non-ASCII names become encoded words (never inside quotes); ASCII ones are quoted when needed.
function displayName(name: string): string {
  const clean = sanitizeField(name);
   
  if (!/^[\x20-\x7e]*$/.test(clean)) return encodeHeaderValue(clean);
  return /^[\w .-]*$/.test(clean) ? clean : `"${clean.replace(/(["\\])/g, '\\$1')}"`;
}

function asciiToken(s: string): string {
  return s.normalize('NFD').replace(/[^\x21-\x7e ]/g, '').trim() || 'Messagerie-MSSante';
}

const TYPE_FR: Record<MdnDispositionType, string> = {
  displayed: 'a été affiché (lu)',
  deleted: 'a été supprimé',
  dispatched: 'a été transmis',
  processed: 'a été traité',
};

function humanText(d: MdnDisposition, subject: string, sentDate: string | undefined, reporter: string, now: Date): string {
  if (d.error) {
    return `Le document n’a pas pu être intégré.\r\nLe système a retourné l'erreur ${sanitizeField(d.error.code)}^${sanitizeField(d.error.label)}`;
  }
  const sent = parseMailDate(sentDate);
  return (
    `Le message « ${subject || '(sans objet)'} »` +
    (sent ? ` envoyé le ${formatFr(sent)}` : '') +
    ` à ${reporter} ${TYPE_FR[d.type]} le ${formatFr(now)}.\r\n` +
    `Cet accusé ne garantit pas que le contenu a été lu ou compris.`
  );
}

/** "26/11/2026 à 11:00" in French time (Europe/Paris). */
function formatFr(d: Date): string {
  const f = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  return f.format(d).replace(' ', ' à ');
}

function pickBoundary(avoid: string): string {
  for (;;) {
    const b = `=_mdn_${randomBytes(12).toString('hex')}`;
    if (!avoid.includes(b)) return b;
  }
}

function toCrlf(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

function latin1ToUtf8(s: string): string {
  // Raw header bytes were read as latin1; 8-bit UTF-8 subjects (RFC 6532) must be re-decoded.
  const bytes = Buffer.from(s, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return s;
  }
}

function utf8ToLatin1(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * What `mdn send` does before handing the receipt to SMTP: checks the policy
 * (a receipt was asked for, not already sent; explicit confirmation when the
 * requester is not the envelope sender) and builds the MDN with its envelope.
 */
export function prepareMdnSend(
  original: RawMessage,
  opts: BuildMdnOptions & { confirmed?: boolean; alreadySent?: boolean },
): BuiltMdn & { envelope: { from: string; to: string[] }; policy: MdnPolicy } {
  const policy = mdnPolicy(original, { alreadySent: opts.alreadySent ?? false });
  if (!policy.offer) throw new AppError('MDN_NOT_REQUESTED', `no receipt to send: ${policy.reason}`, { data: { reason: policy.reason } });
  if (!policy.automaticAllowed && !opts.confirmed) {
    throw new AppError('MDN_CONFIRMATION_REQUIRED', `receipt needs confirmation: ${policy.reason}`, {
      data: { reason: policy.reason, ...(policy.notificationTo ? { notificationTo: policy.notificationTo } : {}) },
    });
  }
  const built = buildMdn(original, opts);
  return { ...built, envelope: { from: built.from, to: [built.to] }, policy };
}

// ---------------------------------------------------------------- parse

export interface ParsedMdn {
  /** Message-ID of the message this receipt is about, "<…>" */
  originalMessageId?: string;
  disposition: {
    actionMode?: string;
    sendingMode?: string;
    type: MdnDispositionType | string;
    error?: { code: string; label: string };
  };
  finalRecipient?: string;
  originalRecipient?: string;
  reportingUa?: string;
  /** Date header of the receipt: when it was produced */
  date?: Date;
  from?: string;
}

/**
 * Recognises a received MDN. Returns undefined when the message is not one;
 * throws MDN_INVALID when it claims to be one but carries no disposition.
 */
export function parseMdn(raw: RawMessage): ParsedMdn | undefined {
  const entity = splitEntity(toLatin1(raw));
  const ct = parseContentType(header(entity.headers, 'Content-Type'));
  let dnPart: { headers: HeaderField[]; body: string } | undefined;
  if (ct.type === 'multipart/report' && ct.params['report-type']?.toLowerCase() === 'disposition-notification') {
    if (!ct.params.boundary) throw new AppError('MDN_INVALID', 'multipart/report without boundary');
    dnPart = multipartParts(entity.body, ct.params.boundary).find(
      (p) => parseContentType(header(p.headers, 'Content-Type')).type === 'message/disposition-notification',
    );
    if (!dnPart) throw new AppError('MDN_INVALID', 'no message/disposition-notification part');
  } else if (ct.type === 'message/disposition-notification') {
    dnPart = { headers: [], body: entity.body };
  } else {
    return undefined;
  }
  // Fields normally follow a blank line; the ANS examples put them right after Content-Type.
  const fields = [...dnPart.headers.filter((f) => !/^content-/i.test(f.name)), ...parseHeaderBlock(decodePartBody(dnPart))];
  const disposition = header(fields, 'Disposition');
  if (!disposition) throw new AppError('MDN_INVALID', 'no Disposition field');
  const originalMessageId = normaliseMessageId(header(fields, 'Original-Message-ID'));
  const finalRecipient = recipientAddress(header(fields, 'Final-Recipient'));
  const originalRecipient = recipientAddress(header(fields, 'Original-Recipient'));
  const reportingUa = header(fields, 'Reporting-UA');
  const date = parseMailDate(header(entity.headers, 'Date'));
  const from = addresses(header(entity.headers, 'From'))[0];
  return {
    ...(originalMessageId ? { originalMessageId } : {}),
    disposition: parseDisposition(disposition),
    ...(finalRecipient ? { finalRecipient } : {}),
    ...(originalRecipient ? { originalRecipient } : {}),
    ...(reportingUa ? { reportingUa } : {}),
    ...(date ? { date } : {}),
    ...(from ? { from } : {}),
  };
}

function decodePartBody(p: { headers: HeaderField[]; body: string }): string {
  const cte = header(p.headers, 'Content-Transfer-Encoding')?.toLowerCase();
  if (cte === 'base64') return Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') {
    return p.body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return p.body;
}

function recipientAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  return addresses(v)[0] ?? (v.trim() || undefined);
}

/** "manual-action/MDN-sent-manually; displayed" and the ANS "processed/Error: 902^label" form. */
function parseDisposition(value: string): ParsedMdn['disposition'] {
  const semi = value.indexOf(';');
  const modes = semi >= 0 ? value.slice(0, semi) : '';
  const rest = semi >= 0 ? value.slice(semi + 1) : value;
  const [actionMode, sendingMode] = modes.split('/').map((s) => s.trim());
  const m = /^\s*([A-Za-z-]+)(?:\s*\/\s*(.*))?$/s.exec(rest);
  const type = (m?.[1] ?? rest.trim()).toLowerCase();
  const modifier = m?.[2]?.trim();
  const err = modifier ? /^error\s*:?\s*([^^]*)\^?(.*)$/is.exec(modifier) : null;
  const label = err?.[2]?.split('^')[0]?.trim();
  return {
    ...(actionMode ? { actionMode } : {}),
    ...(sendingMode ? { sendingMode } : {}),
    type,
    ...(err ? { error: { code: err[1]!.trim(), label: label ?? '' } } : {}),
  };
}

/** What the sent message shows: "lu le 26/11/2026 à 11:00", "erreur d’intégration 902 : …". */
export function mdnStatusFr(mdn: ParsedMdn): string {
  const when = mdn.date ? ` le ${formatFr(mdn.date)}` : '';
  if (mdn.disposition.error) {
    return `erreur d’intégration ${mdn.disposition.error.code}${mdn.disposition.error.label ? ` : ${mdn.disposition.error.label}` : ''}${when}`;
  }
  switch (mdn.disposition.type) {
    case 'displayed':
      return `lu${when}`;
    case 'deleted':
      return `supprimé${when}`;
    case 'dispatched':
      return `transmis${when}`;
    case 'processed':
      return `intégré${when}`;
    default:
      return `accusé « ${mdn.disposition.type} »${when}`;
  }
}

/** A stored receipt (store/receipts.ts) as `messages show --json` and the facade's `mail.read` carry it. */
export interface ReceiptView {
  /** displayed, processed, deleted, dispatched */
  disposition: string;
  /** ISO 8601, when the reader's client produced it */
  date: string | null;
  reporter: string | null;
  /** French: "lu le 26/11/2026 à 11:30", "erreur d’intégration 902 : …" */
  status: string;
}

export function receiptView(r: { disposition: ParsedMdn['disposition']; date: number | null; reporter: string | null }): ReceiptView {
  const date = r.date === null ? undefined : new Date(r.date);
  return { disposition: r.disposition.type, date: date?.toISOString() ?? null, reporter: r.reporter, status: mdnStatusFr({ disposition: r.disposition, ...(date ? { date } : {}) }) };
}

/** The French line of a receipt on the sent message: "Lu le 26/11/2026 à 11:30 par b@…". */
export function receiptLineFr(v: ReceiptView): string {
  return `${v.status.charAt(0).toUpperCase()}${v.status.slice(1)}${v.reporter ? ` par ${v.reporter}` : ''}`;
}
