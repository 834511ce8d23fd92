// The compose side the facade can offer before the outbox (issue 6) lands:
// reply / reply-all / forward drafts built from a stored message, and the
// files attached to a draft, held by main (the renderer only knows their ids)
// and wiped when the session locks. Saving drafts and sending wait for the outbox.
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { AppError } from '../errors/index.js';
import type { Draft } from '../ipc/contract.js';
import type { MessageDetail } from '../store/types.js';
import type { MailAddress } from '../store/parse.js';
import { parseId, type MailStorePort } from './mail-app.js';
import type { CoreChannelHandlers, CoreInternals } from './services.js';

/** Same limit as the contract's compose.attachData (25 MB once decoded). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
const MAX_HELD_BYTES = 200 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.xml': 'text/xml',
  '.txt': 'text/plain',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.hl7': 'text/plain',
};

export function contentTypeFor(filename: string, declared?: string): string {
  if (declared && /^[a-z]+\/[a-z0-9.+-]+$/i.test(declared) && declared !== 'application/octet-stream') return declared;
  return CONTENT_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

const PREFIX = { reply: 'RE : ', forward: 'TR : ' } as const;

/** "RE : " once, whatever the original already carries (RE:, Re :, TR:, Fwd:…). */
export function prefixedSubject(subject: string, mode: 'reply' | 'forward'): string {
  const bare = subject.replace(/^(\s*(re|tr|fw|fwd)\s*:\s*)+/i, '');
  return (PREFIX[mode] + bare).slice(0, 998);
}

const dateFr = (ms: number | null) =>
  new Date(ms ?? 0).toLocaleString('fr-FR', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Paris' });
const who = (a: MailAddress | null) => (a ? (a.name ? `${a.name} <${a.address}>` : a.address) : '');
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The draft of a reply, reply-all or forward (pure). `me` is left out of reply-all recipients. */
export function draftFrom(original: MessageDetail, mode: 'reply' | 'reply-all' | 'forward', me: string | undefined): Draft {
  const addr = (a: MailAddress) => ({ address: a.address, ...(a.name ? { name: a.name } : {}) });
  const base = { cc: [], bcc: [], attachments: [], readReceipt: false };
  if (mode === 'forward') {
    const header = [
      '-------- Message transféré --------',
      `De : ${who(original.from)}`,
      `Date : ${dateFr(original.date)}`,
      `Objet : ${original.subject ?? ''}`,
      `À : ${original.to.map(who).join(', ')}`,
    ].join('\n');
    return { ...base, to: [], subject: prefixedSubject(original.subject ?? '', 'forward'), text: `\n\n${header}\n\n${original.text ?? ''}` };
  }
  const to = (original.replyTo.length ? original.replyTo : original.from ? [original.from] : []).map(addr);
  const cc =
    mode === 'reply-all'
      ? [...original.to, ...original.cc].filter((a) => !(me && same(a.address, me)) && !to.some((t) => same(t.address, a.address))).map(addr)
      : [];
  const quoted = (original.text ?? '').split(/\r?\n/).map((l) => `> ${l}`).join('\n');
  return {
    ...base,
    to,
    cc,
    subject: prefixedSubject(original.subject ?? '', 'reply'),
    text: `\n\nLe ${dateFr(original.date)}, ${who(original.from)} a écrit :\n${quoted}\n`,
    ...(original.messageId ? { inReplyTo: original.messageId, references: [...original.references, original.messageId].slice(-50) } : {}),
  };
}

interface Held {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ComposeApp {
  channels: Pick<CoreChannelHandlers, 'compose.template' | 'compose.attachData'>;
  attachFile: CoreInternals['attachFile'];
  /** The bytes of a draft attachment (for the outbox). */
  attachment(attachmentId: string): Held | undefined;
  /** Forget every held attachment (session lock). */
  clear(): void;
}

export function createComposeApp(store: () => MailStorePort, me: () => Promise<string | undefined>): ComposeApp {
  const held = new Map<string, Held>();
  const heldBytes = () => [...held.values()].reduce((n, h) => n + h.data.length, 0);

  const hold = (filename: string, contentType: string, data: Buffer) => {
    if (data.length > MAX_ATTACHMENT_BYTES) throw new AppError('INVALID_ARGUMENT', 'attachment larger than 25 MB', { data: { maxBytes: MAX_ATTACHMENT_BYTES } });
    if (heldBytes() + data.length > MAX_HELD_BYTES) throw new AppError('INVALID_ARGUMENT', 'too many attachments held for drafts', { data: { maxBytes: MAX_HELD_BYTES } });
    const attachmentId = randomUUID();
    const type = contentTypeFor(filename, contentType);
    held.set(attachmentId, { filename, contentType: type, data });
    return { attachmentId, filename, contentType: type, size: data.length };
  };

  return {
    channels: {
      'compose.template': async ({ messageId, mode }) => draftFrom(await store().getMessage(parseId(messageId, 'message')), mode, await me()),
      'compose.attachData': async ({ filename, contentType, dataBase64 }) => hold(filename, contentType, Buffer.from(dataBase64, 'base64')),
    },
    attachFile: async ({ filename, contentType, data }) => hold(filename, contentType, data),
    attachment: (id) => held.get(id),
    clear: () => held.clear(),
  };
}
