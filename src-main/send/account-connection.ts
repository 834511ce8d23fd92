// One way to reach an account's IMAP and SMTP servers whatever its method: the
// certificate key (CPS card or PKCS#12: mutual TLS + SASL EXTERNAL) or a Pro
// Santé Connect access token (our TLS, then SASL XOAUTH2). Commands (sync, send,
// drafts, account test, read receipts) take an AccountConnection and never
// branch on the method. The token is asked at each connection (the PSC session
// refreshes it) and handed over only inside a connection our TLS client verified.
import type { ImapFlow } from 'imapflow';
import { imapConnector, openImapSession } from '../imap/index.js';
import { openXoauth2ImapSession, xoauth2ImapConnector } from '../imap/xoauth2.js';
import { accountMailChannel, xoauth2MailChannel, type AccountMailChannel } from './mail-channel.js';
import type { AppError } from '../errors/index.js';
import { asSmtpError, createSmtpTransport, type OnTlsSocket } from '../smtp/index.js';
import { asXoauth2SmtpError, createXoauth2SmtpTransport } from '../smtp/xoauth2.js';
import type { ImapConnector } from '../sync/connector.js';
import type { ServerCertificateVerifier, Signer } from '../tls/index.js';
import type { AccountConfig } from '../accounts/account.js';

export type AccountCredentials = { kind: 'certificate'; signer: Signer } | { kind: 'psc'; accessToken: () => Promise<string> };

export type SmtpTransport = ReturnType<typeof createSmtpTransport>;

export interface AccountConnection {
  /** 'certificate': mutual TLS + EXTERNAL (card or PKCS#12); 'psc': XOAUTH2 */
  readonly kind: AccountCredentials['kind'];
  readonly verifier: ServerCertificateVerifier;
  /** the certificate's key (journal checkpoints, the sender check); null for Pro Santé Connect */
  readonly signer: Signer | null;
  /** a connected, authenticated IMAP session (`verifier` replaces the account's: account test captures the chain) */
  openImap(o?: { verifier?: ServerCertificateVerifier }): Promise<ImapFlow>;
  /** what the sync engine asks for: a fresh session per call, QRESYNC on */
  imapConnector(o?: { timeoutMs?: number }): ImapConnector;
  /** an SMTP submission transport (not connected yet) */
  smtpTransport(o?: { verifier?: ServerCertificateVerifier; onTlsSocket?: OnTlsSocket }): Promise<SmtpTransport>;
  /** the outbox's channel (submission, Sent and Drafts over IMAP) */
  mailChannel(): AccountMailChannel;
  /** an SMTP failure of this method as an AppError (a refused token is XOAUTH2_TOKEN_REFUSED, not a card refusal) */
  smtpError(err: unknown): AppError;
}

export function accountConnection(account: Pick<AccountConfig, 'address' | 'imap' | 'smtp'>, credentials: AccountCredentials, verifier: ServerCertificateVerifier): AccountConnection {
  if (credentials.kind === 'certificate') {
    const { signer } = credentials;
    return {
      kind: 'certificate',
      verifier,
      signer,
      openImap: (o = {}) => openImapSession(account.imap, signer, o.verifier ?? verifier),
      imapConnector: (o = {}) => imapConnector(account.imap, signer, verifier, o),
      smtpTransport: async (o = {}) => createSmtpTransport(account.smtp, signer, o.verifier ?? verifier, {}, o.onTlsSocket),
      mailChannel: () => accountMailChannel(account, signer, verifier),
      smtpError: asSmtpError,
    };
  }
  const { accessToken } = credentials;
  const user = account.address;
  return {
    kind: 'psc',
    verifier,
    signer: null,
    openImap: (o = {}) => openXoauth2ImapSession(account.imap, { user, accessToken }, o.verifier ?? verifier),
    imapConnector: (o = {}) => xoauth2ImapConnector(account.imap, { user, accessToken }, verifier, o),
    smtpTransport: async (o = {}) => createXoauth2SmtpTransport(account.smtp, { user, accessToken: await accessToken() }, o.verifier ?? verifier, {}, o.onTlsSocket),
    mailChannel: () => xoauth2MailChannel(account, accessToken, verifier),
    smtpError: asXoauth2SmtpError,
  };
}
