import type { MailAddress, ParsedAttachment, ParsedMessage } from './parse.js';

export interface Account {
  id: number;
  address: string;
  displayName: string | null;
  imapHost: string | null;
  imapPort: number | null;
  settings: Record<string, unknown>;
}

export interface FolderInfo {
  path: string;
  name: string;
  delimiter: string | null;
  specialUse: string | null;
  selectable: boolean;
}

export type FolderSyncState = 'new' | 'initial' | 'ready';

export interface Folder extends FolderInfo {
  id: number;
  accountId: number;
  uidvalidity: string | null;
  uidnext: number | null;
  highestmodseq: string | null;
  syncState: FolderSyncState;
  initialLowUid: number | null;
  lastSyncAt: number | null;
}

/** The folder cursor, always committed in the same transaction as the data it describes. */
export interface FolderCursorUpdate {
  uidvalidity?: string;
  uidnext?: number;
  highestmodseq?: string | null;
  syncState?: FolderSyncState;
  initialLowUid?: number | null;
  lastSyncAt?: number;
}

export interface IncomingMessage {
  uid: number;
  flags: readonly string[];
  modseq?: string | null;
  internalDate?: number | null;
  raw: Buffer;
}

export interface FlagUpdate {
  uid: number;
  flags: readonly string[];
  modseq?: string | null;
}

export interface SyncBatch {
  folderId: number;
  newMessages?: IncomingMessage[];
  flagUpdates?: FlagUpdate[];
  vanishedUids?: number[];
  cursor?: FolderCursorUpdate;
}

export interface BatchResult {
  inserted: number;
  /** already present (same folder+uid, or rebound after a UIDVALIDITY change): flags refreshed */
  updated: number;
  vanished: number;
}

export interface Flags {
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  deleted: boolean;
  draft: boolean;
  keywords: string[];
}

export interface MessageSummary {
  id: number;
  folderId: number;
  folderPath: string;
  uid: number | null;
  date: number | null;
  from: MailAddress | null;
  /** recipients (To): what the Sent and Drafts lists show instead of the sender */
  to: MailAddress[];
  subject: string | null;
  flags: Flags;
  hasAttachments: boolean;
  threadId: string | null;
  size: number;
  sha256: string;
  trust: unknown;
  /** messages of the thread in this folder, when listed one row per thread (the row is its newest message) */
  threadSize?: number;
}

/** A page of a folder's message list (the window's virtualised list). */
export interface ListOptions {
  folderId?: number;
  folderPath?: string;
  limit?: number;
  offset?: number;
  /** by date (Date header, else INTERNALDATE); default 'desc', newest first */
  order?: 'asc' | 'desc';
  /** one row per thread (its newest message, with `threadSize`), threads ordered by their newest message */
  threads?: boolean;
}

export interface MessagePage {
  /** rows (or threads when grouped) in the whole list, not only this page */
  total: number;
  items: MessageSummary[];
}

/** Outcome of MailStore.recomputeTrust. */
export interface TrustRecomputeResult {
  /** messages looked at */
  checked: number;
  /** decisions computed again (stale, or all) */
  recomputed: number;
  /** of those, decisions that differ from the stored one */
  changed: number;
}

/** Visible (not pending removal) messages of a folder, and how many of them are unread. */
export interface FolderCounts {
  folderId: number;
  total: number;
  unread: number;
}

/** A stored attachment: what the parser found, with its row id and position among the parts. */
export interface AttachmentInfo extends ParsedAttachment {
  id: number;
  index: number;
}

export interface MessageDetail extends MessageSummary {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  sender: MailAddress | null;
  receivedAt: number;
  text: string | null;
  html: string | null;
  attachments: AttachmentInfo[];
}

export type FlagName = 'seen' | 'flagged' | 'answered' | 'deleted';
export type FlagChange = Partial<Record<FlagName, boolean>>;

