// `mssante send`: compose, check (recipients, size) with no network, save in the outbox, then
// send with the account's card and print the Message-ID and the outcome.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { JsonFileAccountRepository } from '../../accounts/account-repository.js';
import type { AccountConfig } from '../../accounts/account.js';
import { AppError, isAppError } from '../../errors/index.js';
import { SettingsFile } from '../../app/settings.js';
import { Journal } from '../../audit/journal.js';
import {
  checkRecipientsWithOverride,
  contentTypeOf,
  effectiveSizeLimit,
  prepareOutgoing,
  recipientPolicyOf,
  recipientProblemsFr,
  saveDraftLocally,
  uploadDraft,
  type ComposeAddress,
  type OutgoingDraft,
  type PreparedMessage,
  type RecipientProblem,
} from '../../send/index.js';
import type { MailStore } from '../../store/mail-store.js';
import { TrustContext, trustDirOf } from '../../trust/index.js';
import { evaluateIns, parseCdaBytes, xdmAuthorFromCard, type PatientIdentity } from '../../xdm/index.js';
import { patientAddress } from '../../send/patients.js';
import { withAccountConnection } from '../account-connection.js';
import type { CliContext } from '../context.js';
import { crlSoftFailOption, trustAnchorsOption } from '../pki-options.js';
import type { CommandRegistrar } from '../program.js';
import { withService } from '../card-login.js';
import { outcomeJson, outcomeTextFr, runQueue, withOutbox, type AccountConnectOptions } from './outbox.js';

interface SendOptions extends AccountConnectOptions {
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  body?: string;
  bodyFile?: string;
  htmlFile?: string;
  attach?: string[];
  replyToId?: string;
  replyAll?: boolean;
  forwardId?: string;
  receipt?: boolean;
  xdm?: string;
  patientIns?: string;
  maxSize?: string;
  toPatient?: boolean;
  patientOid?: string;
  patientTraits?: string;
  patientDomain?: string;
  confirmMixed?: boolean;
  endOfTreatment?: boolean;
  draft?: boolean;
  queueOnly?: boolean;
  confirmOutside?: string[];
}

// no commander default ([] would print an English "(default: [])" in the help)
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
const addresses = (list: readonly string[]): ComposeAddress[] => list.map((address) => ({ address }));

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AppError('IO_FAILED', `cannot read ${basename(file)}`, { cause: err, data: { file } });
  }
}

function storeId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('INVALID_ARGUMENT', `not a message id: ${raw}`, { data: { id: raw } });
  return id;
}

/** French details under the error's own message: which address, which size, which file. */
function explain(c: CliContext, err: unknown, o: SendOptions): void {
  if (!isAppError(err)) return;
  if (err.code === 'SEND_NO_RECIPIENT') c.progress('Indiquez au moins un destinataire avec --to (ou --cc, --bcc).');
  const problems = err.data.problems as RecipientProblem[] | undefined;
  // each problem names the option the address came from (--to, --cc, --bcc)
  const optionOf = (address: string): string => (o.to?.includes(address) ? '--to' : o.cc?.includes(address) ? '--cc' : o.bcc?.includes(address) ? '--bcc' : '');
  if (problems) recipientProblemsFr(problems).forEach((line, i) => c.progress(optionOf(problems[i]!.address) ? `${optionOf(problems[i]!.address)} : ${line}` : line));
  // the deliberate act: one confirmation per outside recipient, named, on this very command
  if (problems && err.data.unconfirmed === true) {
    for (const p of problems) c.progress(`Pour écrire quand même à « ${p.address} » hors de l’espace de confiance, ajoutez --confirm-outside ${p.address}`);
  }
  if (typeof err.data.detailFr === 'string') c.progress(err.data.detailFr);
  if (err.code === 'IO_FAILED' && typeof err.data.file === 'string') c.progress(`Fichier illisible : ${err.data.file}`);
}

/**
 * The outside-trust-space override of this command: the addresses confirmed with
 * --confirm-outside, under the clinic rule outsideTrustSpace of the data folder
 * (`mssante policy set outside-trust-space`, app/settings-policy.ts; default confirm).
 */
