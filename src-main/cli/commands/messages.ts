import { Option } from 'commander';
import { listSubject } from '../../rules/mdn.js';
import { Journal } from '../../audit/journal.js';
import { composeStoreHooks } from '../../app/store-hooks.js';
import { trustDirOf } from '../../trust/home.js';
import { anchorOrWarn } from './audit.js';
import { AppError, isAppError } from '../../errors/index.js';
import { storeError } from '../../store/database.js';
import { flagList } from '../../store/flags.js';
import { openCliStore } from '../card-unlock.js';
import type { MailStore } from '../../store/mail-store.js';
import type { FlagChange, MessageDetail, MessageSummary } from '../../store/types.js';
import { isXdmAttachment, xdmJsonForAttachment, xdmSummaryTextFr } from '../../xdm/summary.js';
import { readXdm } from '../../xdm/read-xdm.js';
import { xdmReplacementLines } from '../../app/xdm-replacements.js';
import { receiptLineFr, receiptView, type ReceiptView } from '../../xdm/mdn.js';
import { DELIVERY_STATE_FR, failureExplanationFr, type RecipientDelivery } from '../../store/delivery.js';
import type { CliContext } from '../context.js';
import { integerBetween, parseId } from '../option-parsers.js';
import { termBlock, termField, termFileName } from '../../common/terminal-text.js';
import type { CommandRegistrar } from '../program.js';