export type PendingOp =
  | { id: number; messageId: number; folderId: number; uid: number | null; kind: 'flags'; payload: FlagChange; attempts: number }
  | { id: number; messageId: number; folderId: number; uid: number | null; kind: 'move'; payload: { target: string }; attempts: number }
  | { id: number; messageId: number; folderId: number; uid: number | null; kind: 'delete'; payload: Record<string, never>; attempts: number };

/** What the per-message write hook receives, inside the write transaction. */
export interface StoredMessageEvent {
  messageRowId: number;
  folderId: number;
  uid: number;
  sha256: string;
  messageId: string | null;
  /** 'inserted' for a new message, 'rebound' when matched to its new UID after a UIDVALIDITY change */
  kind: 'inserted' | 'rebound';
}

export interface RemovedMessageEvent {
  messageRowId: number;
  folderId: number;
  uid: number | null;
  sha256: string;
  reason: 'vanished' | 'uidvalidity-orphan' | 'moved' | 'deleted' | 'folder-deleted';
}

/** A sender-trust decision provider (issue 7): returns a JSON-serialisable decision, or null. */
export type TrustProvider = (message: ParsedMessage, context: { folderPath: string; raw: Buffer }) => unknown;

/** Recognises a read receipt in a received message (xdm/receipt-hook.ts); never throws for a malformed one. */
export type ReceiptParser = (message: Pick<ParsedMessage, 'headers'>, raw: Uint8Array) => import('./receipts.js').ReadReceipt | null;

/**
 * The store hooks the composition root can ask for by name (app/store-hooks.ts is the registry):
 * sender trust decision, access journal, read receipts.
 */
export const STORE_HOOK_NAMES = ['trust', 'journal', 'receipts'] as const;
export type StoreHookName = (typeof STORE_HOOK_NAMES)[number];

/** What the hooks of the registry are built from (structured-cloneable: it crosses into the store thread). */
export interface StoreHookOptions {
  /** data folder: journal head anchor */
  home: string;
  /** annuaire + liste blanche of the trust hook */
  trustDir: string;
}

/** A local user action on a message (the op is queued for the server in the same transaction). */
export interface LocalChangeEvent {
  messageRowId: number;
  folderId: number;
  uid: number | null;
  sha256: string;
  kind: 'flags' | 'move' | 'delete';
  /** flags: the FlagChange; move: { target } */
  payload: Record<string, unknown>;
}

/**
 * Extension points of the write path. `trust` runs before the transaction
 * (it may be slow-ish, never does SQL); `onMessagesStored`/`onMessagesRemoved`
 * run INSIDE the write transaction, so a journal (issue 10) appended there
 * commits or rolls back with the data.
 */
export interface StoreHooks {
  trust?: TrustProvider;
  /** the read receipt (MDN) a received message carries, or null; recorded with the message (receipts.ts) */
  receipt?: ReceiptParser;
  /** the delivery status notification (RFC 3464) a received message carries, or null (delivery.ts) */
  deliveryReport?: (message: Pick<ParsedMessage, 'headers'>, raw: Uint8Array) => import('./delivery-report.js').ParsedDsn | null;
  /** whether a stored decision (parsed trust_json; null when none) was made with another annuaire or liste blanche */
  trustStale?: (stored: unknown) => boolean;
  onMessagesStored?: (db: import('./database.js').Db, events: readonly StoredMessageEvent[]) => void;
  onMessagesRemoved?: (db: import('./database.js').Db, events: readonly RemovedMessageEvent[]) => void;
  /** flag change, move or delete asked by the user, inside its transaction (journal: flagged/moved/deleted) */
  onLocalChange?: (db: import('./database.js').Db, event: LocalChangeEvent) => void;
  /** delivery states learnt from reports stored in this batch, inside its transaction (journal) */
  onDeliveryChanges?: (db: import('./database.js').Db, changes: readonly import('./delivery.js').DeliveryChange[]) => void;
}
