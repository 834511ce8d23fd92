// `mssante outbox list|retry|cancel`: the persistent outbox (src-main/send). Also the helpers
// `mssante send` shares: running the queue with the account's card, and saying the outcome.
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import type { AccountConfig } from '../../accounts/account.js';
import { AppError, messageFr, isErrorCode } from '../../errors/index.js';
import { type AccountMailChannel, assertSender, certificateMailboxes, Outbox, processOutbox, type OutboxEntry, type RunnerHooks } from '../../send/index.js';
import type { MailStore } from '../../store/mail-store.js';
import { openCliStore } from '../card-unlock.js';
import { Journal } from '../../audit/journal.js';
import { deliveryRecords, sentRecord } from '../../audit/records.js';
import { composeStoreHooks } from '../../app/store-hooks.js';
import { trustDirOf } from '../../trust/home.js';
import { anchorOrWarn } from './audit.js';
import type { ConnectOptions } from '../account-signer.js';
import { withAccountConnection } from '../account-connection.js';
import type { CliContext } from '../context.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import type { CommandRegistrar } from '../program.js';
import { UNCONFIRMED_HOURS_DEFAULT, parseHours, unconfirmedJson, unconfirmedTextFr } from './sent.js';

export interface AccountConnectOptions extends ConnectOptions {
  account?: string;
}

const STATE_FR: Record<OutboxEntry['state'], string> = {
  draft: 'brouillon',
  queued: 'en attente d’envoi',
  sending: 'envoi en cours',
  sent: 'envoyé',
  failed: 'refusé par le serveur',
  uncertain: 'envoi incertain',
  cancelled: 'annulé',
};

const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' }));

/** A sentence ends with its full stop: the outcome lines put another sentence right after it. */
function sentence(text: string): string {
  return text === '' || /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The user-facing name of the last error, with the server's own words when it gave some (one or more sentences). */
function errorFr(e: OutboxEntry): string {
  if (!e.lastErrorCode) return '';
  if (e.lastErrorCode === 'SEND_OUTCOME_UNKNOWN') return 'La connexion a été interrompue pendant l’envoi : le serveur a peut-être accepté le message.';
  if (e.lastErrorCode === 'SENT_COPY_FAILED') return 'Copie dans « Envoyés » pas encore faite (nouvel essai au prochain envoi).';
  const base = sentence(isErrorCode(e.lastErrorCode) ? messageFr(e.lastErrorCode) : e.lastErrorCode);
  return e.lastError ? `${base} Réponse du serveur : « ${e.lastError} ».` : base;
}

export function outcomeJson(e: OutboxEntry): Record<string, unknown> {
  return {
    id: e.id,
    messageId: e.messageId,
    state: e.state,
    to: e.recipients.to,
    cc: e.recipients.cc,
    bcc: e.recipients.bcc,
    size: e.size,
    attempts: e.attempts,
    createdAt: new Date(e.createdAt).toISOString(),
    nextAttemptAt: e.state === 'queued' && e.nextAttemptAt !== null ? new Date(e.nextAttemptAt).toISOString() : null,
    sentAt: e.sentAt === null ? null : new Date(e.sentAt).toISOString(),
    smtpResponse: e.smtpResponse,
    rejected: e.rejected,
    sentCopy: e.sentCopy,
    error: e.lastErrorCode ? { code: e.lastErrorCode, message: errorFr(e), serverReply: e.lastError } : null,
  };
}

export function outcomeTextFr(e: OutboxEntry): string {
  const id = `${e.messageId} (n° ${e.id} de la boîte d’envoi)`;
  switch (e.state) {
    case 'sent': {
      const copy = e.sentCopy ? ' Copie enregistrée dans « Envoyés ».' : ' La copie dans « Envoyés » sera faite au prochain envoi.';
      const refused = e.rejected.length ? ` Destinataires refusés : ${e.rejected.join(', ')}.` : '';
      return `Message envoyé : ${id}. Réponse du serveur : ${e.smtpResponse ?? ''}.${refused}${copy}`;
    }
    case 'queued':
      return `Message en attente d’envoi : ${id}. ${errorFr(e)}${e.nextAttemptAt ? ` Nouvel essai après ${time(e.nextAttemptAt)} (ou « mssante outbox retry »).` : ''}`;
    case 'failed':
      return `Message refusé définitivement : ${id}. ${errorFr(e)} Il ne sera pas renvoyé automatiquement.`;
    case 'uncertain':
      return `Envoi incertain : ${id}. ${errorFr(e)} Il n’est pas renvoyé automatiquement, pour ne pas arriver deux fois ; vérifiez auprès du destinataire, puis « mssante outbox retry ${e.id} --force » pour le renvoyer.`;
    case 'draft':
      return `Brouillon enregistré : ${id}${e.draftUid !== null ? ', copié dans « Brouillons »' : ''}.`;
    default:
      return `${STATE_FR[e.state]} : ${id}.`;
  }
}

export async function withOutbox<T>(c: CliContext, fn: (outbox: Outbox, store: MailStore) => Promise<T> | T): Promise<T> {
  const store = await openCliStore(c, { hooks: composeStoreHooks(['journal'], { home: c.home, trustDir: trustDirOf(c.home) }) });
  const journal = new Journal(store.db);
  const before = journal.head().seq;
  try {
    return await fn(new Outbox(store.db), store);
  } finally {
    if (journal.head().seq !== before) anchorOrWarn(c, journal);
    store.close();
  }
}

/** Test seam (MSSANTE_TEST=1 only): die right after the server accepted a message, before recording it. */
function testHooks(): RunnerHooks {
  if (process.env.MSSANTE_TEST !== '1' || process.env.MSSANTE_TEST_SEND_CRASH !== 'after-accept') return {};
  return { afterAccepted: () => process.kill(process.pid, 'SIGKILL') };
}

/** Runs the account's queue with its method (card or certificate: PIN asked once; or Pro Santé Connect). */
export async function runQueue(
  c: CliContext,
  account: AccountConfig,
  o: ConnectOptions,
  outbox: Outbox,
  store: MailStore,
  opts: { ignoreSchedule?: boolean; only?: number[] } = {},
): Promise<OutboxEntry[]> {
  // nothing to do: no PIN asked, no connection
  const work = outbox.pending(account.address, opts.ignoreSchedule ? { ignoreSchedule: true } : {}).filter((e) => !opts.only || opts.only.includes(e.id));
  if (!work.length) return [];
  const run = async (channel: AccountMailChannel) => {
    try {
      return await processOutbox(outbox, channel, account.address, {
        ...opts,
        ...testHooks(),
        onSent: (e, deliveryChanges) => {
          new Journal(store.db).append([sentRecord(e), ...deliveryRecords(deliveryChanges)]);
          if (e.replyToRow !== null) store.changeFlags(e.replyToRow, { answered: true });
        },
      });
    } finally {
      await channel.close();
    }
  };
  // the card (or certificate) session, or Pro Santé Connect: the server checks that the token's professional owns the mailbox
  return withAccountConnection(c, account, o, async (conn) => {
    if (conn.signer) {
      const [leaf] = await conn.signer.certificateChain();
      assertSender(account.address, account.address, leaf ? certificateMailboxes(leaf) : []);
    }
    return run(conn.mailChannel());
  });
}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('INVALID_ARGUMENT', `not an outbox id: ${raw}`, { data: { id: raw } });
  return id;
}

