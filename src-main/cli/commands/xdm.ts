import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/index.js';
import type { CommandRegistrar } from '../program.js';
import { readXdm } from '../../xdm/read-xdm.js';
import { summarizeXdm, xdmSummaryTextFr } from '../../xdm/summary.js';

/** `mssante xdm inspect FILE.zip [--json]`: what an IHE_XDM.ZIP holds, for whom, and whether it is intact. */
export const registerXdm: CommandRegistrar = (program, ctx) => {
  const xdm = program.command('xdm').description('documents de santé structurés (archives IHE_XDM.ZIP)');
  xdm
    .command('inspect')
    .description('afficher les documents, le patient (INS) et les contrôles d’intégrité d’un IHE_XDM.ZIP')
    .argument('<fichier>', 'archive IHE_XDM.ZIP')
    .action(async (file: string) => {
      const c = ctx();
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (err) {
        throw new AppError('IO_FAILED', `cannot read ${file}`, { cause: err });
      }
      const summary = summarizeXdm(readXdm(bytes));
      c.result({ ok: true, ...summary }, () => xdmSummaryTextFr(summary));
    });
};
