// Mail channels of the facade over the store (the store worker's async API in
// the app; a MailStore wrapped in promises in tests): folders with counts,
// message pages, reading (badge, XDM summary, read-receipt policy), flags,
// move/delete (local at once, replayed to the server by sync), search,
// attachments. Ids cross the contract as decimal strings.
import { listSubject } from '../rules/mdn.js';
import { DELIVERY_STATE_FR, failureExplanationFr } from '../store/delivery.js';
import { AppError, isAppError, messageFr } from '../errors/index.js';
import type { Folder, MessageSummary, MessageView } from '../ipc/contract.js';
import type { AsyncStoreApi } from '../store/worker/protocol.js';
import type { Folder as StoreFolder, MessageSummary as StoreSummary } from '../store/types.js';
import type { MailAddress } from '../store/parse.js';
import { isXdmAttachment, mdnPolicy, readXdm, receiptView, renderCdaBytes, summarizeXdm, xdmWarningFr, type XdmSummary as XdmModuleSummary } from '../xdm/index.js';
import { badgeFromDecision, levelFromDecision } from './trust-app.js';
import type { AttachmentContent, CoreChannelHandlers } from './services.js';
import type { JournalPort } from '../audit/port.js';

/** What the facade needs from the store. */
export type MailStorePort = Pick<
  AsyncStoreApi,
  | 'listFolders'
  | 'getFolder'
  | 'countMessages'
  | 'listMessages'
  | 'listPage'
  | 'folderCounts'
  | 'getMessage'
  | 'readReceipts'
  | 'delivery'
  | 'deliveryBadges'
  | 'getRaw'
  | 'getAttachmentContent'
  | 'search'
  | 'changeFlags'
  | 'queueMove'
  | 'queueDelete'
>;

type MailChannels = Pick<
  CoreChannelHandlers,
  'mail.folders' | 'mail.list' | 'mail.read' | 'mail.setFlags' | 'mail.move' | 'mail.delete' | 'mail.search' | 'xdm.view'
>;

export function parseId(id: string, what: 'message' | 'folder' | 'attachment'): number {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new AppError('NOT_FOUND', `no ${what} with this id`);
  return Number(id);
}

const ROLE_BY_SPECIAL_USE: Record<string, Folder['role']> = {
  '\\Sent': 'sent',
  '\\Drafts': 'drafts',
  '\\Trash': 'trash',
  '\\Junk': 'junk',
  '\\Archive': 'archive',
};

export function folderRole(f: Pick<StoreFolder, 'path' | 'specialUse'>): Folder['role'] {
  if (f.path.toUpperCase() === 'INBOX') return 'inbox';
  return (f.specialUse && ROLE_BY_SPECIAL_USE[f.specialUse]) || 'other';
}

function parentOf(f: StoreFolder, byPath: Map<string, StoreFolder>): string | null {
  if (!f.delimiter) return null;
  const cut = f.path.lastIndexOf(f.delimiter);
  if (cut <= 0) return null;
  const parent = byPath.get(f.path.slice(0, cut));
  return parent ? String(parent.id) : null;
}

const address = (a: MailAddress | null | undefined) => (a ? { address: a.address ?? '', ...(a.name ? { name: a.name } : {}) } : { address: '' });
const iso = (ms: number | null) => new Date(ms ?? 0).toISOString();

export function summaryOut(s: StoreSummary): MessageSummary {
  return {
    id: String(s.id),
    folderId: String(s.folderId),
    ...(s.threadId ? { threadId: s.threadId } : {}),
    threadSize: s.threadSize ?? 1,
    date: iso(s.date),
    from: address(s.from),
    fromTrust: levelFromDecision(s.trust),
    // list only: the technical XDM prefix hidden; the reading pane and the source keep it
    subject: listSubject(s.subject ?? ''),
    hasAttachments: s.hasAttachments,
    seen: s.flags.seen,
    flagged: s.flags.flagged,
    answered: s.flags.answered,
    size: s.size,
  };
}

const INTEGRITY = new Set(['ok', 'mismatch', 'unverified', 'missing']);

