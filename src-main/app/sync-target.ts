// Which mailbox the app syncs and how it connects: the card account of the
// data folder (`mssante account add`), the IGC-Santé verifier (or the
// account's qualification anchors, logged), and an IMAP session signed by the
// currently logged-in card. Electron-free: the shell and the harness share it.
import { JsonFileAccountRepository } from '../accounts/account-repository.js';
import type { AccountConfig } from '../accounts/account.js';
import { CardSigner, type CardSession } from '../card/index.js';
import { AppError } from '../errors/index.js';
import { imapConnector } from '../imap/index.js';
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

export function cardAccountTarget(o: CardAccountTargetOptions): () => Promise<{ address: string; connector: ImapConnector } | undefined> {
  return async () => {
    const account = await cardAccount(o.home);
    if (!account) return undefined;
    const verifier = createServerCertificateVerifier({
      home: o.home,
      ...(account.trustAnchorsFile ? { trustAnchorsFile: account.trustAnchorsFile } : {}),
      crlSoftFail: false,
      log: o.log,
    });
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
