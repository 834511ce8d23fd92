// Evidence export of one stored message (`messages export ID DIR`): the
// original .eml byte for byte, and a French text receipt: SHA-256, dates
// received (server) and synced (here), the sender trust decision recorded at
// sync time, and the journal entries about that message.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badgeFromDecision } from '../trust/badge.js';
import { AppError } from '../errors/index.js';
import type { MailStore } from '../store/mail-store.js';
import { entryLineFr } from './journal-export.js';
import type { Journal } from './journal.js';
import { breakFr, verifyJournal } from './verify.js';

export interface MessageExportResult {
  id: number;
  emlFile: string;
  receiptFile: string;
  sha256: string;
  receiptSha256: string;
  size: number;
  messageId: string | null;
  journalEntries: number;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const dateFr = (ms: number | null): string => (ms === null ? 'inconnue' : `${new Date(ms).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })} (${new Date(ms).toISOString()})`);

function writeNew(file: string, data: Buffer | string): void {
  try {
    writeFileSync(file, data, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('EXPORT_TARGET_EXISTS', 'export file exists', { data: { file } });
    throw new AppError('IO_FAILED', 'cannot write the export file', { cause: err });
  }
}

export function exportMessageEvidence(store: MailStore, journal: Journal, home: string, id: number, dir: string, now = Date.now()): MessageExportResult {
  const detail = store.getMessage(id);
  const { raw, sha256: stored } = store.getRaw(id);
  const actual = sha256(raw);
  // the stored bytes must still be the ones received: never export an altered source silently
  if (actual !== stored) throw new AppError('STORE_CORRUPT', 'message source does not match its stored SHA-256', { data: { id } });
  const dates = store.db.prepare('SELECT internal_date, received_at FROM messages WHERE id = ?').get(id) as { internal_date: number | null; received_at: number };
  const entries = journal.forMessage(id, actual);
  const verification = verifyJournal(journal, home);
  const badge = badgeFromDecision(detail.trust);
  const decision = detail.trust as { basis?: unknown; decidedAt?: unknown } | null;

  const base = `message-${id}`;
  const emlFile = join(dir, `${base}.eml`);
  const receiptFile = join(dir, `${base}-recu.txt`);
  const receipt = [
    'Reçu d’export de message MSSanté',
    '',
    `Message n° ${id} de la base locale, dossier « ${detail.folderPath} »`,
    `Identifiant (Message-ID) : ${detail.messageId ?? '(absent)'}`,
    `Expéditeur : ${detail.from?.address ?? '(inconnu)'}`,
    `Fichier : ${base}.eml (${raw.length} octets, source d’origine octet pour octet)`,
    `Empreinte SHA-256 : ${actual}`,
    `Reçu par le serveur le : ${dateFr(dates.internal_date)}`,
    `Synchronisé sur ce poste le : ${dateFr(dates.received_at)}`,
    '',
    'Statut de l’expéditeur au moment de la synchronisation :',
    `  ${badge.label} — ${badge.explanation}`,
    ...badge.reasons.map((r) => `  - ${r}`),
    ...(decision?.basis ? [`  Référentiels : ${JSON.stringify(decision.basis)}`] : []),
    '',
    `Journal des accès pour ce message (${entries.length} entrée(s)) :`,
    ...(entries.length ? entries.map((e) => `  ${entryLineFr(e)}  [${e.hash}]`) : ['  (aucune)']),
    `Intégrité du journal : ${verification.ok ? `chaîne intacte (${verification.entries} entrées, tête n° ${verification.last.seq} ${verification.last.hash})${verification.unanchored ? ` ; ${verification.unanchored} entrée(s) non encore ancrée(s) par une signature de carte` : ''}` : `ROMPUE — ${breakFr(verification)}`}`,
    '',
    `Reçu établi le ${dateFr(now)}.`,
    'Vérification : sha256sum ' + `${base}.eml doit afficher l’empreinte ci-dessus.`,
    '',
  ].join('\n');

  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot create the export folder', { cause: err });
  }
  writeNew(emlFile, raw);
  try {
    writeNew(receiptFile, receipt);
  } catch (err) {
    rmSync(emlFile, { force: true }); // an export is both files or nothing
    throw err;
  }
  const receiptSha256 = sha256(receipt);
  journal.append([{ action: 'message.exported', data: { messageId: detail.messageId, sha256: actual, receiptSha256 }, message: { row: id, sha256: actual } }], now);
  return { id, emlFile, receiptFile, sha256: actual, receiptSha256, size: raw.length, messageId: detail.messageId, journalEntries: entries.length };
}