export function xdmOut(partId: string, s: XdmModuleSummary): NonNullable<MessageView['xdm']> {
  const t = s.patient.traits;
  return {
    partId,
    patient: {
      ...(t.birthName ? { birthName: t.birthName } : {}),
      ...(t.firstGivenName ? { firstGivenName: t.firstGivenName } : {}),
      ...(t.birthDate ? { birthDate: t.birthDate } : {}),
      ...(t.sex ? { sex: t.sex } : {}),
      ...(s.patient.ins ? { ins: s.patient.ins } : {}),
      qualified: s.patient.qualified,
      statusText: s.patient.statusText,
    },
    documents: s.documents.map((d) => ({
      ...(d.title ? { title: d.title } : {}),
      ...(d.typeCode ? { type: d.typeCode.display ?? d.typeCode.code } : {}),
      ...(d.creationTime ? { creationTime: d.creationTime } : {}),
      authors: d.authors,
      ...(d.mimeType ? { mimeType: d.mimeType } : {}),
      integrity: INTEGRITY.has(d.integrity) ? d.integrity : 'unverified',
    })),
    warnings: s.warnings.map(xdmWarningFr),
  };
}

function unreadableXdm(partId: string, err: unknown): NonNullable<MessageView['xdm']> {
  if (!isAppError(err)) throw err;
  return {
    partId,
    patient: { qualified: false, statusText: 'Archive illisible' },
    documents: [],
    warnings: [],
    error: { code: err.code, message: messageFr(err.code) },
  };
}

export interface MailApp {
  channels: MailChannels;
  attachmentContent(ref: { messageId: string; partId: string }, purpose?: 'open' | 'save'): Promise<AttachmentContent>;
}

