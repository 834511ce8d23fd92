// Mail channels of the facade over the store (the store worker's async API in
// the app; a MailStore wrapped in promises in tests): folders with counts,
// message pages, reading (badge, XDM summary, read-receipt policy), flags,
// move/delete (local at once, replayed to the server by sync), search,
// attachments. Ids cross the contract as decimal strings.
import { listSubject as withoutXdmPrefix } from '../rules/mdn.js';
import { DELIVERY_STATE_FR, failureExplanationFr } from '../store/delivery.js';
import { AppError, isAppError, messageFr } from '../errors/index.js';
import type { Folder, MessageSummary, MessageView } from '../ipc/contract.js';
import type { AsyncStoreApi } from '../store/worker/protocol.js';
import type { Folder as StoreFolder, MessageSummary as StoreSummary } from '../store/types.js';
import type { MailAddress } from '../store/parse.js';
import { isXdmAttachment, mdnPolicy, readXdm, receiptView, renderCdaBytes, summarizeXdm, xdmWarningFr, type XdmSummary as XdmModuleSummary } from '../xdm/index.js';
import { badgeFromDecision, levelFromDecision } from '../trust/badge.js';
import { withDkimEvidence } from '../trust/dkim-on-open.js';
import type { DkimEvidence } from '../trust/types.js';
import { decodeText } from '../store/mime-text.js';
import { addressView } from '../trust/idn.js';
import { ALTERED_FR, formatIns } from '../xdm/summary.js';
import type { AttachmentContent, CoreChannelHandlers } from './services.js';
import type { JournalPort } from '../audit/port.js';
import type { EventSink } from '../ipc/dispatch.js';
import { mayHoldResults, resultsFromAttachments, resultsPdfOf } from '../results/extract.js';
import { resultsPanel } from '../results/view.js';
import { printDocument, type PrintDocument } from '../print/print-document.js';

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
  'mail.folders' | 'mail.list' | 'mail.read' | 'mail.source' | 'mail.setFlags' | 'mail.move' | 'mail.delete' | 'mail.search' | 'xdm.view'
>;

/** Longest source shown in the window (the whole message stays in the store and in `--raw`). */
const SOURCE_MAX_CHARS = 2 * 1024 * 1024;

/** A raw message as text: UTF-8 when it mostly is, else windows-1252 (every byte readable). */
export function sourceText(raw: Uint8Array): { text: string; truncated: boolean } {
  // the store worker hands a Uint8Array (structured clone), not a Buffer
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const cut = bytes.length > SOURCE_MAX_CHARS ? bytes.subarray(0, SOURCE_MAX_CHARS) : bytes;
  const text = decodeText(cut, 'utf-8') ?? cut.toString('utf8');
  return { text, truncated: cut !== bytes };
}

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

/** Special-use folders have one French name everywhere (sidebar, list title, moves), whatever the server calls them. */
const FOLDER_NAMES_FR: Partial<Record<Folder['role'], string>> = {
  inbox: 'Boîte de réception',
  sent: 'Envoyés',
  drafts: 'Brouillons',
  trash: 'Corbeille',
  junk: 'Indésirables',
  archive: 'Archives',
};

function folderRole(f: Pick<StoreFolder, 'path' | 'specialUse'>): Folder['role'] {
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

/** Longest subject sent in list pages. */
const LIST_SUBJECT_MAX = 500;

function listSubject(raw: string | null): string {
  if (!raw) return '';
  // the technical XDM prefix is hidden in the list; the reading pane and the source keep it
  const subject = withoutXdmPrefix(raw);
  return subject.length > LIST_SUBJECT_MAX ? `${subject.slice(0, LIST_SUBJECT_MAX)}…` : subject;
}

function summaryOut(s: StoreSummary): MessageSummary {
  return {
    id: String(s.id),
    folderId: String(s.folderId),
    ...(s.threadId ? { threadId: s.threadId } : {}),
    threadSize: s.threadSize ?? 1,
    date: iso(s.date),
    from: address(s.from),
    ...(s.to?.length ? { to: s.to.slice(0, 20).map((a) => address(a)) } : {}),
    fromTrust: levelFromDecision(s.trust),
    // a list row shows one line: a 100 KB subject is cut here (mail.read gives the whole text)
    subject: listSubject(s.subject),
    hasAttachments: s.hasAttachments,
    seen: s.flags.seen,
    flagged: s.flags.flagged,
    answered: s.flags.answered,
    size: s.size,
  };
}

const INTEGRITY = new Set(['ok', 'mismatch', 'unverified', 'missing']);

function xdmOut(partId: string, s: XdmModuleSummary): NonNullable<MessageView['xdm']> {
  const t = s.patient.traits;
  return {
    partId,
    patient: {
      ...(t.birthName ? { birthName: t.birthName } : {}),
      ...(t.firstGivenName ? { firstGivenName: t.firstGivenName } : {}),
      ...(t.birthDate ? { birthDate: t.birthDate } : {}),
      ...(t.sex ? { sex: t.sex } : {}),
      ...(s.patient.ins ? { ins: s.patient.ins, insShown: formatIns(s.patient.ins) } : {}),
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
      ...(d.confidentiality.length ? { confidentiality: d.confidentiality } : {}),
    })),
    ...(s.documents.some((d) => d.integrity === 'mismatch' || d.integrity === 'missing') ? { alteredWarning: ALTERED_FR } : {}),
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
  printable(ref: { messageId: string; view: 'message' | 'results' }, printedAt: Date): Promise<PrintDocument>;
  recordPrinted(ref: { messageId: string; view: 'message' | 'results' }, target: 'pdf' | 'printer'): Promise<void>;
}