export const registerOutbox: CommandRegistrar = (program, ctx) => {
  const outbox = program.command('outbox').description('boîte d’envoi : messages en attente, refusés ou incertains');

  outbox
    .command('list')
    .description('lister les messages de la boîte d’envoi (hors messages envoyés, sauf --all), puis les envoyés dont la distribution n’est pas confirmée après N heures')
    .option('--all', 'inclure les messages envoyés et annulés')
    .option('--hours <n>', 'envoyés sans distribution confirmée depuis plus de N heures (comme « sent --status »)', UNCONFIRMED_HOURS_DEFAULT)
    .action(async (o: { all?: boolean; hours: string }) => {
      const c = ctx();
      const hours = parseHours(o.hours);
      const { list, unconfirmed } = await withOutbox(c, (ob, store) => ({
        list: ob.list(o.all ? {} : { states: ['draft', 'queued', 'sending', 'failed', 'uncertain'] }),
        // what left the outbox but has no "distribué" (nor "lu", "traité", "échec") yet
        unconfirmed: store.unconfirmedSent(Date.now() - hours * 3600_000),
      }));
      c.result({ ok: true, entries: list.map(outcomeJson), hours, unconfirmed: unconfirmedJson(unconfirmed) }, () => {
        const queue = list.length
          ? list.map((e) => `${String(e.id).padStart(4)}  ${STATE_FR[e.state].padEnd(22)} ${time(e.createdAt).padEnd(16)} ${[...e.recipients.to, ...e.recipients.cc].join(', ')}  ${e.subject ?? ''}`).join('\n')
          : 'La boîte d’envoi est vide.';
        const sent = unconfirmed.length ? `Envoyés sans distribution confirmée après ${hours} h :\n${unconfirmedTextFr(unconfirmed, hours)}` : unconfirmedTextFr(unconfirmed, hours);
        return `${queue}\n\n${sent}`;
      });
    });

  outbox
    .command('retry')
    .description('envoyer maintenant les messages en attente (ou celui indiqué, même refusé)')
    .argument('[id]', 'numéro dans la boîte d’envoi (voir outbox list)')
    .option('--force', 'renvoyer un message à l’envoi incertain (il peut arriver deux fois)')
    .option('--account <adresse>', 'compte qui envoie (par défaut : le seul compte)')
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .action(async (rawId: string | undefined, o: AccountConnectOptions & { force?: boolean }) => {
      const c = ctx();
      const id = rawId === undefined ? undefined : parseId(rawId);
      const done = await withOutbox(c, async (ob, store) => {
        const entry = id === undefined ? undefined : ob.get(id);
        const account = await JsonFileAccountRepository.inHome(c.home).get(entry?.accountAddress ?? o.account);
        if (entry?.state === 'uncertain' && !o.force) c.progress(outcomeTextFr(entry)); // says how to force it
        if (entry && entry.state !== 'sent') ob.requeue(entry.id, { force: Boolean(o.force) });
        return runQueue(c, account, o, ob, store, { ignoreSchedule: true, ...(id === undefined ? {} : { only: [id] }) });
      });
      const failed = done.some((e) => e.state === 'failed' || e.state === 'uncertain');
      c.result({ ok: !failed, entries: done.map(outcomeJson) }, () => (done.length ? done.map(outcomeTextFr).join('\n') : 'Rien à envoyer.'));
      if (failed) process.exitCode = 1;
    });

  outbox
    .command('cancel')
    .description('retirer un message de la boîte d’envoi (jamais un message déjà parti)')
    .argument('<id>', 'numéro dans la boîte d’envoi (voir outbox list)')
    .action(async (rawId: string) => {
      const c = ctx();
      const e = await withOutbox(c, (ob) => ob.cancel(parseId(rawId)));
      c.result({ ok: true, entry: outcomeJson(e) }, `Message n° ${e.id} annulé : il ne sera pas envoyé.`);
    });
};
