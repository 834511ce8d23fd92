// Row ↔ object mapping shared by the store modules (no SQL is run here).
import type { MailAddress } from './parse.js';
import type { Folder, MessageSummary } from './types.js';

export type Row = Record<string, unknown>;

export const json = (v: unknown): string => JSON.stringify(v);
export const parseJson = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);

/** A message row as the removal path needs it (journal: which message left, and why). */
export interface MessageKey {
  id: number;
  folder_id: number;
  uid: number | null;
  sha256: string;
}

export function folderFromRow(r: Row): Folder {
  return {
    id: r.id as number,
    accountId: r.account_id as number,
    path: r.path as string,
    name: r.name as string,
    delimiter: (r.delimiter as string | null) ?? null,
    specialUse: (r.special_use as string | null) ?? null,
    selectable: r.selectable === 1,
    uidvalidity: (r.uidvalidity as string | null) ?? null,
    uidnext: (r.uidnext as number | null) ?? null,
    highestmodseq: (r.highestmodseq as string | null) ?? null,
    syncState: r.sync_state as Folder['syncState'],
    initialLowUid: (r.initial_low_uid as number | null) ?? null,
    lastSyncAt: (r.last_sync_at as number | null) ?? null,
  };
}

export function summaryFromRow(r: Row): MessageSummary {
  return {
    id: r.id as number,
    folderId: r.folder_id as number,
    folderPath: r.folder_path as string,
    uid: (r.uid as number | null) ?? null,
    date: (r.date as number | null) ?? (r.internal_date as number | null) ?? null,
    from: parseJson<MailAddress | null>(r.from_json, null),
    to: parseJson<MailAddress[]>(r.to_json, []),
    subject: (r.subject as string | null) ?? null,
    flags: {
      seen: r.seen === 1,
      flagged: r.flagged === 1,
      answered: r.answered === 1,
      deleted: r.deleted === 1,
      draft: r.draft === 1,
      keywords: parseJson<string[]>(r.keywords_json, []),
    },
    hasAttachments: r.has_attachments === 1,
    threadId: (r.thread_id as string | null) ?? null,
    size: r.size as number,
    sha256: r.sha256 as string,
    trust: parseJson<unknown>(r.trust_json, null),
  };
}

/** Columns of `summaryFromRow`, over `messages m JOIN folders f`. */
export const SUMMARY_COLUMNS = `m.id, m.folder_id, f.path AS folder_path, m.uid, m.date, m.internal_date, m.from_json, m.to_json, m.subject,
  m.seen, m.flagged, m.answered, m.deleted, m.draft, m.keywords_json, m.has_attachments, m.thread_id, m.size, m.sha256, m.trust_json`;
