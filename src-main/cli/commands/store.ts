// `mssante store check|rebuild`: the integrity of the local encrypted store, and its recovery from
// the server when it is damaged (src-main/store/integrity.ts, src-main/app/store-recovery.ts).
import { rebuildStore, type RebuildReport } from '../../app/store-recovery.js';
import { AppError } from '../../errors/index.js';
import { openDatabase } from '../../store/database.js';
import { storeFile } from '../../store/home.js';
import { checkStore, type StoreCheckReport } from '../../store/integrity.js';
import { cliStoreKeyProvider } from '../card-unlock.js';
import type { CommandRegistrar } from '../program.js';

function checkTextFr(r: StoreCheckReport, messages: number | null): string {
  if (r.ok) return `Base locale intacte : vérification complète réussie${messages === null ? '' : ` (${messages} messages)`} en ${(r.milliseconds / 1000).toFixed(1)} s.`;
  return [
    `Base locale ENDOMMAGÉE : ${r.problems.length} anomalie(s) détectée(s) par la vérification complète.`,
    'Reconstruisez-la depuis le serveur avec « mssante store rebuild » (la boîte d’envoi, les brouillons locaux et le journal des accès sont conservés).',
    `Détail technique (SQLite) : ${r.problems.slice(0, 5).join(' ; ')}`,
  ].join('\n');
}

function rebuildTextFr(r: RebuildReport): string[] {
  const lines: string[] = [];
  if (!r.opened) lines.push('Attention : la base endommagée n’a pas pu être ouverte du tout ; rien n’a pu en être repris (elle est conservée à part).');
  if (r.outbox.unreadable) lines.push('Attention : la boîte d’envoi était illisible dans la base endommagée et n’a pas été reprise.');
  if (r.journal.unreadable) lines.push('Attention : le journal des accès était illisible dans la base endommagée et n’a pas été repris (il reste dans la base mise de côté).');
  else if (!r.journal.verified && r.opened) lines.push(`Attention : le journal des accès n’a pas été repris car sa vérification a échoué (${r.journal.reasonFr}) ; il reste dans la base mise de côté.`);
  if (r.droppedPendingOps) lines.push(`${r.droppedPendingOps} modification(s) faite(s) hors ligne (indicateurs, déplacements) n’avaient pas encore été envoyées au serveur et ne sont pas reprises.`);
  return lines;
}

export const registerStore: CommandRegistrar = (program, ctx) => {
  const store = program.command('store').description('base locale chiffrée des messages : vérification et reconstruction');

  store
    .command('check')
    .description('vérification complète de l’intégrité de la base locale (PRAGMA integrity_check)')
    .action(async () => {
      const c = ctx();
      const key = await cliStoreKeyProvider(c).getKey();
      c.progress('Vérification complète de la base locale…');
      let report: StoreCheckReport;
      let messages: number | null = null;
      try {
        const db = openDatabase(storeFile(c.home), key, { check: 'none' });
        try {
          report = checkStore(db, 'full');
          if (report.ok) messages = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'STORE_CORRUPT') throw err;
        report = { kind: 'full', ok: false, problems: [err.message], milliseconds: 0 };
      }
      c.result({ ok: report.ok, check: report.kind, problems: report.problems, seconds: report.milliseconds / 1000, messages }, () => checkTextFr(report, messages));
      if (!report.ok) process.exitCode = 1;
    });

  store
    .command('rebuild')
    .description('recréer la base locale depuis le serveur, en gardant la boîte d’envoi, les brouillons locaux et le journal des accès')
    .option('--account <adresse>', 'adresse MSSanté du compte (par défaut : le seul compte configuré)')
    .option('--folder <dossier>', 'ne télécharger que ce dossier (répétable ; par défaut : tous)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .action(async (o: { account?: string; folder?: string[]; passwordStdin?: boolean }) => {
      const c = ctx();
      const r = await rebuildStore({ file: storeFile(c.home), home: c.home, keyProvider: cliStoreKeyProvider(c), onProgress: (l) => c.progress(l) });
      for (const line of rebuildTextFr(r)) c.progress(line);
      c.progress('Téléchargement des messages depuis le serveur…');
      // The messages come back by the very `mssante sync` (same card login, connector, journal and
      // progress), run as a subcommand so that there is one sync path.
      const sync = program.commands.find((cmd) => cmd.name() === 'sync');
      if (!sync) throw new AppError('INTERNAL', 'sync command not registered');
      const args = [...(o.account ? ['--account', o.account] : []), ...(o.folder ?? []).flatMap((f) => ['--folder', f]), ...(o.passwordStdin ? ['--password-stdin'] : [])];
      await sync.parseAsync(args, { from: 'user' });
    });
};
