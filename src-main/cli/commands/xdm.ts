import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/index.js';
import type { CommandRegistrar } from '../program.js';
import { renderCdaBytes } from '../../xdm/cda-render.js';
import { readXdm } from '../../xdm/read-xdm.js';
import { summarizeXdm, xdmSummaryTextFr } from '../../xdm/summary.js';

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new AppError('IO_FAILED', `cannot read ${file}`, { cause: err, data: { file } });
  }
}

const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b;

/** The CDA to render: the file itself, or document N of an IHE_XDM.ZIP. */
function cdaBytes(input: Uint8Array, documentNumber: number): Uint8Array {
  if (!isZip(input)) return input;
  const pkg = readXdm(input);
  const doc = pkg.documents[documentNumber - 1];
  if (!doc) throw new AppError('INVALID_ARGUMENT', `no document ${documentNumber} (archive has ${pkg.documents.length})`, { data: { option: '--document' } });
  if (!doc.bytes) throw new AppError('XDM_DOCUMENT_MISSING', 'document listed in the metadata is missing from the archive');
  // An altered document is not shown as if it were the one described.
  if (doc.integrity === 'mismatch') throw new AppError('XDM_DOCUMENT_ALTERED', 'document does not match its metadata (size or SHA-1)');
  return doc.bytes;
}

/** `mssante xdm inspect|render`: what an IHE_XDM.ZIP holds, for whom, whether it is intact; a CDA as HTML. */
export const registerXdm: CommandRegistrar = (program, ctx) => {
  const xdm = program.command('xdm').description('documents de santé structurés (archives IHE_XDM.ZIP, documents CDA)');
  xdm
    .command('inspect')
    .description('afficher les documents, le patient (INS) et les contrôles d’intégrité d’un IHE_XDM.ZIP')
    .argument('<fichier>', 'archive IHE_XDM.ZIP')
    .action(async (file: string) => {
      const c = ctx();
      const summary = summarizeXdm(readXdm(await readInput(file)));
      c.result({ ok: true, ...summary }, () => xdmSummaryTextFr(summary));
    });
  xdm
    .command('render')
    .description('écrire sur la sortie standard le document CDA en HTML lisible (en-tête et contenu), sans rien écrire sur le disque')
    .argument('<fichier>', 'document CDA (.xml) ou archive IHE_XDM.ZIP')
    .option('--document <n>', 'numéro du document dans l’archive (voir xdm inspect)', '1')
    .action(async (file: string, o: { document: string }) => {
      const c = ctx();
      const n = Number(o.document);
      if (!Number.isSafeInteger(n) || n < 1) throw new AppError('INVALID_ARGUMENT', `bad --document ${o.document}`, { data: { option: '--document' } });
      const r = renderCdaBytes(cdaBytes(await readInput(file), n));
      c.result(
        { ok: true, html: r.html, attachments: r.attachments.map((a) => ({ id: a.id, filename: a.filename, mediaType: a.mediaType, size: a.bytes.length, mediaTypeMismatch: a.mediaTypeMismatch })) },
        r.html,
      );
    });
};
