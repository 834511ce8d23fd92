// The outbox's network side for one account: submission over the card channel (src-main/smtp)
// or with a Pro Santé Connect token (XOAUTH2), and the Sent / Drafts folders over IMAP
// (src-main/imap), one lazily opened IMAP session.
import type { ImapFlow } from 'imapflow';
import type { AccountConfig } from '../accounts/account.js';
import { openImapSession } from '../imap/index.js';
import { openXoauth2ImapSession } from '../imap/xoauth2.js';
import { createSmtpTransport, type SmtpTransportOptions } from '../smtp/index.js';
import { dsnRequest } from '../smtp/dsn.js';
import { createXoauth2SmtpTransport } from '../smtp/xoauth2.js';
import type { ServerCertificateVerifier, Signer } from '../tls/index.js';
import type { MailChannel, SubmitResult } from './outbox-runner.js';

type SpecialUse = '\\Sent' | '\\Drafts';
const FALLBACK_PATH: Record<SpecialUse, string> = { '\\Sent': 'Sent', '\\Drafts': 'Drafts' };

interface AuthContext {
  maxAllowedSize?: number | false;
  extensions?: string[];
  resolve(): void;
  reject(err: Error | string): void;
}
type AuthHandler = (ctx: AuthContext) => Promise<void> | void;
interface TransportInternals {
  options: { customAuth: Record<string, AuthHandler>; forceAuth?: boolean };
}

export interface AccountMailChannel extends MailChannel {
  appendDraft(raw: Buffer): Promise<number | null>;
  deleteDraft(uid: number): Promise<void>;
  close(): Promise<void>;
}

/** How the channel reaches the servers: the card's EXTERNAL, or XOAUTH2. The transport has exactly one customAuth method. */
interface Connections {
  openImap(): Promise<ImapFlow>;
  createTransport(): Promise<ReturnType<typeof createSmtpTransport>>;
}

export function accountMailChannel(account: Pick<AccountConfig, 'smtp' | 'imap'>, signer: Signer, verifier: ServerCertificateVerifier, smtpOptions: SmtpTransportOptions = {}): AccountMailChannel {
  return mailChannel({
    openImap: () => openImapSession(account.imap, signer, verifier),
    createTransport: async () => createSmtpTransport(account.smtp, signer, verifier, smtpOptions),
  });
}

/** The same channel for a Pro Santé Connect account: the token is asked at each connection (the session refreshes it). */
export function xoauth2MailChannel(account: Pick<AccountConfig, 'smtp' | 'imap' | 'address'>, accessToken: () => Promise<string>, verifier: ServerCertificateVerifier): AccountMailChannel {
  return mailChannel({
    openImap: () => openXoauth2ImapSession(account.imap, { user: account.address, accessToken }, verifier),
    createTransport: async () => createXoauth2SmtpTransport(account.smtp, { user: account.address, accessToken: await accessToken() }, verifier),
  });
}

function mailChannel(conn: Connections): AccountMailChannel {
  let maxBytes: number | null | undefined;
  let imap: ImapFlow | undefined;
  const folders = new Map<SpecialUse, string>();

  const session = async (): Promise<ImapFlow> => {
    if (imap && imap.usable) return imap;
    imap = await conn.openImap();
    return imap;
  };

  const folder = async (use: SpecialUse): Promise<string> => {
    const known = folders.get(use);
    if (known) return known;
    const list = await (await session()).list();
    const path = list.find((f) => f.specialUse === use)?.path ?? FALLBACK_PATH[use];
    folders.set(use, path);
    return path;
  };

  const append = async (use: SpecialUse, raw: Buffer, flags: string[]): Promise<number | null> => {
    const path = await folder(use);
    const res = await (await session()).append(path, raw, flags);
    return res && typeof res === 'object' && typeof res.uid === 'number' ? res.uid : null;
  };

  return {
    async submit(envelope, raw, beforeTransaction, opts = {}): Promise<SubmitResult> {
      let dsnOffered = false;
      const transport = await conn.createTransport();
      // nodemailer runs MAIL FROM right after the auth handler resolves: wrapping the handler is
      // the one point where "authenticated, nothing submitted yet" is certain (see outbox-runner.ts).
      // forceAuth: a server that does not offer AUTH must not get a submission without that point.
      const internals = (transport as unknown as { transporter: TransportInternals }).transporter.options;
      internals.forceAuth = true;
      const method = Object.keys(internals.customAuth)[0]!; // EXTERNAL or XOAUTH2
      const auth = internals.customAuth[method]!;
      // The handler answers through ctx.resolve/reject or through its promise; either way
      // nodemailer hears "authenticated" (and sends MAIL FROM) only once beforeTransaction has
      // resolved: in the app that is the store thread's answer that 'sending' is committed.
      internals.customAuth[method] = (ctx) =>
        new Promise<void>((resolve, reject) => {
          let settled = false;
          const authenticated = (): void => {
            if (settled) return;
            settled = true;
            maxBytes = ctx.maxAllowedSize ? ctx.maxAllowedSize : null;
            dsnOffered = (ctx.extensions ?? []).includes('DSN');
            Promise.resolve().then(beforeTransaction).then(resolve, reject);
          };
          const refused = (err: unknown): void => {
            if (settled) return;
            settled = true;
            reject(err as Error);
          };
          try {
            const answer = auth({ ...ctx, resolve: authenticated, reject: refused });
            if (answer && typeof answer.then === 'function') answer.then(authenticated, refused);
          } catch (err) {
            refused(err);
          }
        });
      try {
        // RFC 3461: reports for every recipient, when the server offers DSN (nodemailer checks EHLO)
        const info = await transport.sendMail({ envelope, raw, ...(opts.envelopeId ? { dsn: dsnRequest(opts.envelopeId) } : {}) });
        return {
          response: info.response,
          accepted: (info.accepted as unknown[]).map(String),
          rejected: (info.rejected as unknown[]).map(String),
          dsnRequested: Boolean(opts.envelopeId) && dsnOffered,
        };
      } finally {
        transport.close();
      }
    },
    serverMaxBytes: () => maxBytes,
    async sentCopyExists(messageId) {
      const path = await folder('\\Sent');
      const client = await session();
      const lock = await client.getMailboxLock(path);
      try {
        const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        return Array.isArray(uids) && uids.length > 0;
      } finally {
        lock.release();
      }
    },
    async appendSent(raw) {
      await append('\\Sent', raw, ['\\Seen']);
    },
    appendDraft: (raw) => append('\\Drafts', raw, ['\\Draft', '\\Seen']),
    async deleteDraft(uid) {
      const path = await folder('\\Drafts');
      const client = await session();
      const lock = await client.getMailboxLock(path);
      try {
        await client.messageDelete(String(uid), { uid: true });
      } finally {
        lock.release();
      }
    },
    async close() {
      await imap?.logout().catch(() => undefined);
      imap = undefined;
    },
  };
}