/** `journal`: every reading of a message or attachment is journalled before its content is handed over. */
/**
 * `dkim`: checks the DKIM signatures of a message when it is opened (trust/dkim.ts with a caching resolver).
 * `emit`: tells the window when list rows gained their results counts.
 */
export function createMailApp(
  port: () => MailStorePort,
  journal?: JournalPort,
  opts: { dkim?: (raw: Buffer) => Promise<DkimEvidence[]>; emit?: EventSink } = {},
): MailApp {
  const { dkim, emit } = opts;
  const store = () => port();

  // Abnormal/critical counts of the list rows, computed from the attachments the first time a row is
  // listed and kept for the session (keyed by the message's SHA-256, so a moved message keeps them).
  // With an event sink, a page is answered at once with what is known and the rest is computed in
  // the background, then `mail.changed` makes the list ask again: the first screen never waits.
  // Interim until the counts are stored with the message (a store migration numbered after 007).
  const resultCounts = new Map<string, { abnormal: number; critical: number } | null>();
  const RESULT_COUNTS_MAX = 20_000;
  async function countsOf(s: StoreSummary): Promise<{ abnormal: number; critical: number } | null> {
    if (!s.hasAttachments) return null;
    const cached = resultCounts.get(s.sha256);
    if (cached !== undefined) return cached;
    let counts: { abnormal: number; critical: number } | null = null;
    try {
      const d = await store().getMessage(s.id);
      const candidates = [];
      for (const a of d.attachments.filter(mayHoldResults)) candidates.push({ filename: a.filename, mimeType: a.mimeType, bytes: new Uint8Array(await store().getAttachmentContent(a.id)) });
      if (candidates.length) {
        const found = resultsFromAttachments(candidates);
        if (found.documents.length) {
          const summary = resultsPanel(found.documents).summary;
          counts = { abnormal: summary.abnormal, critical: summary.critical };
        }
      }
    } catch {
      counts = null; // the reading pane reports unreadable attachments
    }
    if (resultCounts.size >= RESULT_COUNTS_MAX) resultCounts.clear();
    resultCounts.set(s.sha256, counts);
    return counts;
  }
  const pending = new Set<string>();
  async function rowsOut(items: readonly StoreSummary[]): Promise<MessageSummary[]> {
    const out: MessageSummary[] = [];
    const missing: StoreSummary[] = [];
    for (const s of items) {
      let counts = s.hasAttachments ? resultCounts.get(s.sha256) : null;
      if (counts === undefined) {
        if (emit) {
          if (!pending.has(s.sha256)) missing.push(s);
          counts = null;
        } else counts = await countsOf(s);
      }
      out.push({ ...summaryOut(s), ...(counts ? { results: counts } : {}) });
    }
    if (missing.length && emit) {
      for (const s of missing) pending.add(s.sha256);
      void (async () => {
        const changed = new Set<string>();
        for (const s of missing) {
          if ((await countsOf(s)) !== null) changed.add(String(s.folderId));
          pending.delete(s.sha256);
        }
        if (changed.size) emit('mail.changed', { folderIds: [...changed] });
      })().catch(() => undefined);
    }
    return out;
  }

  const storedAttachment = async (messageId: string, partId: string) => {
    const detail = await store().getMessage(parseId(messageId, 'message'));
    const info = detail.attachments.find((a) => String(a.id) === partId);
    if (!info) throw new AppError('NOT_FOUND', 'no such attachment in this message');
    return { info, data: await store().getAttachmentContent(info.id), detail };
  };
  const attachment = async (messageId: string, partId: string) => {
    const embedded = /^([1-9][0-9]{0,15})\/pdf\/([0-9]{1,4})$/.exec(partId);
    if (!embedded) return storedAttachment(messageId, partId);
    // the laboratory's PDF inside a results attachment (CDA observationMedia): read from its container
    const { info, data, detail } = await storedAttachment(messageId, embedded[1]!);
    const pdf = resultsPdfOf(info.filename ?? undefined, data, Number(embedded[2]));
    return { info: { ...info, filename: pdf.filename, mimeType: 'application/pdf' }, data: Buffer.from(pdf.bytes), detail };
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
          out.push({ id: String(f.id), parentId: parentOf(f, byPath), name: FOLDER_NAMES_FR[role] ?? f.name, role, unread, total });
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
        const rows = await rowsOut(items);
        return { total, offset, items: rows.map((r, i) => { const b = badges[items[i]!.id]; return b ? { ...r, delivery: b } : r; }) };
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
        const raw = (await store().getRaw(d.id)).raw;
        const policy = mdnPolicy(raw);
        // DKIM needs DNS, so it is checked here, on open, not at sync; offline it says so (cached key otherwise)
        const trust = dkim && d.trust ? withDkimEvidence(d.trust, await dkim(raw), d.from?.address) : d.trust;
        // laboratory results (CDA biology, HPRIM): read from the attachments that may hold some
        const candidates = [];
        for (const a of d.attachments.filter(mayHoldResults)) candidates.push({ filename: a.filename, mimeType: a.mimeType, bytes: new Uint8Array(await store().getAttachmentContent(a.id)) });
        const found = resultsFromAttachments(candidates);
        // an unreadable archive is already reported by the XDM panel; only unreadable HPRIM files are reported here
        const hprimErrors = found.errors.filter((e) => e.error.code === 'HPRIM_INVALID');
        const results = found.documents.length || hprimErrors.length
          ? resultsPanel(found.documents, hprimErrors.map((e) => `${e.filename ?? 'Pièce jointe'} : ${messageFr(e.error.code)}`))
          : null;
        // the laboratory PDF of each report opens like an attachment: "<attachment id>/pdf/<n>"
        const resultAttachments = d.attachments.filter(mayHoldResults);
        found.documents.forEach((doc, i) => {
          const pdf = results?.documents[i]?.pdf;
          const index = doc.origin.attachmentIndex;
          if (!pdf || index === undefined) return;
          const n = found.documents.slice(0, i).filter((x) => x.origin.attachmentIndex === index).length;
          pdf.partId = `${resultAttachments[index]!.id}/pdf/${n}`;
        });
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
            ...(d.from ? { fromShown: addressView(d.from.address).shown } : {}),
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
          trust: badgeFromDecision(trust),
          xdm,
          results,
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

      'mail.source': async ({ id }) => {
        const row = parseId(id, 'message');
        const d = await store().getMessage(row);
        const { raw, sha256 } = await store().getRaw(row);
        // no access without its trace, like `mssante messages show --raw`
        await journal?.record([{ action: 'message.opened', data: { messageId: d.messageId, sha256, raw: true }, message: { row, sha256 } }]);
        return sourceText(raw);
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
        return { total: rows.length, offset, items: await rowsOut(rows.slice(offset, offset + limit)) };
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

    async printable({ messageId, view }, printedAt) {
      const d = await store().getMessage(parseId(messageId, 'message'));
      const candidates = [];
      for (const a of d.attachments.filter(mayHoldResults)) candidates.push({ filename: a.filename, mimeType: a.mimeType, bytes: new Uint8Array(await store().getAttachmentContent(a.id)) });
      const found = resultsFromAttachments(candidates);
      if (view === 'results' && !found.documents.length) throw new AppError('RESULTS_NOT_FOUND', 'no laboratory results in this message');
      return printDocument({
        subject: d.subject ?? '',
        from: d.from ? (d.from.name ? `${d.from.name} <${d.from.address}>` : d.from.address) : '',
        to: d.to.map((a) => a.address).join(', '),
        date: d.date === null ? null : new Date(d.date).toISOString(),
        text: d.text,
        results: found.documents.length ? resultsPanel(found.documents) : null,
      }, printedAt, view);
    },

    async recordPrinted({ messageId, view }, target) {
      const d = await store().getMessage(parseId(messageId, 'message'));
      await journal?.record([{ action: 'message.printed', data: { messageId: d.messageId, sha256: d.sha256, target, view, via: 'app' }, message: { row: d.id, sha256: d.sha256 } }]);
    },

    async attachmentContent({ messageId, partId }, purpose) {
      const { info, data, detail } = await attachment(messageId, partId);
      if (purpose) await journalAttachment(purpose, detail, info);
      return { filename: info.filename ?? 'piece-jointe', contentType: info.mimeType, data: Buffer.from(data) };
    },
  };
}
