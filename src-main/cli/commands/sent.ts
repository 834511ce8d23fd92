// `mssante sent --status [--hours N]`: the sent messages that some recipient has not confirmed
// yet (no "distribué", "lu", "traité" nor "échec") N hours after the submission (store/delivery.ts).
// `mssante outbox list` shows the same list after the queue (unconfirmedJson / unconfirmedTextFr).
import { AppError } from '../../errors/index.js';
import { DELIVERY_STATE_FR, type UnconfirmedMessage } from '../../store/delivery.js';
import type { CommandRegistrar } from '../program.js';
import { deliveryJson, withStore } from './messages.js';

/** Default of --hours: a message not delivered after 4 h is worth a look. */
export const UNCONFIRMED_HOURS_DEFAULT = '4';

export function parseHours(raw: string): number {
  const n = Number(raw.replace(',', '.'));
  if (!Number.isFinite(n) || n < 0) throw new AppError('INVALID_ARGUMENT', `--hours: not a number of hours: ${raw}`);
  return n;
}

export function unconfirmedJson(list: readonly UnconfirmedMessage[]): Record<string, unknown>[] {
  return list.map((m) => ({ messageId: m.messageId, submittedAt: new Date(m.submittedAt).toISOString(), delivery: deliveryJson(m.recipients) }));
}

export function unconfirmedTextFr(list: readonly UnconfirmedMessage[], hours: number): string {
  return list.length === 0
    ? `Tous les messages envoyés depuis plus de ${hours} h ont une distribution confirmée (ou un échec signalé).`
    : list
        .map((m) =>
          [
            `${m.messageId} — envoyé le ${new Date(m.submittedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}`,
            ...m.recipients.map((r) => `  ${r.recipient} : ${DELIVERY_STATE_FR[r.state]}`),
          ].join('\n'),
        )
        .join('\n');
}

export const registerSent: CommandRegistrar = (program, ctx) => {
  program
    .command('sent')
    .description('suivi des messages envoyés (base locale, hors ligne)')
    .requiredOption('--status', 'lister les messages dont la distribution n’est pas confirmée')
    .option('--hours <n>', 'seulement ceux envoyés depuis plus de N heures', UNCONFIRMED_HOURS_DEFAULT)
    .action(async (o: { status: boolean; hours: string }) => {
      const c = ctx();
      const hours = parseHours(o.hours);
      const list = await withStore(c, (s) => s.unconfirmedSent(Date.now() - hours * 3600_000));
      c.result({ ok: true, hours, messages: unconfirmedJson(list) }, () => unconfirmedTextFr(list, hours));
    });
};