/** Runs `fn` on the store of --home (flag/move/delete journalled with their change) and always closes it. */
export async function withStore<T>(c: CliContext, fn: (store: MailStore) => T | Promise<T>): Promise<T> {
  const store = await openCliStore(c, { hooks: composeStoreHooks(['journal'], { home: c.home, trustDir: trustDirOf(c.home) }) });
  const journal = new Journal(store.db);
  const before = journal.head().seq;
  try {
    return await fn(store);
  } catch (err) {
    throw storeError(err) ?? err;
  } finally {
    if (journal.head().seq !== before) anchorOrWarn(c, journal);
    store.close();
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** JSON shape of a message in lists (`messages list`, `search`). */
export function summaryJson(m: MessageSummary): Record<string, unknown> {
  return {
    id: m.id,
    folder: m.folderPath,
    uid: m.uid,
    date: iso(m.date),
    from: m.from,
    subject: m.subject,
    flags: flagList(m.flags),
    hasAttachments: m.hasAttachments,
    trust: m.trust,
  };
}

/** One line per message, for people: id, date, mark, sender, subject. */
export function summaryTextFr(list: readonly MessageSummary[]): string {
  if (!list.length) return 'Aucun message.';
  return list
    .map((m) => {
      const date = m.date === null ? '—' : new Date(m.date).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
      const mark = `${m.flags.seen ? ' ' : '●'}${m.flags.flagged ? '★' : ' '}${m.hasAttachments ? '📎' : '  '}`;
      const from = m.from ? termField(m.from.name || m.from.address, 60) : '(expéditeur inconnu)';
      return `${String(m.id).padStart(6)}  ${date}  ${mark} ${from} — ${m.subject === null ? '(sans objet)' : termField(listSubject(m.subject))}`;
    })
    .join('\n');
}

/**
 * A folder the store does not know, said with what the user can do: sync first when the store is
 * empty, else pick one of the folders it has.
 */
export function unknownFolderError(err: unknown, store: MailStore): unknown {
  if (!isAppError(err) || err.code !== 'NOT_FOUND' || typeof err.data.folder !== 'string') return err;
  const folders = store.listFolders().map((f) => f.path);
  const messageFr = folders.length === 0
    ? 'La base locale est vide : lancez « mssante sync ».'
    : `Dossier « ${termField(err.data.folder)} » inconnu dans la base locale ; dossiers : ${folders.map((f) => termField(f)).join(', ')} (option --folder).`;
  return new AppError('NOT_FOUND', err.message, { cause: err, data: { ...err.data, folders, messageFr } });
}

// names and addresses come from the message: neutralised for the terminal
const addr = (a: { name: string; address: string }): string => (a.name ? `${termField(a.name, 80)} <${termField(a.address, 120)}>` : termField(a.address, 120));

/** The structured document of the message's IHE_XDM.ZIP attachment, if any (read in memory). */
type XdmJson = ReturnType<typeof xdmJsonForAttachment> | null;

async function xdmOf(store: MailStore, d: MessageDetail): Promise<XdmJson> {
  const zip = d.attachments.find((a) => isXdmAttachment(a.filename ?? undefined));
  if (!zip) return null;
  const bytes = await store.getAttachmentContent(zip.id);
  const json = xdmJsonForAttachment(bytes);
  if ('documents' in json) {
    // "remplace le document du …": against the other IHE_XDM.ZIP of the store
    const lines = await xdmReplacementLines(store, d.id, readXdm(bytes));
    json.documents.forEach((doc, i) => lines[i] && (doc.replaces = lines[i]!));
  }
  return json;
}

/** `delivery` of a sent message: per recipient, the state reached (French label and code), when, why. */
export function deliveryJson(list: readonly RecipientDelivery[]): Record<string, unknown>[] {
  return list.map((r) => ({
    recipient: r.recipient,
    state: DELIVERY_STATE_FR[r.state],
    code: r.state,
    at: iso(r.at),
    detail: r.detail,
    ...(r.state === 'failed' ? { explanation: failureExplanationFr(r.recipient, r.detail) } : {}),
  }));
}

function deliveryLineFr(r: RecipientDelivery): string {
  const when = r.at === null ? '' : ` le ${new Date(r.at).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' })}`;
  return `  ${r.recipient} : ${DELIVERY_STATE_FR[r.state]}${when}${r.state === 'failed' ? ` — ${failureExplanationFr(r.recipient, r.detail) ?? r.detail ?? ''}` : ''}`;
}

function detailJson(d: MessageDetail, xdm: XdmJson, receipts: readonly ReceiptView[], delivery: readonly RecipientDelivery[] = []): Record<string, unknown> {
  return {
    ...summaryJson(d),
    messageId: d.messageId,
    inReplyTo: d.inReplyTo,
    to: d.to,
    cc: d.cc,
    replyTo: d.replyTo,
    receivedAt: iso(d.receivedAt),
    sha256: d.sha256,
    size: d.size,
    text: d.text,
    hasHtml: d.html !== null,
    attachments: d.attachments.map((a) => ({ filename: a.filename, mimeType: a.mimeType, size: a.size, sha256: a.sha256 })),
    xdm,
    receipts,
    delivery: deliveryJson(delivery),
  };
}

function detailTextFr(d: MessageDetail, xdm: XdmJson, receipts: readonly ReceiptView[], delivery: readonly RecipientDelivery[] = []): string {
  const lines = [
    `De : ${d.from ? addr(d.from) : '(inconnu)'}`,
    `À : ${d.to.map(addr).join(', ') || '—'}`,
    ...(d.cc.length ? [`Cc : ${d.cc.map(addr).join(', ')}`] : []),
    `Date : ${d.date === null ? '—' : new Date(d.date).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}`,
    `Objet : ${d.subject === null ? '(sans objet)' : termField(d.subject)}`,
    `Empreinte SHA-256 : ${d.sha256}`,
    // read receipts of a sent message: "Lu le 26/11/2026 à 11:30 par …"
    ...receipts.map(receiptLineFr),
    ...(delivery.length ? ['Suivi de distribution :', ...delivery.map(deliveryLineFr)] : []),
    '',
    d.text !== null ? termBlock(d.text) : d.html !== null ? '(message au format HTML uniquement)' : '',
  ];
  if (d.attachments.length) {
    lines.push('', 'Pièces jointes :');
    for (const a of d.attachments) lines.push(`  - ${a.filename === null ? '(sans nom)' : termFileName(a.filename, 120)} (${termField(a.mimeType, 80)}, ${a.size} octets)`);
  }
  if (xdm && 'documents' in xdm) lines.push('', 'Document de santé structuré (IHE_XDM.ZIP) :', xdmSummaryTextFr(xdm));
  else if (xdm) lines.push('', `IHE_XDM.ZIP illisible : ${xdm.error.message}`);
  return lines.join('\n');
}

/** `mssante messages list|show|flag`: reading and marking messages from the local store (works offline). */
export const registerMessages: CommandRegistrar = (program, ctx) => {
  const messages = program.command('messages').description('lire et marquer les messages de la base locale (hors ligne)');

  messages
    .command('list')
    .description('lister les messages d’un dossier, du plus récent au plus ancien')
    .option('--folder <dossier>', 'dossier IMAP', 'INBOX')
    .option('--limit <n>', 'nombre maximal de messages, de 1 à 100 000', integerBetween('--limit', 1, 100_000), 50)
    .action(async (o: { folder: string; limit: number }) => {
      const c = ctx();
      const list = await withStore(c, (s) => {
        try {
          return s.listMessages({ folderPath: o.folder, limit: o.limit });
        } catch (err) {
          throw unknownFolderError(err, s);
        }
      });
      c.result({ ok: true, folder: o.folder, messages: list.map(summaryJson) }, () => summaryTextFr(list));
    });

  messages
    .command('show')
    .description('afficher un message (en-têtes, texte, pièces jointes)')
    .argument('<id>', 'identifiant du message (voir messages list)')
    .option('--raw', 'écrire la source exacte du message (RFC 822), octet pour octet')
    .action(async (rawId: string, o: { raw?: boolean }) => {
      const c = ctx();
      const id = parseId(rawId);
      if (o.raw) {
        const { raw } = await withStore(c, (s) => {
          const r = s.getRaw(id);
          // no access without its trace: the entry is written before the bytes are shown
          new Journal(s.db).append([{ action: 'message.opened', data: { messageId: s.getMessage(id).messageId, sha256: r.sha256, raw: true }, message: { row: id, sha256: r.sha256 } }]);
          return r;
        });
        await new Promise<void>((resolve, reject) => process.stdout.write(raw, (err) => (err ? reject(err) : resolve())));
        return;
      }
      const { d, xdm, receipts, delivery } = await withStore(c, async (s) => {
        const m = s.getMessage(id);
        new Journal(s.db).append([{ action: 'message.opened', data: { messageId: m.messageId, sha256: m.sha256 }, message: { row: id, sha256: m.sha256 } }]);
        return { d: m, xdm: await xdmOf(s, m), receipts: s.readReceipts(id).map(receiptView), delivery: s.delivery(id) };
      });
      c.result({ ok: true, message: detailJson(d, xdm, receipts, delivery) }, () => detailTextFr(d, xdm, receipts, delivery));
    });

  messages
    .command('flag')
    .description('marquer un message (appliqué tout de suite ici, envoyé au serveur à la prochaine synchronisation)')
    .argument('<id>', 'identifiant du message')
    .addOption(new Option('--seen', 'marquer comme lu').conflicts('unseen'))
    .addOption(new Option('--unseen', 'marquer comme non lu'))
    .addOption(new Option('--flagged', 'marquer comme important').conflicts('unflagged'))
    .addOption(new Option('--unflagged', 'retirer la marque « important »'))
    .addOption(new Option('--answered', 'marquer comme répondu'))
    .action(async (rawId: string, o: { seen?: boolean; unseen?: boolean; flagged?: boolean; unflagged?: boolean; answered?: boolean }) => {
      const c = ctx();
      const id = parseId(rawId);
      const change: FlagChange = {};
      if (o.seen) change.seen = true;
      if (o.unseen) change.seen = false;
      if (o.flagged) change.flagged = true;
      if (o.unflagged) change.flagged = false;
      if (o.answered) change.answered = true;
      if (!Object.keys(change).length) throw new AppError('INVALID_ARGUMENT', 'no flag option given (--seen, --unseen, --flagged, --unflagged, --answered)');
      const m = await withStore(c, (s) => s.changeFlags(id, change));
      c.result({ ok: true, message: summaryJson(m), pendingSync: true }, `Message ${m.id} : ${flagList(m.flags).join(' ') || 'aucune marque'} (sera appliqué sur le serveur à la prochaine synchronisation).`);
    });

  messages
    .command('move')
    .description('déplacer un message vers un autre dossier (masqué ici tout de suite, déplacé sur le serveur à la prochaine synchronisation)')
    .argument('<id>', 'identifiant du message')
    .argument('<dossier>', 'dossier de destination')
    .action(async (rawId: string, target: string) => {
      const c = ctx();
      const id = parseId(rawId);
      await withStore(c, (s) => {
        const from = s.getMessage(id);
        const folder = s.listFolders().find((f) => f.path === target && s.getFolder(from.folderId)?.accountId === f.accountId);
        if (!folder) throw new AppError('NOT_FOUND', 'target folder not found', { data: { folder: target } });
        s.queueMove(id, target);
      });
      c.result({ ok: true, id, target, pendingSync: true }, `Message ${id} déplacé vers « ${target} » (appliqué sur le serveur à la prochaine synchronisation).`);
    });

  messages
    .command('delete')
    .description('supprimer un message (masqué ici tout de suite, supprimé du serveur à la prochaine synchronisation)')
    .argument('<id>', 'identifiant du message')
    .action(async (rawId: string) => {
      const c = ctx();
      const id = parseId(rawId);
      await withStore(c, (s) => s.queueDelete(id));
      c.result({ ok: true, id, pendingSync: true }, `Message ${id} supprimé (appliqué sur le serveur à la prochaine synchronisation).`);
    });
};
