import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import type { Address, Attachment, Email } from 'postal-mime';
import { useNativeBase64 } from './mime-base64.js';
import { useSyncLineFeed } from './mime-lines.js';
import { fixRawHeaders, useFrenchTextRules } from './mime-text.js';

useNativeBase64();
useFrenchTextRules();
useSyncLineFeed();

export interface MailAddress {
  name: string;
  address: string;
}

export interface ParsedAttachment {
  filename: string | null;
  mimeType: string;
  disposition: string | null;
  contentId: string | null;
  size: number;
  sha256: string;
}

/** What the store keeps of a message besides its raw source (also what hooks see). */
export interface ParsedMessage {
  sha256: string;
  size: number;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  threadId: string;
  /** Date header in ms since epoch, null when absent or unparseable */
  date: number | null;
  subject: string | null;
  from: MailAddress | null;
  sender: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** every header, lowercase key, unfolded value, document order */
  headers: { key: string; value: string }[];
  text: string | null;
  html: string | null;
  attachments: ParsedAttachment[];
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function flatten(list: readonly Address[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const a of list ?? []) {
    if (a.group) for (const m of a.group) out.push({ name: m.name, address: m.address.toLowerCase() });
    else if (a.address !== undefined) out.push({ name: a.name, address: a.address.toLowerCase() });
  }
  return out;
}

function one(a: Address | undefined): MailAddress | null {
  return flatten(a ? [a] : [])[0] ?? null;
}

const MSGID = /<[^<>\s]+>/g;

function ids(value: string | undefined): string[] {
  return value?.match(MSGID) ?? [];
}

/** Text for indexing when a message only has HTML (tags and entities dropped). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

async function parseEmail(raw: Buffer): Promise<Email> {
  try {
    // postal-mime copies a view into a fresh ArrayBuffer; a Buffer that owns its whole ArrayBuffer
    // (what IMAP fetches and worker messages give) is handed over as is: it only reads it
    const whole = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer;
    // raw 8-bit header lines that are not UTF-8 are read as windows-1252 (a copy only then)
    const input = fixRawHeaders(raw);
    return await PostalMime.parse(input !== raw ? input : whole ? raw.buffer : raw);
  } catch {
    return { headers: [], headerLines: [], attachments: [] };
  }
}

/** Decoded bytes of an attachment (a view, no copy, when postal-mime gives an ArrayBuffer). */
function contentOf(a: Attachment): Buffer {
  if (typeof a.content === 'string') return Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8');
  return a.content instanceof ArrayBuffer ? Buffer.from(a.content) : Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
}

/**
 * The decoded content of attachment `index` (the order of ParsedMessage.attachments),
 * re-extracted from the byte-exact raw source; undefined if the message has no such part.
 */
export async function attachmentContent(raw: Buffer, index: number): Promise<Buffer | undefined> {
  const a = (await parseEmail(raw)).attachments[index];
  return a ? contentOf(a) : undefined;
}

/**
 * Parses a raw RFC 822 message with postal-mime. Never throws on malformed
 * mail: postal-mime is tolerant, and a message it cannot read still gets a
 * record (headers-only) so that nothing is silently dropped.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const sha256 = sha256Hex(raw);
  const email = await parseEmail(raw);
  const messageId = ids(email.messageId)[0] ?? null;
  const references = ids(email.references);
  const inReplyTo = ids(email.inReplyTo)[0] ?? null;
  const dateMs = email.date ? Date.parse(email.date) : NaN;
  // the content itself is not kept: it is re-extracted from the raw source when asked (attachmentContent)
  const attachments = email.attachments.map((a): ParsedAttachment => {
    const content = contentOf(a);
    return {
      filename: a.filename,
      mimeType: a.mimeType,
      disposition: a.disposition,
      contentId: a.contentId ?? null,
      size: content.length,
      sha256: sha256Hex(content),
    };
  });
  return {
    sha256,
    size: raw.length,
    messageId,
    inReplyTo,
    references,
    // the thread root: first reference, else the parent, else itself
    threadId: references[0] ?? inReplyTo ?? messageId ?? `sha256:${sha256}`,
    date: Number.isFinite(dateMs) ? dateMs : null,
    subject: email.subject ?? null,
    from: one(email.from),
    sender: one(email.sender),
    replyTo: flatten(email.replyTo),
    to: flatten(email.to),
    cc: flatten(email.cc),
    bcc: flatten(email.bcc),
    headers: email.headers.map((h) => ({ key: h.key, value: h.value })),
    text: email.text ?? null,
    html: email.html ?? null,
    attachments,
  };
}