function outsideOverride(c: CliContext, o: SendOptions): { confirmed: string[]; setting: 'block' | 'confirm' } {
  return { confirmed: o.confirmOutside ?? [], setting: new SettingsFile(join(c.home, 'settings.json')).read().outsideTrustSpace };
}

/**
 * The patients' domain: --patient-domain (test platforms), else the data folder's rule. A domain
 * fixed by the clinic (`mssante policy set patient-domain`) cannot be replaced from the command line.
 */
function patientDomainOf(c: CliContext, o: SendOptions): string {
  const s = new SettingsFile(join(c.home, 'settings.json')).read();
  if (o.patientDomain === undefined) return s.patientDomain;
  if (s.clinic.patientDomain === 'clinic' && o.patientDomain.toLowerCase() !== s.patientDomain) {
    throw new AppError('SETTING_FIXED_BY_CLINIC', '--patient-domain differs from the clinic rule', { data: { key: 'patientDomain', value: s.patientDomain } });
  }
  return o.patientDomain;
}

/**
 * "Écrire au patient" from the command line: the patient of the --xdm CDA, or an identity typed
 * with its INS, OID and four traits ("NOM,Prénom,AAAA-MM-JJ,F"). Its status is evaluated like a
 * document's (xdm/ins-status.ts): only a qualified one gives an address (send/patients.ts).
 */
