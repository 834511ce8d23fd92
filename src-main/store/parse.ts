import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import type { Address, Email } from 'postal-mime';

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
  content: Buffer;
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

/**
 * Parses a raw RFC 822 message with postal-mime. Never throws on malformed
 * mail: postal-mime is tolerant, and a message it cannot read still gets a
 * record (headers-only) so that nothing is silently dropped.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const sha256 = sha256Hex(raw);
  let email: Email;
  try {
    email = await PostalMime.parse(raw);
  } catch {
    email = { headers: [], headerLines: [], attachments: [] };
  }
  const messageId = ids(email.messageId)[0] ?? null;
  const references = ids(email.references);
  const inReplyTo = ids(email.inReplyTo)[0] ?? null;
  const dateMs = email.date ? Date.parse(email.date) : NaN;
  const attachments = email.attachments.map((a): ParsedAttachment => {
    const content =
      typeof a.content === 'string' ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8') : Buffer.from(a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : a.content);
    return {
      filename: a.filename,
      mimeType: a.mimeType,
      disposition: a.disposition,
      contentId: a.contentId ?? null,
      size: content.length,
      sha256: sha256Hex(content),
      content,
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
