import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import { Journal } from '../../audit/journal.js';
import { composeStoreHooks, PRODUCT_STORE_HOOKS } from '../../app/store-hooks.js';
import { pruneByRetention } from '../../audit/retention.js';
import { InvalidArgumentError } from 'commander';
import { AppError, describeErrorFr } from '../../errors/index.js';
import { anchorOrWarn, checkpointOrWarn } from './audit.js';
import { openCliStore } from '../card-unlock.js';
import { TrustContext } from '../../trust/context.js';
import { trustDirOf } from '../../trust/home.js';
import { termField } from '../../common/terminal-text.js';
import type { MailStore } from '../../store/mail-store.js';
import type { ImapConnector } from '../../sync/connector.js';
import { DEFAULT_NETWORK_TIMEOUT_MS, SyncEngine, type SyncProgress, type SyncSummary } from '../../sync/engine.js';
import { syncNoticesFr } from '../../sync/summary-fr.js';
import { testConnector, testConnectorConfigured } from '../../sync/resolve-connector.js';
import { withAccountConnection } from '../account-connection.js';
import type { CliContext } from '../context.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import type { CommandRegistrar } from '../program.js';

function progressPrinter(write: (line: string) => void): (p: SyncProgress) => void {
  const tty = process.stderr.isTTY;
  let last = '';
  return (p) => {
    const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
    const phase = p.phase === 'initial' ? 'téléchargement' : p.phase === 'replay' ? 'envoi des modifications' : 'mise à jour';
    if (tty) {
      const width = 30;
      const bar = '█'.repeat(Math.round((pct / 100) * width)).padEnd(width, '░');
      process.stderr.write(`\r${termField(p.folder, 80)} ${phase} ${bar} ${p.done}/${p.total}${p.done === p.total ? '\n' : ''}`);
      return;
    }
    // not a terminal: one line per 10 % step
    const key = `${p.folder}:${p.phase}:${Math.floor(pct / 10)}`;
    if (key !== last) write(`${termField(p.folder, 80)} : ${phase} ${p.done}/${p.total}`);
    last = key;
  };
}

function parseTimeout(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 3600) throw new InvalidArgumentError(`« ${v} » n’est pas un nombre de secondes entre 1 et 3600.`);
  return Math.round(n * 1000);
}

interface SyncOptions {
  folder?: string[];
  timeout?: number;
  account?: string;
  trustAnchors?: string;
  crlSoftFail?: boolean;
  passwordStdin?: boolean;
  /** Pro Santé Connect accounts: e-CPS validation for this RPPS, or the browser */
  rpps?: string;
  browser?: boolean;
}

async function runSync(c: CliContext, store: MailStore, address: string, connector: ImapConnector, folders: string[] | undefined, journal: Journal, server: string | null, timeoutMs: number): Promise<SyncSummary> {
  const engine = new SyncEngine({ store, connector, account: { address }, networkTimeoutMs: timeoutMs });
  engine.on('progress', progressPrinter((l) => c.progress(l)));
  engine.on('reconnecting', ({ error }) => {
    if (error) c.progress(`${describeErrorFr(error)} Nouvelle connexion…`);
  });
  const s = await engine.syncOnce(folders ? { folders } : {});
  journal.append([{ action: 'sync.session', data: { account: address, server, ok: true, folders: s.folders, new: s.new, updated: s.updated, vanished: s.vanished, replayed: s.replayed, durationMs: s.durationMs } }]);
  return s;
}

