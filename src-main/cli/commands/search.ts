import { AppError } from '../../errors/index.js';
import { integerBetween } from '../option-parsers.js';
import type { CommandRegistrar } from '../program.js';
import { summaryJson, summaryTextFr, unknownFolderError, withStore } from './messages.js';

/** `mssante search QUERY`: full-text search of the local store, accent-insensitive (works offline). */
export const registerSearch: CommandRegistrar = (program, ctx) => {
  program
    .command('search')
    .description('rechercher dans les messages de la base locale (objet, expéditeur, destinataires, texte, pièces jointes ; sans tenir compte des accents)')
    .argument('<requête...>', 'mots à chercher (tous doivent être présents, en début de mot)')
    .option('--limit <n>', 'nombre maximal de résultats, de 1 à 100 000', integerBetween('--limit', 1, 100_000), 50)
    .option('--folder <dossier>', 'limiter à un dossier')
    .action(async (words: string[], o: { limit: number; folder?: string }) => {
      const c = ctx();
      const limit = o.limit;
      const query = words.join(' ');
      const started = performance.now();
      const hits = await withStore(c, (s) => {
        const folderId = o.folder === undefined ? undefined : s.findFolder(o.folder)?.id;
        if (o.folder !== undefined && folderId === undefined) throw unknownFolderError(new AppError('NOT_FOUND', 'folder not found', { data: { folder: o.folder } }), s);
        return s.search(query, { limit, ...(folderId === undefined ? {} : { folderId }) });
      });
      const ms = Math.round((performance.now() - started) * 10) / 10;
      c.result({ ok: true, query, count: hits.length, ms, messages: hits.map(summaryJson) }, () => `${hits.length} résultat(s)\n${summaryTextFr(hits)}`);
    });
};