function patientOf(o: SendOptions): PatientIdentity | undefined {
  if (!o.toPatient) {
    if (o.patientTraits !== undefined || o.patientOid !== undefined) throw new AppError('INVALID_ARGUMENT', '--patient-oid/--patient-traits need --to-patient');
    return undefined;
  }
  if (o.xdm !== undefined && o.patientTraits === undefined) return parseCdaBytes(readInput(o.xdm), { headerOnly: true }).patient;
  if (!o.patientIns) throw new AppError('INVALID_ARGUMENT', '--to-patient needs --xdm (its patient) or --patient-ins with --patient-oid and --patient-traits');
  const [birthName, firstGivenName, birthDate, sex] = (o.patientTraits ?? '').split(',').map((v) => v.trim());
  return evaluateIns({
    ids: [{ id: o.patientIns.replace(/\s+/g, ''), ...(o.patientOid ? { oid: o.patientOid.trim() } : {}) }],
    ...(birthName ? { birthName } : {}),
    ...(firstGivenName ? { firstGivenName } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(sex ? { sex } : {}),
  });
}

/** The card holder, read from the card without the PIN (the XDM author). */
async function cardHolder(c: CliContext) {
  const token = await withService(c, (svc) => svc.selectToken(c.token));
  if (!token.holder) throw new AppError('CARD_NO_CERTIFICATE', 'the card names no person: an XDM needs an author');
  return token.holder;
}

/**
 * The patient of --to-patient and the recipients of a new message, checked before the card unlocks the store: a
 * message refused anyway needs neither the card nor the store. Replies and
 * forwards get their recipients from the stored original (checked in prepare).
 */
function precheckRecipients(c: CliContext, o: SendOptions): void {
  try {
    // a patient address comes only from a qualified INS: refused here, before the card or the store
    const patient = patientOf(o);
    if (patient) patientAddress(patient, patientDomainOf(c, o));
  } catch (err) {
    explain(c, err, o);
    throw err;
  }
  const given = [...(o.to ?? []), ...(o.cc ?? []), ...(o.bcc ?? [])];
  if (o.draft || o.replyToId || o.forwardId || !given.length) return;
  const trust = TrustContext.open(trustDirOf(c.home));
  try {
    checkRecipientsWithOverride(addresses(given), recipientPolicyOf(trust), outsideOverride(c, o));
  } catch (err) {
    explain(c, err, o);
    throw err;
  } finally {
    trust.close();
  }
}

/** Everything before the outbox: reads the files, then checks and builds (send/prepare.ts). */
async function prepare(c: CliContext, o: SendOptions, account: AccountConfig, store: MailStore, serverMaxBytes: number | null): Promise<PreparedMessage> {
  if (o.body !== undefined && o.bodyFile !== undefined) throw new AppError('INVALID_ARGUMENT', '--body and --body-file are exclusive');
  if (o.replyToId && o.forwardId) throw new AppError('INVALID_ARGUMENT', '--reply-to-id and --forward-id are exclusive');
  const settingBytes = o.maxSize === undefined ? null : Math.round(Number(o.maxSize.replace(',', '.')) * 1024 * 1024);
  if (settingBytes !== null && !(settingBytes > 0)) throw new AppError('INVALID_ARGUMENT', `--max-size: not a size in MB: ${o.maxSize}`);
  const originalId = o.replyToId ?? o.forwardId;
  const original = originalId === undefined ? undefined : storeId(originalId);
  const draft: OutgoingDraft = {
    to: addresses(o.to ?? []),
    cc: addresses(o.cc ?? []),
    bcc: addresses(o.bcc ?? []),
    ...(o.subject !== undefined ? { subject: o.subject } : {}),
    text: o.bodyFile !== undefined ? readInput(o.bodyFile).toString('utf8') : (o.body ?? ''),
    ...(o.htmlFile !== undefined ? { html: readInput(o.htmlFile).toString('utf8') } : {}),
    attachments: (o.attach ?? []).map((file) => ({ filename: basename(file), contentType: contentTypeOf(file), content: readInput(file) })),
    readReceipt: Boolean(o.receipt),
    patientDomain: patientDomainOf(c, o),
    mixedConfirmed: Boolean(o.confirmMixed),
    endOfTreatment: Boolean(o.endOfTreatment),
    ...(original !== undefined
      ? { original: { message: store.getMessage(original), raw: store.getRaw(original).raw, mode: o.forwardId ? ('forward' as const) : o.replyAll ? ('reply-all' as const) : ('reply' as const) } }
      : {}),
  };
  const patient = patientOf(o);
  if (patient) draft.patient = patient;
  const trust = TrustContext.open(trustDirOf(c.home));
  try {
    const policy = recipientPolicyOf(trust);
    if (o.xdm !== undefined) {
      // recipients first: no card access for a message that would be refused anyway
      const typed = [...draft.to, ...draft.cc, ...draft.bcc];
      if (typed.length || !draft.patient) checkRecipientsWithOverride(typed, policy, outsideOverride(c, o));
      draft.xdm = { cdaXml: readInput(o.xdm), author: xdmAuthorFromCard(await cardHolder(c), account.address), ...(o.patientIns ? { patientIns: o.patientIns } : {}) };
    }
    return await prepareOutgoing({ address: account.address }, draft, policy, effectiveSizeLimit({ settingBytes, serverBytes: serverMaxBytes }), { outside: outsideOverride(c, o) });
  } finally {
    trust.close();
  }
}

export const registerSend: CommandRegistrar = (program, ctx) => {
  program
    .command('send')
    .description('écrire et envoyer un message (enregistré d’abord dans la boîte d’envoi)')
    .option('--to <adresse>', 'destinataire (répétable, ou séparé par des virgules)', collect)
    .option('--cc <adresse>', 'destinataire en copie (répétable)', collect)
    .option('--bcc <adresse>', 'destinataire en copie cachée (répétable)', collect)
    .option('--subject <objet>', 'objet du message')
    .option('--body <texte>', 'texte du message')
    .option('--body-file <fichier>', 'texte du message lu dans un fichier (UTF-8)')
    .option('--html-file <fichier>', 'version HTML du message (UTF-8)')
    .option('--attach <fichier>', 'pièce jointe (répétable)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .option('--reply-to-id <id>', 'répondre au message enregistré ID (voir messages list)')
    .option('--reply-all', 'avec --reply-to-id : répondre à tous')
    .option('--forward-id <id>', 'transférer le message enregistré ID (joint en entier)')
    .option('--receipt', 'demander un accusé de lecture (Disposition-Notification-To)')
    .option('--xdm <cda>', 'joindre un IHE_XDM.ZIP construit à partir de ce document CDA (et son PDF)')
    .option('--patient-ins <ins>', 'avec --xdm : INS attendu du patient (contrôle) ; avec --to-patient sans --xdm : INS du patient')
    .option('--to-patient', 'écrire au patient (Mon espace santé) : celui du document --xdm, ou --patient-ins/--patient-oid/--patient-traits ; INS qualifiée exigée')
    .option('--patient-oid <oid>', 'avec --to-patient : OID de l’autorité d’affectation de l’INS')
    .option('--patient-traits <traits>', 'avec --to-patient : « NOM DE NAISSANCE,Premier prénom,AAAA-MM-JJ,M|F »')
    .option('--patient-domain <domaine>', 'domaine des patients (plateformes de test ; par défaut celui fixé par l’établissement, sinon patient.mssante.fr ; refusé s’il diffère de celui fixé par l’établissement)')
    .option('--confirm-outside <adresse>', 'confirmer l’envoi à ce destinataire hors de l’espace de confiance MSSanté (une fois par destinataire, pour ce message ; interdit si le réglage du cabinet outsideTrustSpace vaut block)', collect)
    .option('--confirm-mixed', 'confirmer l’envoi à un patient et à des professionnels dans le même message')
    .option('--end-of-treatment', 'message de fin de traitement (X-MSS-MES: FIN) : le patient ne pourra pas répondre ; patients seulement')
    .option('--max-size <Mo>', 'taille maximale du message (réglage ; la limite du serveur s’applique aussi)')
    .option('--draft', 'enregistrer comme brouillon (localement et dans « Brouillons ») sans envoyer')
    .option('--queue-only', 'seulement mettre en boîte d’envoi (envoi plus tard : outbox retry)')
    .option('--account <adresse>', 'compte qui envoie (par défaut : le seul compte)')
    .addOption(trustAnchorsOption())
    .addOption(crlSoftFailOption())
    .option('--password-stdin', 'lire le mot de passe du certificat logiciel sur l’entrée standard')
    .option('--rpps <rpps>', 'compte Pro Santé Connect : RPPS pour la validation sur le téléphone (e-CPS)')
    .option('--browser', 'compte Pro Santé Connect : connexion dans le navigateur (carte CPS)')
    .action(async (o: SendOptions) => {
      const c = ctx();
      const account = await JsonFileAccountRepository.inHome(c.home).get(o.account);
      precheckRecipients(c, o);
      const entry = await withOutbox(c, async (outbox, store) => {
        let prepared: PreparedMessage;
        try {
          prepared = await prepare(c, o, account, store, outbox.serverMaxBytes(account.address));
        } catch (err) {
          explain(c, err, o);
          throw err;
        }
        if (o.draft) {
          const draft = await saveDraftLocally(outbox, account.address, prepared.message);
          if (o.queueOnly) return draft;
          // the Drafts folder over IMAP with the account's method (card, certificate or Pro Santé Connect)
          return withAccountConnection(c, account, o, async (conn) => {
            const channel = conn.mailChannel();
            try {
              return await uploadDraft(outbox, channel, draft.id);
            } finally {
              await channel.close();
            }
          });
        }
        // Saved before any network work: from here on the message cannot be lost.
        const queued = outbox.add(account.address, prepared.message, { replyToRow: prepared.replyToRow });
        // the override of the trust-space check is on record, with whom it was for (the window's event)
        if (prepared.outside.length) {
          new Journal(store.db).append([{ action: 'message.outside_trust_space', data: { messageId: prepared.message.messageId, recipients: prepared.outside, sha256: prepared.message.sha256 } }]);
        }
        c.progress(`Message enregistré dans la boîte d’envoi : ${queued.messageId}`);
        if (o.queueOnly) return queued;
        try {
          await runQueue(c, account, o, outbox, store); // with it, whatever else is due
        } catch (err) {
          c.progress(`Le message reste dans la boîte d’envoi (n° ${queued.id}) : « mssante outbox retry » pour l’envoyer.`);
          throw err;
        }
        return outbox.get(queued.id);
      });
      c.result({ ok: entry.state !== 'failed' && entry.state !== 'uncertain', ...outcomeJson(entry) }, () => outcomeTextFr(entry));
      if (entry.state === 'failed' || entry.state === 'uncertain') process.exitCode = 1;
    });
};
