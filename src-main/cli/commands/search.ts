import { AppError } from '../../errors/index.js';
import type { CommandRegistrar } from '../program.js';
import { summaryJson, summaryTextFr, withStore } from './messages.js';

/** `mssante search QUERY`: full-text search of the local store, accent-insensitive (works offline). */
export const registerSearch: CommandRegistrar = (program, ctx) => {
  program
    .command('search')
    .description('rechercher dans les messages de la base locale (objet, expéditeur, destinataires, texte, pièces jointes ; sans tenir compte des accents)')
    .argument('<requête...>', 'mots à chercher (tous doivent être présents, en début de mot)')
    .option('--limit <n>', 'nombre maximal de résultats', '50')
    .option('--folder <dossier>', 'limiter à un dossier')
    .action(async (words: string[], o: { limit: string; folder?: string }) => {
      const c = ctx();
      const limit = Number(o.limit);
      if (!Number.isSafeInteger(limit) || limit < 1) throw new AppError('INVALID_ARGUMENT', `bad --limit ${o.limit}`);
      const query = words.join(' ');
      const started = performance.now();
      const hits = await withStore(c, (s) => {
        const folderId = o.folder === undefined ? undefined : s.findFolder(o.folder)?.id;
        if (o.folder !== undefined && folderId === undefined) throw new AppError('NOT_FOUND', 'folder not found', { data: { folder: o.folder } });
        return s.search(query, { limit, ...(folderId === undefined ? {} : { folderId }) });
      });
      const ms = Math.round((performance.now() - started) * 10) / 10;
      c.result({ ok: true, query, count: hits.length, ms, messages: hits.map(summaryJson) }, () => `${hits.length} résultat(s)\n${summaryTextFr(hits)}`);
    });
};
