// Which mailbox the app syncs and sends from, and how it connects: the account
// of the data folder (`mssante account add` or the first-run screen; the card
// account first, else a Pro Santé Connect one), the IGC-Santé verifier (or the
// account's qualification anchors, logged), and IMAP/SMTP sessions signed by the
// currently logged-in card, or XOAUTH2 with the PSC session's access token (handed
// over only inside a connection our TLS client verified). Electron-free: the shell
// and the harness share it.
import { JsonFileAccountRepository } from '../accounts/account-repository.js';
import type { AccountConfig } from '../accounts/account.js';
import { CardSigner, type CardSession, type CardSignerOptions } from '../card/index.js';
import { AppError } from '../errors/index.js';
import { accountConnection } from '../send/account-connection.js';
import type { AccountMailChannel } from '../send/index.js';
import type { ImapConnector } from '../sync/connector.js';
import { createServerCertificateVerifier } from '../tls/pki/verifier.js';
import { appAccount } from './account-setup.js';

export interface CardAccountTargetOptions {
  /** Data folder holding accounts.json and the CRL cache. */
  home: string;
  currentSession: () => CardSession | undefined;
  /** Asked when the card's key demands the PIN for every signature (the window's dialog: card-app.ts). */
  pinForSignature?: () => Promise<Buffer | null>;
  /** The Pro Santé Connect session (PSC accounts): its access token, PSC_NOT_LOGGED_IN without a session. */
  psc?: () => { accessToken(): Promise<string>; loggedIn(): boolean } | undefined;
  log: (line: string) => void;
}

function pscToken(o: CardAccountTargetOptions): () => Promise<string> {
  return async () => {
    const psc = o.psc?.();
    if (!psc) throw new AppError('PSC_NOT_LOGGED_IN', 'no Pro Santé Connect session');
    return psc.accessToken();
  };
}

export async function cardAccount(home: string): Promise<AccountConfig | undefined> {
  return (await JsonFileAccountRepository.inHome(home).list()).find((a) => a.auth.kind === 'card');
}

function signerOptions(o: CardAccountTargetOptions): CardSignerOptions {
  return o.pinForSignature ? { pinForSignature: o.pinForSignature } : {};
}

function accountVerifier(account: AccountConfig, o: CardAccountTargetOptions) {
  return createServerCertificateVerifier({
    home: o.home,
    ...(account.trustAnchorsFile ? { trustAnchorsFile: account.trustAnchorsFile } : {}),
    crlSoftFail: false,
    log: o.log,
  });
}

/** The outbox's SMTP (and Sent/Drafts IMAP) channel, signed by the logged-in card (or XOAUTH2); undefined without a login. */
export function cardMailChannel(o: CardAccountTargetOptions): (account: AccountConfig) => AccountMailChannel | undefined {
  return (account) => {
    if (account.auth.kind === 'psc') return o.psc?.()?.loggedIn() ? accountConnection(account, { kind: 'psc', accessToken: pscToken(o) }, accountVerifier(account, o)).mailChannel() : undefined;
    const session = o.currentSession();
    return session ? accountConnection(account, { kind: 'certificate', signer: new CardSigner(session, signerOptions(o)) }, accountVerifier(account, o)).mailChannel() : undefined;
  };
}

export function cardAccountTarget(o: CardAccountTargetOptions): () => Promise<{ address: string; connector: ImapConnector } | undefined> {
  return async () => {
    const account = await appAccount(o.home);
    if (!account) return undefined;
    const verifier = accountVerifier(account, o);
    if (account.auth.kind === 'psc') {
      return { address: account.address, connector: accountConnection(account, { kind: 'psc', accessToken: pscToken(o) }, verifier).imapConnector() };
    }
    return {
      address: account.address,
      connector: {
        // the card logged in at the time of each connection (a lock ends it; the next unlock brings another)
        connect: async () => {
          const session = o.currentSession();
          if (!session) throw new AppError('CARD_PIN_REQUIRED', 'no logged-in card for the IMAP session');
          return accountConnection(account, { kind: 'certificate', signer: new CardSigner(session, signerOptions(o)) }, verifier).imapConnector().connect();
        },
      },
    };
  };
}