/** `mssante sync [--folder F] [--account A]`: brings the local store up to date with the server. */
export const registerSync: CommandRegistrar = (program, ctx) => {
  program
    .command('sync')
    .description('synchroniser la base locale avec le serveur de messagerie (envoie aussi les modifications faites hors ligne)')
    .option('--folder <dossier>', 'ne synchroniser que ce dossier (répétable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--account <adresse>', 'adresse MSSanté du compte (par défaut : le seul compte configuré)')
    .option('--rpps <rpps>', 'compte Pro Santé Connect : RPPS pour la validation sur le téléphone (e-CPS)')
    .option('--browser', 'compte Pro Santé Connect : connexion dans le navigateur (carte CPS)')
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .option('--timeout <secondes>', `délai sans réponse du serveur au-delà duquel la connexion est jugée bloquée (défaut : ${DEFAULT_NETWORK_TIMEOUT_MS / 1000})`, parseTimeout)
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .action(async (o: SyncOptions) => {
      const c = ctx();
      const store = await openCliStore(c);
      // a damaged annuaire or liste blanche stops the command here (the product's hook would count it as not imported)
      const trust = TrustContext.open(trustDirOf(c.home));
      // the product's store hooks (app/store-hooks.ts): sender trust decided for each new message, stored
      // with it; journalled (message received/removed) inside each batch's transaction; read receipts recognised
      store.setHooks(composeStoreHooks(PRODUCT_STORE_HOOKS, { home: c.home, trustDir: trustDirOf(c.home) }));
      const journal = new Journal(store.db);
      let server: string | null = null;
      let address = o.account ?? '';
      const timeoutMs = o.timeout ?? DEFAULT_NETWORK_TIMEOUT_MS;
      try {
        let s: SyncSummary;
        const testAccount = testConnectorConfigured() ? (o.account ? store.ensureAccount({ address: o.account }) : store.getAccount()) : undefined;
        const test = testAccount ? await testConnector(testAccount, process.env, { timeoutMs }) : undefined;
        if (test) {
          address = testAccount!.address;
          s = await runSync(c, store, address, test, o.folder, journal, server, timeoutMs);
        } else {
          const account = await JsonFileAccountRepository.inHome(c.home).get(o.account);
          address = account.address;
          server = `${account.imap.host}:${account.imap.port}`;
          store.ensureAccount({ address, imapHost: account.imap.host, imapPort: account.imap.port });
          // the account's method: the card (or certificate) session, or Pro Santé Connect (XOAUTH2)
          s = await withAccountConnection(c, account, o, async (conn) => {
            const done = await runSync(c, store, address, conn.imapConnector({ timeoutMs }), o.folder, journal, server, timeoutMs);
            // the card is still logged in: it signs the journal's head (anchor); without a card, the head file only
            if (conn.signer) await checkpointOrWarn(c, journal, conn.signer);
            return done;
          });
        }
        // retention (mssante audit retention): entries past the configured duration go, behind a checkpoint
        try {
          pruneByRetention(journal);
        } catch (err) {
          c.progress(`Attention : purge du journal des accès impossible (${err instanceof AppError ? err.code : String(err)}).`);
        }
        const notices = syncNoticesFr(s);
        const ok = s.failedFolders.length === 0;
        const summary = {
          ok,
          account: address,
          folders: s.folders,
          new: s.new,
          updated: s.updated,
          vanished: s.vanished,
          replayed: s.replayed,
          durationSeconds: s.durationMs / 1000,
          perFolder: s.perFolder,
          renamedFolders: s.renamedFolders,
          removedFolders: s.removedFolders,
          failedFolders: s.failedFolders,
          droppedChanges: s.droppedChanges,
          reconnects: s.reconnects.map((r) => r.code),
          notices,
        };
        const head = ok ? 'Synchronisation terminée' : 'Synchronisation incomplète';
        c.result(
          summary,
          [
            ...notices,
            `${head} en ${(s.durationMs / 1000).toFixed(1)} s : ${s.folders} dossier(s), ${s.new} nouveau(x), ${s.updated} mis à jour, ${s.vanished} supprimé(s) sur le serveur, ${s.replayed} modification(s) locale(s) envoyée(s).`,
          ].join('\n'),
        );
        // a folder that could not be synced is a failure for scripts, although the others were
        if (!ok) process.exitCode = 1;
      } catch (err) {
        // a failed session is journalled too (the messages stored before the failure already are)
        try {
          journal.append([{ action: 'sync.session', data: { account: address, server, ok: false, error: err instanceof AppError ? err.code : 'INTERNAL' } }]);
        } catch {
          // the sync failure is what the user must see
        }
        throw err;
      } finally {
        anchorOrWarn(c, journal);
        store.close();
        trust.close();
      }
    });
};
