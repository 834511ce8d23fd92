import { readFile, stat, writeFile } from 'node:fs/promises';
import { Journal } from '../../audit/journal.js';
import { AppError } from '../../errors/index.js';
import { mayHoldResults, resultsFromAttachments, resultsFromFile, type ResultsDocument } from '../../results/extract.js';
import { resultsJson, resultsTextFr } from '../../results/text-table.js';
import { summarizeResults } from '../../results/model.js';
import type { MailStore } from '../../store/mail-store.js';
import { resultsPanel } from '../../results/view.js';
import { printDocument } from '../../print/print-document.js';
import { renderPdfWithChromium } from '../../print/chromium-pdf.js';
import type { CommandRegistrar } from '../program.js';
import { withStore } from './messages.js';
import { parseId } from '../option-parsers.js';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The results of a stored message's attachments; the opening is journalled like `messages show`. */
async function messageResults(s: MailStore, id: number): Promise<{ documents: ResultsDocument[]; errors: { filename: string | null; code: string }[]; sha256: string; messageId: string | null }> {
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

  // `messages print ID --pdf OUT.pdf` joins the messages group (registered before this one)
  const messages = program.commands.find((cmd) => cmd.name() === 'messages');
  if (!messages) throw new AppError('INTERNAL', 'the messages command group must be registered before results');
  messages
    .command('print')
    .description('exporter un message et ses résultats d’analyses en PDF (en-tête : patient, laboratoire, date d’impression ; pages numérotées), par Chromium')
    .argument('<id>', 'identifiant du message (voir messages list)')
    .requiredOption('--pdf <fichier>', 'fichier PDF à écrire (jamais écrasé)')
    .option('--results-only', 'n’imprimer que les résultats d’analyses')
    .action(async (rawId: string, o: { pdf: string; resultsOnly?: boolean }) => {
      const c = ctx();
      const id = parseId(rawId);
      const printedAt = new Date();
      const view = o.resultsOnly ? ('results' as const) : ('message' as const);
      const pdf = await withStore(c, async (s) => {
        const m = s.getMessage(id);
        const { documents, errors } = await messageResults(s, id);
        if (view === 'results' && !documents.length) throw new AppError('RESULTS_NOT_FOUND', 'no laboratory results in this message');
        const doc = printDocument({
          subject: m.subject ?? '',
          from: m.from ? (m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address) : '',
          to: m.to.map((a) => a.address).join(', '),
          date: m.date === null ? null : new Date(m.date).toISOString(),
          text: m.text,
          results: documents.length ? resultsPanel(documents, errors.map((e) => `${e.filename ?? 'Pièce jointe'} : ${e.code}`)) : null,
        }, printedAt, view);
        const bytes = await renderPdfWithChromium(doc);
        try {
          await writeFile(o.pdf, bytes, { flag: 'wx', mode: 0o600 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('EXPORT_TARGET_EXISTS', 'PDF file exists', { data: { file: o.pdf } });
          throw new AppError('IO_FAILED', 'cannot write the PDF', { cause: err });
        }
        // what was printed and how, never the content
        new Journal(s.db).append([{ action: 'message.printed', data: { messageId: m.messageId, sha256: m.sha256, target: 'pdf', view, via: 'cli' }, message: { row: id, sha256: m.sha256 } }]);
        return { size: bytes.length, results: documents.length };
      });
      c.result({ ok: true, file: o.pdf, size: pdf.size, results: pdf.results }, `PDF écrit : ${o.pdf} (${pdf.size} octets).`);
    });
};
