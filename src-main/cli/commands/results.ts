import { readFile, stat } from 'node:fs/promises';
import { Journal } from '../../audit/journal.js';
import { AppError } from '../../errors/index.js';
import { mayHoldResults, resultsFromAttachments, resultsFromFile, type ResultsDocument } from '../../results/extract.js';
import { resultsJson, resultsTextFr } from '../../results/text-table.js';
import { summarizeResults } from '../../results/model.js';
import type { MailStore } from '../../store/mail-store.js';
import type { CommandRegistrar } from '../program.js';
import { parseId, withStore } from './messages.js';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The results of a stored message's attachments; the opening is journalled like `messages show`. */
export async function messageResults(s: MailStore, id: number): Promise<{ documents: ResultsDocument[]; errors: { filename: string | null; code: string }[]; sha256: string; messageId: string | null }> {
  const m = s.getMessage(id);
  new Journal(s.db).append([{ action: 'message.opened', data: { messageId: m.messageId, sha256: m.sha256 }, message: { row: id, sha256: m.sha256 } }]);
  const list = [];
  for (const a of m.attachments.filter(mayHoldResults)) list.push({ filename: a.filename, mimeType: a.mimeType, bytes: new Uint8Array(await s.getAttachmentContent(a.id)) });
  const { documents, errors } = resultsFromAttachments(list);
  return { documents, errors: errors.map((e) => ({ filename: e.filename, code: e.error.code })), sha256: m.sha256, messageId: m.messageId };
}

/** `mssante results show FILE|MESSAGE_ID`: laboratory results as a table. */
export const registerResults: CommandRegistrar = (program, ctx) => {
  const results = program.command('results').description('résultats d’analyses de biologie (comptes rendus CDA, fichiers HPRIM)');
  results
    .command('show')
    .description('afficher les résultats d’un IHE_XDM.ZIP, d’un document CDA de biologie, d’un fichier HPRIM, ou d’un message (identifiant)')
    .argument('<fichier|id>', 'fichier (.zip, .xml, .hpr, .hpm) ou identifiant de message (voir messages list)')
    .action(async (arg: string) => {
      const c = ctx();
      let documents: ResultsDocument[];
      let errors: { filename: string | null; code: string }[] = [];
      if (/^\d+$/.test(arg) && !(await isFile(arg))) {
        const id = parseId(arg);
        ({ documents, errors } = await withStore(c, (s) => messageResults(s, id)));
      } else {
        let bytes: Uint8Array;
        try {
          bytes = await readFile(arg);
        } catch (err) {
          throw new AppError('IO_FAILED', `cannot read ${arg}`, { cause: err });
        }
        documents = resultsFromFile(arg.split(/[\\/]/).pop(), bytes);
      }
      if (!documents.length && !errors.length) throw new AppError('RESULTS_NOT_FOUND', 'no laboratory results found');
      const summary = summarizeResults(documents.map((d) => d.report));
      c.result({ ok: true, summary, documents: resultsJson(documents), errors }, () =>
        [resultsTextFr(documents), ...errors.map((e) => `Pièce jointe illisible (${e.filename ?? 'sans nom'}) : ${e.code}`)].join('\n'),
      );
    });
};