/** `journal`: every reading of a message or attachment is journalled before its content is handed over. */
export function createMailApp(port: () => MailStorePort, journal?: JournalPort): MailApp {
  const store = () => port();

  const attachment = async (messageId: string, partId: string) => {
    const detail = await store().getMessage(parseId(messageId, 'message'));
    const info = detail.attachments.find((a) => String(a.id) === partId);
    if (!info) throw new AppError('NOT_FOUND', 'no such attachment in this message');
    return { info, data: await store().getAttachmentContent(info.id), detail };
  };

  const journalAttachment = (purpose: 'open' | 'save', message: { id: number; sha256: string }, info: { sha256: string; size: number }) =>
    journal?.record([
      {
        action: purpose === 'save' ? 'attachment.saved' : 'attachment.opened',
        data: { sha256: message.sha256, attachmentSha256: info.sha256, size: info.size },
        message: { row: message.id, sha256: message.sha256 },
      },
    ]);

  return {
    channels: {
      'mail.folders': async () => {
        const folders = (await store().listFolders()).filter((f) => f.selectable !== false);
        const byPath = new Map(folders.map((f) => [f.path, f]));
        // one indexed query for every folder: no page of messages is read (100k-message inbox)
        const counts = new Map((await store().folderCounts()).map((c) => [c.folderId, c]));
        const out: Folder[] = [];
        for (const f of folders) {
          const total = counts.get(f.id)?.total ?? 0;
          const unread = counts.get(f.id)?.unread ?? 0;
          const role = folderRole(f);
          out.push({ id: String(f.id), parentId: parentOf(f, byPath), name: role === 'inbox' ? 'Boîte de réception' : f.name, role, unread, total });
        }
        return { folders: out };
      },

      'mail.list': async ({ folderId, offset, limit, sort, threads }) => {
        if (sort.by !== 'date') throw new AppError('SERVICE_UNAVAILABLE', 'the store lists by date only (either direction, threads or not)');
        const id = parseId(folderId, 'folder');
        const folder = await store().getFolder(id);
        if (!folder) throw new AppError('NOT_FOUND', 'no such folder');
        const { total, items } = await store().listPage({ folderId: id, limit, offset, order: sort.dir, threads });
        // Sent: each message's delivery state, for the list's icon
        const badges = folder.specialUse === '\\Sent' ? await store().deliveryBadges(items.map((m) => m.id)) : {};
        return { total, offset, items: items.map((m) => ({ ...summaryOut(m), ...(badges[m.id] ? { delivery: badges[m.id] } : {}) })) };
      },

      'mail.read': async ({ id }) => {
        const d = await store().getMessage(parseId(id, 'message'));
        await journal?.record([{ action: 'message.opened', data: { messageId: d.messageId, sha256: d.sha256 }, message: { row: d.id, sha256: d.sha256 } }]);
        const xdmPart = d.attachments.find((a) => isXdmAttachment(a.filename ?? undefined));
        let xdm: MessageView['xdm'] = null;
        if (xdmPart) {
          const partId = String(xdmPart.id);
          try {
            xdm = xdmOut(partId, summarizeXdm(readXdm(await store().getAttachmentContent(xdmPart.id))));
          } catch (err) {
            xdm = unreadableXdm(partId, err);
          }
        }
        const policy = mdnPolicy((await store().getRaw(d.id)).raw);
        return {
          id: String(d.id),
          folderId: String(d.folderId),
          headers: {
            from: address(d.from),
            to: d.to.map(address),
            cc: d.cc.map(address),
            replyTo: d.replyTo.map(address),
            date: iso(d.date),
            subject: d.subject ?? '',
            ...(d.messageId ? { messageId: d.messageId } : {}),
          },
          text: d.text,
          html: d.html,
          attachments: d.attachments.map((a) => ({
            partId: String(a.id),
            filename: a.filename ?? 'piece-jointe',
            contentType: a.mimeType,
            size: a.size,
            kind: isXdmAttachment(a.filename ?? undefined) ? ('xdm' as const) : ('file' as const),
          })),
          trust: badgeFromDecision(d.trust),
          xdm,
          readReceipt: { requested: policy.offer, safeToSend: policy.automaticAllowed },
          receipts: (await store().readReceipts(d.id)).map(receiptView),
          delivery: (await store().delivery(d.id)).map((r) => ({
            recipient: r.recipient,
            state: r.state,
            label: DELIVERY_STATE_FR[r.state],
            at: r.at === null ? null : iso(r.at),
            detail: r.state === 'failed' ? (failureExplanationFr(r.recipient, r.detail) ?? r.detail) : null,
            steps: r.history.map((h) => ({ label: DELIVERY_STATE_FR[h.state], at: iso(h.at) })),
          })),
          seen: d.flags.seen,
          flagged: d.flags.flagged,
        };
      },

      'mail.setFlags': async ({ ids, seen, flagged }) => {
        const change = { ...(seen === undefined ? {} : { seen }), ...(flagged === undefined ? {} : { flagged }) };
        if (Object.keys(change).length === 0) throw new AppError('INVALID_ARGUMENT', 'no flag to change');
        for (const id of ids) await store().changeFlags(parseId(id, 'message'), change);
        return { updated: ids.length };
      },

      'mail.move': async ({ ids, toFolderId }) => {
        const target = await store().getFolder(parseId(toFolderId, 'folder'));
        if (!target) throw new AppError('NOT_FOUND', 'no such folder');
        for (const id of ids) await store().queueMove(parseId(id, 'message'), target.path);
        return { moved: ids.length };
      },

      'mail.delete': async ({ ids }) => {
        const folders = await store().listFolders();
        const trash = folders.find((f) => folderRole(f) === 'trash');
        let deleted = 0;
        for (const id of ids) {
          const messageId = parseId(id, 'message');
          const m = await store().getMessage(messageId);
          if (trash && m.folderId !== trash.id) await store().queueMove(messageId, trash.path);
          else await store().queueDelete(messageId);
          deleted++;
        }
        return { deleted };
      },

      'mail.search': async ({ query, folderId, offset, limit }) => {
        const id = folderId === undefined ? undefined : parseId(folderId, 'folder');
        // The store returns the newest matches up to a limit. Asking one more than the page needs
        // tells whether more exist: `total` is exact at the end and grows by pages before.
        const rows = await store().search(query, { limit: offset + limit + 1, ...(id === undefined ? {} : { folderId: id }) });
        return { total: rows.length, offset, items: rows.slice(offset, offset + limit).map(summaryOut) };
      },

      'xdm.view': async ({ messageId, partId }) => {
        const { info, data, detail } = await attachment(messageId, partId);
        if (!isXdmAttachment(info.filename ?? undefined)) throw new AppError('INVALID_ARGUMENT', 'this attachment is not an IHE_XDM.ZIP');
        await journalAttachment('open', detail, info); // the documents shown are the attachment opened
        const pkg = readXdm(data);
        const summary = xdmOut(partId, summarizeXdm(pkg));
        const documents = pkg.documents.map((d) => {
          const isCda = d.bytes && /xml/i.test(d.entry.mimeType ?? '');
          let html: string | null = null;
          if (isCda) {
            try {
              html = renderCdaBytes(d.bytes!).html;
            } catch {
              html = null;
            }
          }
          return { ...(d.entry.title ? { title: d.entry.title } : {}), html, ...(d.entry.mimeType ? { mimeType: d.entry.mimeType } : {}) };
        });
        return { summary, documents };
      },
    },

    async attachmentContent({ messageId, partId }, purpose) {
      const { info, data, detail } = await attachment(messageId, partId);
      if (purpose) await journalAttachment(purpose, detail, info);
      return { filename: info.filename ?? 'piece-jointe', contentType: info.mimeType, data: Buffer.from(data) };
    },
  };
}
