// Building the RFC 5322 message of a composed mail (pure: no I/O). nodemailer's MailComposer
// does the MIME work: UTF-8 encoded-word subjects and names, RFC 2231 filename parameters,
// base64 attachments (their bytes survive transport unchanged), multipart/alternative for HTML.
// The result is built ONCE and stored in the outbox: the bytes submitted, appended to Sent and
// shown later are the same bytes.
import { createHash, randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { AppError } from '../errors/index.js';

export interface ComposeAddress {
  address: string;
  name?: string;
}

export interface ComposeAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface ComposeInput {
  from: ComposeAddress;
  to: readonly ComposeAddress[];
  cc?: readonly ComposeAddress[];
  bcc?: readonly ComposeAddress[];
  subject: string;
  text: string;
  html?: string;
  attachments?: readonly ComposeAttachment[];
  inReplyTo?: string;
  references?: readonly string[];
  /** Disposition-Notification-To: the sender (RFC 8098); off by default */
  readReceipt?: boolean;
  /** extra header fields (the X-MSS headers, derived from the attachments by prepare.ts) */
  headers?: Readonly<Record<string, string>>;
  /** fixed by tests; otherwise a new one on the sender's domain */
  messageId?: string;
  date?: Date;
}

export interface ComposedMessage {
  messageId: string;
  /** the exact bytes to submit (no Bcc header) */
  raw: Buffer;
  sha256: string;
  envelope: { from: string; to: string[] };
  subject: string;
  recipients: { to: string[]; cc: string[]; bcc: string[] };
}

/** "<uuid@domain-of-sender>": unique, and on our own domain (RFC 5322 §3.6.4). */
export function newMessageId(senderAddress: string): string {
  const at = senderAddress.lastIndexOf('@');
  if (at < 1) throw new AppError('INVALID_ARGUMENT', 'sender address without a domain');
  return `<${randomUUID()}@${senderAddress.slice(at + 1).toLowerCase()}>`;
}

const mailbox = (a: ComposeAddress) => (a.name ? { name: a.name, address: a.address } : a.address);

/** A header value may not carry line breaks (header injection through a subject or a name). */
function oneLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new AppError('INVALID_ARGUMENT', `line break in ${field}`, { data: { field } });
  return value;
}

export async function composeMessage(input: ComposeInput): Promise<ComposedMessage> {
  const to = input.to.map((a) => a.address);
  const cc = (input.cc ?? []).map((a) => a.address);
  const bcc = (input.bcc ?? []).map((a) => a.address);
  if (to.length + cc.length + bcc.length === 0) throw new AppError('SEND_NO_RECIPIENT', 'no recipient');
  const subject = oneLine(input.subject, 'subject');
  for (const a of [input.from, ...input.to, ...(input.cc ?? []), ...(input.bcc ?? [])]) if (a.name) oneLine(a.name, 'name');
  const messageId = input.messageId ?? newMessageId(input.from.address);
  const composer = new MailComposer({
    from: mailbox(input.from),
    to: input.to.map(mailbox),
    ...(cc.length ? { cc: (input.cc ?? []).map(mailbox) } : {}),
    ...(bcc.length ? { bcc: (input.bcc ?? []).map(mailbox) } : {}),
    subject,
    text: input.text,
    ...(input.html !== undefined ? { html: input.html } : {}),
    messageId,
    date: input.date ?? new Date(),
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references?.length ? { references: [...input.references] } : {}),
    headers: {
      ...Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [oneLine(k, 'header'), oneLine(v, 'header')])),
      ...(input.readReceipt ? { 'Disposition-Notification-To': input.from.address } : {}),
    },
    attachments: (input.attachments ?? []).map((a) => ({
      filename: oneLine(a.filename, 'filename'),
      contentType: a.contentType,
      content: Buffer.from(a.content),
      contentDisposition: 'attachment' as const,
      // base64: a PDF's bytes come back identical whatever the relays do to lines. A forwarded
      // message/rfc822 may not be base64 (RFC 2046 §5.2.1): it travels as it came.
      contentTransferEncoding: a.contentType.toLowerCase() === 'message/rfc822' ? (a.content.every((b) => b < 0x80) ? '7bit' : '8bit') : 'base64',
    })),
  });
  const node = composer.compile();
  const raw = await node.build();
  return {
    messageId,
    raw,
    sha256: createHash('sha256').update(raw).digest('hex'),
    envelope: { from: input.from.address, to: [...to, ...cc, ...bcc] },
    subject,
    recipients: { to, cc, bcc },
  };
}
