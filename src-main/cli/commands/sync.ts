import { AppError } from '../../errors/index.js';
import { openHomeStore } from '../../store/home.js';
import { SyncEngine, type SyncProgress } from '../../sync/engine.js';
import { resolveConnector } from '../../sync/resolve-connector.js';
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
      process.stderr.write(`\r${p.folder} ${phase} ${bar} ${p.done}/${p.total}${p.done === p.total ? '\n' : ''}`);
      return;
    }
    // not a terminal: one line per 10 % step
    const key = `${p.folder}:${p.phase}:${Math.floor(pct / 10)}`;
    if (key !== last) write(`${p.folder} : ${phase} ${p.done}/${p.total}`);
    last = key;
  };
}

/** `mssante sync [--folder F] [--account A]`: brings the local store up to date with the server. */
export const registerSync: CommandRegistrar = (program, ctx) => {
  program
    .command('sync')
    .description('synchroniser la base locale avec le serveur de messagerie (envoie aussi les modifications faites hors ligne)')
    .option('--folder <dossier>', 'ne synchroniser que ce dossier (répétable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--account <adresse>', 'adresse MSSanté du compte (par défaut : le seul compte configuré)')
    .action(async (o: { folder?: string[]; account?: string }) => {
      const c = ctx();
      const store = await openHomeStore(c.home);
      try {
        const account = o.account ? store.ensureAccount({ address: o.account }) : store.getAccount();
        if (!account) throw new AppError('NOT_FOUND', 'no account configured: give --account or add one', { data: { what: 'account' } });
        const engine = new SyncEngine({ store, connector: await resolveConnector(account), account: { address: account.address } });
        engine.on('progress', progressPrinter((l) => c.progress(l)));
        const s = await engine.syncOnce(o.folder ? { folders: o.folder } : {});
        const summary = { ok: true, account: account.address, folders: s.folders, new: s.new, updated: s.updated, vanished: s.vanished, replayed: s.replayed, durationSeconds: s.durationMs / 1000, perFolder: s.perFolder };
        c.result(summary, `Synchronisation terminée en ${(s.durationMs / 1000).toFixed(1)} s : ${s.folders} dossier(s), ${s.new} nouveau(x), ${s.updated} mis à jour, ${s.vanished} supprimé(s) sur le serveur, ${s.replayed} modification(s) locale(s) envoyée(s).`);
      } finally {
        store.close();
      }
    });
};
