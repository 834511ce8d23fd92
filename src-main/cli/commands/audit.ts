// `mssante audit verify|export|prune|retention` and `mssante messages export`:
// the access journal from the command line (src-main/audit).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { signSessionCheckpoint, writeHeadAnchor, type CheckpointSigner } from '../../audit/anchor.js';
import type { JournalRecord } from '../../audit/events.js';
import { exportMessageEvidence } from '../../audit/evidence.js';
import { exportJournal, exportSummaryFr } from '../../audit/journal-export.js';
import { Journal } from '../../audit/journal.js';
import { parseRetentionDays, pruneByRetention, RETENTION_KEY } from '../../audit/retention.js';
import { breakFr, verifyJournal, type JournalVerification } from '../../audit/verify.js';
import { readKeyring } from '../../store/keys/keyring.js';
import { AppError } from '../../errors/index.js';
import { openCliStore, recordCliOrQueue } from '../card-unlock.js';
import type { MailStore } from '../../store/mail-store.js';
import type { CliContext } from '../context.js';
import type { CommandRegistrar } from '../program.js';
import { parseId } from '../option-parsers.js';

/** Runs `fn` with the journal of --home, then moves the head anchor forward. */
async function withJournal<T>(c: CliContext, fn: (journal: Journal, store: MailStore) => T | Promise<T>): Promise<T> {
  const store = await openCliStore(c);
  try {
    const journal = new Journal(store.db);
    const out = await fn(journal, store);
    writeHeadAnchor(c.home, journal);
    return out;
  } finally {
    store.close();
  }
}

/**
 * Records entries from a command (account added…): now when the store is
 * unlocked in this command, otherwise at the next unlock (never asks a PIN
 * only to journal).
 */
async function recordCli(c: CliContext, records: readonly JournalRecord[]): Promise<void> {
  await recordCliOrQueue(c, records);
}

/**
 * Same, for events that must not turn a finished action into a failure (a card
 * logout, a PIN failure already reported): a journal error is said on stderr.
 */
