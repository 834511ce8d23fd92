import { messageFr } from '../../errors/index.js';
import { storeError } from '../../store/database.js';
import { openCliStore } from '../card-unlock.js';
import { TrustContext, trustDirOf, trustHooksFor } from '../../trust/index.js';
import type { CommandRegistrar } from '../program.js';

/** `mssante trust recompute`: sender-trust decisions of stored messages, again, after a new annuaire or liste blanche. */
export const registerTrust: CommandRegistrar = (program, ctx) => {
  const trust = program.command('trust').description('confiance des expéditeurs des messages de la base locale');
  trust
    .command('recompute')
    .description('recalculer la confiance des expéditeurs après un nouvel annuaire ou une nouvelle liste blanche (hors ligne)')
    .option('--all', 'recalculer tous les messages, pas seulement ceux évalués avec un ancien annuaire ou une ancienne liste blanche')
    .action(async (o: { all?: boolean }) => {
      const c = ctx();
      const { context, problems } = TrustContext.openLenient(trustDirOf(c.home));
      try {
        // a damaged annuaire or liste blanche counts as not imported: the decisions say so
        for (const p of problems) c.progress(`Attention : ${messageFr(p.code)}`);
        const store = await openCliStore(c, { hooks: trustHooksFor(context) });
        let r;
        try {
          r = await store.recomputeTrust({ all: o.all === true });
        } catch (err) {
          throw storeError(err) ?? err;
        } finally {
          store.close();
        }
        c.result({ ok: true, ...r, basis: context.basis }, () =>
          r.recomputed === 0
            ? `Confiance à jour pour les ${r.checked} message(s) de la base locale.`
            : `Confiance recalculée pour ${r.recomputed} message(s) sur ${r.checked} ; ${r.changed} décision(s) modifiée(s).`,
        );
      } finally {
        context.close();
      }
    });
};
