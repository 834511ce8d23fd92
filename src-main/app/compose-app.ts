// Compose helpers of the facade: reply / reply-all / forward drafts built from a
// stored message (wording and threading by the sending module), and the files
// attached to a draft, held by main (the renderer only knows their ids) and
// wiped when the session locks. Sending itself is send-app.ts.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { Draft } from '../ipc/contract.js';
import { contentTypeOf, replyFields } from '../send/index.js';
import { parseId, type MailStorePort } from './mail-app.js';
import type { CoreChannelHandlers, CoreInternals } from './services.js';

/** Same limit as the contract's compose.attachData (25 MB once decoded). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
const MAX_HELD_BYTES = 200 * 1024 * 1024;

/** The declared type when it says something, else the sending module's guess from the name. */
function contentTypeFor(filename: string, declared?: string): string {
  if (declared && /^[a-z]+\/[a-z0-9.+-]+$/i.test(declared) && declared !== 'application/octet-stream') return declared;
  return contentTypeOf(filename);
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
      'compose.template': async ({ messageId, mode }) => {
        const id = parseId(messageId, 'message');
        const original = await store().getMessage(id);
        const fields = replyFields(original, mode, (await me()) ?? '');
        const draft: Draft = {
          to: fields.to,
          cc: fields.cc,
          bcc: [],
          subject: fields.subject.slice(0, 998),
          text: `\n\n${fields.quoted}\n`,
          attachments: [],
          readReceipt: false,
          ...(fields.inReplyTo ? { inReplyTo: fields.inReplyTo } : {}),
          ...(fields.references.length ? { references: fields.references } : {}),
        };
        if (mode !== 'forward') return { ...draft, replyTo: messageId };
        // The original travels whole (attachments and headers intact) as message/rfc822, as the CLI does.
        const name = `${(original.subject ?? 'message').replace(/[\\/:*?"<>|\r\n]+/g, ' ').slice(0, 80)}.eml`;
        return { ...draft, attachments: [hold(name, 'message/rfc822', (await store().getRaw(id)).raw)] };
      },
      'compose.attachData': async ({ filename, contentType, dataBase64 }) => hold(filename, contentType, Buffer.from(dataBase64, 'base64')),
    },
    attachFile: async ({ filename, contentType, data }) => hold(filename, contentType, data),
    attachment: (id) => held.get(id),
    clear: () => held.clear(),
  };
}
