// `audit export`: the journal as JSON lines (one entry per line, exactly the
// stored fields, so an auditor can recompute every hash) followed by nothing
// else; the French summary is a separate text file next to it.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { AppError } from '../errors/index.js';
import type { JournalEntry } from './events.js';
import type { Journal } from './journal.js';

const ACTION_FR: Record<string, string> = {
  'card.login': 'connexion par carte CPS',
  'card.logout': 'déconnexion de la carte',
  'card.pin_failed': 'code PIN erroné',
  'card.locked': 'carte bloquée',
  'psc.login': 'connexion Pro Santé Connect',
  'psc.session_ended': 'fin de session Pro Santé Connect',
  'account.added': 'compte ajouté',
  'account.changed': 'compte modifié',
  'sync.session': 'synchronisation',
  'message.received': 'message reçu',
  'message.removed': 'message retiré de la base locale',
  'message.opened': 'message ouvert',
  'message.flagged': 'marque modifiée',
  'message.moved': 'message déplacé',
  'message.deleted': 'message supprimé',
  'attachment.opened': 'pièce jointe ouverte',
  'attachment.saved': 'pièce jointe enregistrée',
  'message.sent': 'message envoyé',
  'message.outside_trust_space': 'envoi hors espace de confiance confirmé',
  'message.exported': 'message exporté',
  'message.delivery': 'suivi de distribution',
  'journal.exported': 'journal exporté',
  'settings.changed': 'réglage modifié',
  'journal.verified': 'vérification du journal',
  'journal.pruned': 'purge (durée de conservation)',
  'journal.checkpoint': 'point de contrôle signé par la carte',
  'store.rekeyed': 'clé de la base locale confiée à une nouvelle carte ou à un nouveau code de secours',
  'store.created': 'base locale créée sans carte (protégée par le code de secours)',
  'store.recovery_unlock': 'base locale ouverte avec le code de secours',
  'store.recovery_failed': 'code de secours erroné',
};

const actionFr = (action: string): string => ACTION_FR[action] ?? action;

/** The JSON-lines form of an entry: stored fields, data parsed back to an object. */
function entryJson(e: JournalEntry): Record<string, unknown> {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    atMs: e.at,
    action: e.action,
    actor: e.actor,
    messageRow: e.messageRow,
    messageSha256: e.messageSha256,
    data: JSON.parse(e.data) as unknown,
    dataCanonical: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

const dateFr = (ms: number): string => new Date(ms).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' });

export function entryLineFr(e: JournalEntry): string {
  return `n° ${e.seq}  ${dateFr(e.at)}  ${actionFr(e.action)}${e.actor ? ` (par ${e.actor})` : ''}${e.messageSha256 ? ` — message ${e.messageSha256.slice(0, 16)}…` : ''}`;
}

export interface JournalExportResult {
  file: string;
  entries: number;
  first: number | null;
  last: number | null;
  sha256: string;
  byAction: Record<string, number>;
}

/** Writes the entries (all, or from `since`) to `file`, which must not exist. */
export function exportJournal(journal: Journal, file: string, opts: { since?: number } = {}): JournalExportResult {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('EXPORT_TARGET_EXISTS', 'export file exists', { data: { file } });
    throw new AppError('IO_FAILED', 'cannot create the export file', { cause: err });
  }
  const hash = createHash('sha256');
  const byAction: Record<string, number> = {};
  let entries = 0;
  let first: number | null = null;
  let last: number | null = null;
  try {
    for (const e of journal.entries(opts.since === undefined ? {} : { since: opts.since })) {
      const line = JSON.stringify(entryJson(e)) + '\n';
      writeSync(fd, line);
      hash.update(line);
      entries++;
      first ??= e.seq;
      last = e.seq;
      byAction[e.action] = (byAction[e.action] ?? 0) + 1;
    }
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot write the export file', { cause: err });
  } finally {
    closeSync(fd);
  }
  return { file, entries, first, last, sha256: hash.digest('hex'), byAction };
}

/** The human-readable French summary of an export. */
export function exportSummaryFr(r: JournalExportResult, verified: { ok: boolean; problem: string | null }, since: number | null): string {
  const lines = [
    'Journal des accès — export',
    `Fichier : ${r.file}`,
    `Période : ${since === null ? 'depuis le début du journal conservé' : `depuis le ${dateFr(since)}`}`,
    `Entrées exportées : ${r.entries}${r.first !== null ? ` (n° ${r.first} à ${r.last})` : ''}`,
    `Empreinte SHA-256 du fichier : ${r.sha256}`,
    `Intégrité du journal : ${verified.ok ? 'chaîne d’empreintes intacte' : `ROMPUE — ${verified.problem}`}`,
    '',
    'Actions :',
    ...Object.entries(r.byAction)
      .sort((a, b) => b[1] - a[1])
      .map(([a, n]) => `  - ${actionFr(a)} : ${n}`),
  ];
  return lines.join('\n');
}