export async function recordCliOrWarn(c: CliContext, records: readonly JournalRecord[]): Promise<void> {
  try {
    await recordCli(c, records);
  } catch (err) {
    c.progress(`Attention : l’événement n’a pas pu être inscrit au journal des accès (${err instanceof AppError ? err.code : String(err)}).`);
  }
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00`) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new AppError('INVALID_ARGUMENT', `bad --since date: ${raw}`, { data: { option: '--since', value: raw } });
  return ms;
}

/** Who can sign checkpoints: a card bound to the store, or none (a card-less e-CPS store: `store init --without-card`). */
type CheckpointSigners = 'card' | 'none';

function checkpointSignersOf(home: string): CheckpointSigners {
  try {
    const keyring = readKeyring(home);
    return keyring && keyring.cards.length === 0 ? 'none' : 'card'; // no keyring: the test seam's key
  } catch {
    return 'card';
  }
}

function verificationJson(v: JournalVerification, signers: CheckpointSigners = 'card'): Record<string, unknown> {
  return {
    checkpointSigners: signers,
    ok: v.ok,
    entries: v.entries,
    first: v.first,
    head: v.last,
    base: v.base,
    anchor: v.anchor,
    checkpoints: v.checkpoints,
    anchoredThrough: v.anchoredThrough,
    unanchored: v.unanchored,
    broken: v.broken,
    problem: breakFr(v),
  };
}

/** @internal exported for its test */
export function verificationFr(v: JournalVerification, signers: CheckpointSigners = 'card'): string {
  if (!v.ok) return `Journal des accès ROMPU. Premier maillon rompu : ${breakFr(v)}.`;
  const anchor =
    v.anchor === 'ok'
      ? 'conforme au point d’ancrage'
      : 'ATTENTION : point d’ancrage absent (journal-head.json), une suppression des dernières entrées ne serait pas détectée';
  const signed = v.checkpoints.length ? `, ${v.checkpoints.length} point(s) de contrôle signé(s) par carte valide(s)` : '';
  if (signers === 'none' && v.unanchored > 0 && v.first !== null) {
    // a card-less store: no card will ever sign; the head file is the whole anchor, said as it is (not an error)
    const firstOpen = v.last.seq - v.unanchored + 1;
    return `Journal des accès : chaînage cohérent, ${v.entries} entrée(s) (n° ${v.first} à ${v.last.seq}), ${anchor}${signed}. Les entrées n° ${firstOpen} à ${v.last.seq} sont ancrées par le fichier de tête (journal-head.json) seulement, sans signature : cette base n’est liée à aucune carte CPS, aucun point de contrôle n’est signé. Quiconque détient le code de secours pourrait réécrire ces entrées et ce fichier ; sans lui, la base ne s’ouvre pas. Pour des points de contrôle signés : liez une carte CPS à la base (mssante store rekey --new-card).`;
  }
  if (v.unanchored === 0 || v.first === null) {
    return `Journal des accès intact : ${v.entries} entrée(s)${v.first !== null ? ` (n° ${v.first} à ${v.last.seq})` : ''}, ${anchor}${signed}.`;
  }
  // only what a card signature covers is called intact: the rest could have been rewritten with the store key
  const firstOpen = v.last.seq - v.unanchored + 1;
  const intact =
    v.anchoredThrough === null
      ? 'Journal des accès : aucune entrée encore ancrée par une signature de carte'
      : `Journal des accès intact jusqu’au dernier point de contrôle signé par carte : entrées n° ${v.first} à ${v.anchoredThrough}`;
  return `${intact} ; ${v.unanchored} entrée(s) non encore ancrée(s) (n° ${firstOpen} à ${v.last.seq}) : leur chaînage est cohérent, la prochaine signature de la carte les couvrira ; ${anchor}${signed}.`;
}

async function verify(c: CliContext): Promise<void> {
  const v = await withJournal(c, (j) => {
    const result = verifyJournal(j, c.home);
    j.append([{ action: 'journal.verified', data: { ok: result.ok, entries: result.entries, brokenAt: result.broken?.seq ?? null, problem: result.broken?.kind ?? null } }]);
    return result;
  });
  const signers = checkpointSignersOf(c.home);
  c.result(verificationJson(v, signers), () => verificationFr(v, signers));
  if (!v.ok) process.exitCode = 1;
}

export const registerAudit: CommandRegistrar = (program: Command, ctx) => {
  const audit = program.command('audit').description('journal des accès : vérification, export, durée de conservation');

  audit
    .command('verify')
    .description('vérifier la chaîne d’empreintes du journal et signaler le premier maillon rompu')
    .action(() => verify(ctx()));

  audit
    .command('export')
    .description('exporter le journal en lignes JSON, avec un résumé en français (FICHIER.resume.txt)')
    .argument('<fichier>', 'fichier à créer (jamais écrasé)')
    .option('--since <date>', 'seulement les entrées depuis cette date (AAAA-MM-JJ ou date ISO)')
    .action(async (file: string, o: { since?: string }) => {
      const c = ctx();
      const since = parseSince(o.since);
      const out = await withJournal(c, (j) => {
        const v = verifyJournal(j, c.home);
        const r = exportJournal(j, file, since === undefined ? {} : { since });
        const summary = exportSummaryFr(r, { ok: v.ok, problem: breakFr(v) }, since ?? null);
        const summaryFile = `${file}.resume.txt`;
        try {
          writeFileSync(summaryFile, summary + '\n', { flag: 'wx', mode: 0o600 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('EXPORT_TARGET_EXISTS', 'summary file exists', { data: { file: summaryFile } });
          throw new AppError('IO_FAILED', 'cannot write the summary file', { cause: err });
        }
        j.append([{ action: 'journal.exported', data: { since: since === undefined ? null : new Date(since).toISOString(), entries: r.entries, fileSha256: r.sha256 } }]);
        return { r, v, summary, summaryFile };
      });
      c.result(
        { ok: true, file, summaryFile: out.summaryFile, entries: out.r.entries, first: out.r.first, last: out.r.last, sha256: out.r.sha256, byAction: out.r.byAction, journalIntact: out.v.ok },
        out.summary,
      );
    });

  audit
    .command('retention')
    .description('afficher ou régler la durée de conservation du journal (recommandation, non imposée)')
    .option('--days <n>', 'conserver les entrées pendant n jours')
    .option('--off', 'conserver sans limite')
    .action(async (o: { days?: string; off?: boolean }) => {
      const c = ctx();
      if (o.days !== undefined && o.off) throw new AppError('INVALID_ARGUMENT', '--days and --off together');
      const days = await withJournal(c, (j) => {
        if (o.days !== undefined || o.off) {
          const value = o.off ? 'off' : String(parseRetentionDays(o.days!));
          j.db.transaction(() => {
            j.setConfig(RETENTION_KEY, value);
            j.append([{ action: 'settings.changed', data: { changes: { journalRetentionDays: value === 'off' ? null : Number(value) } } }]);
          }).immediate();
        }
        const v = j.getConfig(RETENTION_KEY);
        return v === undefined || v === 'off' ? null : Number(v);
      });
      c.result({ ok: true, retentionDays: days }, days === null ? 'Durée de conservation du journal : sans limite.' : `Durée de conservation du journal : ${days} jour(s).`);
    });

  audit
    .command('prune')
    .description('supprimer les entrées plus anciennes que la durée de conservation (un point de contrôle garde la chaîne vérifiable)')
    .option('--older-than <jours>', 'durée à appliquer cette fois (sinon la durée réglée)')
    .action(async (o: { olderThan?: string }) => {
      const c = ctx();
      const r = await withJournal(c, (j) => pruneByRetention(j, o.olderThan === undefined ? undefined : parseRetentionDays(o.olderThan)));
      c.result(
        { ok: true, removed: r.removed, through: r.through, retentionDays: r.days },
        r.days === null
          ? 'Aucune durée de conservation réglée (mssante audit retention --days N) : rien n’a été supprimé.'
          : `${r.removed} entrée(s) de plus de ${r.days} jour(s) supprimée(s)${r.through ? ` ; point de contrôle : entrée n° ${r.through.seq}` : ''}.`,
      );
    });

  // `messages export ID DIR` joins the messages group (registered before this one).
  const messages = program.commands.find((cmd) => cmd.name() === 'messages');
  if (!messages) throw new AppError('INTERNAL', 'the messages command group must be registered before audit');
  messages
    .command('export')
    .description('exporter un message comme preuve : source .eml d’origine et reçu (empreinte, dates, statut de l’expéditeur, journal)')
    .argument('<id>', 'identifiant du message (voir messages list)')
    .argument('<dossier>', 'dossier de destination (créé si besoin ; aucun fichier existant n’est écrasé)')
    .action(async (rawId: string, dir: string) => {
      const c = ctx();
      const id = parseId(rawId);
      const r = await withJournal(c, (j, store) => exportMessageEvidence(store, j, c.home, id, dir));
      c.result(
        { ok: true, ...r },
        [`Message ${r.id} exporté :`, `  ${r.emlFile} (${r.size} octets, SHA-256 ${r.sha256})`, `  ${r.receiptFile} (reçu, ${r.journalEntries} entrée(s) du journal)`].join('\n'),
      );
    });
};

/** Moves the head anchor forward at the end of a command; a failure is said, never thrown over the command's own result. */
export function anchorOrWarn(c: CliContext, journal: Journal): void {
  try {
    writeHeadAnchor(c.home, journal);
  } catch (err) {
    c.progress(`Attention : le point d’ancrage du journal des accès n’a pas pu être écrit (${err instanceof AppError ? err.code : String(err)}).`);
  }
}

/** Signs the journal head with the account's signer (CPS card) at the end of a session. */
export async function checkpointOrWarn(c: CliContext, journal: Journal, signer: CheckpointSigner): Promise<void> {
  try {
    await signSessionCheckpoint(journal, signer);
  } catch (err) {
    c.progress(`Attention : point de contrôle du journal non signé (${err instanceof AppError ? err.code : String(err)}).`);
  }
}
