// Which mailbox the app syncs and sends from, and how it connects: the card
// account of the data folder (`mssante account add`), the IGC-Santé verifier
// (or the account's qualification anchors, logged), and IMAP/SMTP sessions
// signed by the currently logged-in card. Electron-free: the shell and the
// harness share it.
import { JsonFileAccountRepository } from '../accounts/account-repository.js';
import type { AccountConfig } from '../accounts/account.js';
import { CardSigner, type CardSession } from '../card/index.js';
import { AppError } from '../errors/index.js';
import { imapConnector } from '../imap/index.js';
import { accountMailChannel, type AccountMailChannel } from '../send/index.js';
import type { ImapConnector } from '../sync/connector.js';
import { createServerCertificateVerifier } from '../tls/pki/verifier.js';

export interface CardAccountTargetOptions {
  /** Data folder holding accounts.json and the CRL cache. */
  home: string;
  currentSession: () => CardSession | undefined;
  log: (line: string) => void;
}

export async function cardAccount(home: string): Promise<AccountConfig | undefined> {
  return (await JsonFileAccountRepository.inHome(home).list()).find((a) => a.auth.kind === 'card');
}

function accountVerifier(account: AccountConfig, o: CardAccountTargetOptions) {
  return createServerCertificateVerifier({
    home: o.home,
    ...(account.trustAnchorsFile ? { trustAnchorsFile: account.trustAnchorsFile } : {}),
    crlSoftFail: false,
    log: o.log,
  });
}

/** The outbox's SMTP (and Sent/Drafts IMAP) channel, signed by the logged-in card; undefined without one. */
export function cardMailChannel(o: CardAccountTargetOptions): (account: AccountConfig) => AccountMailChannel | undefined {
  return (account) => {
    const session = o.currentSession();
    return session ? accountMailChannel(account, new CardSigner(session), accountVerifier(account, o)) : undefined;
  };
}

export function cardAccountTarget(o: CardAccountTargetOptions): () => Promise<{ address: string; connector: ImapConnector } | undefined> {
  return async () => {
    const account = await cardAccount(o.home);
    if (!account) return undefined;
    const verifier = accountVerifier(account, o);
    return {
      address: account.address,
      connector: {
        connect: async () => {
          const session = o.currentSession();
          if (!session) throw new AppError('CARD_PIN_REQUIRED', 'no logged-in card for the IMAP session');
          return imapConnector(account.imap, new CardSigner(session), verifier).connect();
        },
      },
    };
  };
}
