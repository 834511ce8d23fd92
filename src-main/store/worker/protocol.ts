import type { ErrorCode } from '../../errors/index.js';
import type { Db } from '../database.js';
import type { MailStore } from '../mail-store.js';
import type { ParsedMessage } from '../parse.js';
import type { StoreHookName, StoreHookOptions, SyncBatch } from '../types.js';

/**
 * The store methods reachable through the worker (Signal-Desktop's SQL
 * worker is the model): a closed list, plain data in and out.
 */
export const WORKER_METHODS = [
  'ensureAccount',
  'getAccount',
  'upsertFolders',
  'renameFolder',
  'removeFolder',
  'listFolders',
  'getFolder',
  'findFolder',
  'countMessages',
  'localUids',
  'folderDigest',
  'applyBatch',
  'setCursor',
  'beginUidValidityReset',
  'finishInitialSync',
  'listMessages',
  'countList',
  'listPage',
  'folderCounts',
  'getMessage',
  'readReceipts',
  'delivery',
  'deliveryBadges',
  'unconfirmedSent',
  'xdmAttachments',
  'getRaw',
  'getAttachmentContent',
  'search',
  'recomputeTrust',
  'changeFlags',
  'queueMove',
  'queueDelete',
  'pendingOps',
  'completeOp',
  'failOp',
  'dropOp',
] as const satisfies readonly (keyof MailStore)[];

export type WorkerMethod = (typeof WORKER_METHODS)[number];

/** The async view of the store that the worker client offers. */
export type AsyncStoreApi = {
  [K in WorkerMethod]: MailStore[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface WorkerInit {
  file: string;
  /** raw key, hex (structured-cloned once at start) */
  keyHex: string;
  /**
   * Store hooks by name, built inside the store thread (functions cannot cross threads) by the
   * registry of app/store-hooks.ts. A name the registry does not know fails the start.
   */
  hooks?: readonly StoreHookName[];
  hookOptions?: StoreHookOptions;
  /**
   * Services by name that write through this thread's connection too (the outbox and the
   * access journal: app/store-services.ts), so that the store has one writer. Same rule as hooks.
   */
  services?: readonly string[];
}

export interface WorkerRequest {
  id: number;
  method: WorkerMethod;
  args: unknown[];
}

/** A call to a method of a named service of the store thread (plain data in and out). */
export interface ServiceRequest {
  id: number;
  service: string;
  method: string;
  args: unknown[];
}

/** A service: methods over the store's one connection, run in the store thread, one request at a time. */
export type StoreService = Record<string, (...args: never[]) => unknown>;

/** Builds the named services over the thread's connection; throws for a name it does not know. */
export type ComposeStoreServices = (names: readonly string[], db: Db, options: StoreHookOptions | undefined) => Record<string, StoreService>;

/** What the thread answers once it runs: the hooks and services it built. */
export interface WorkerReady {
  hooks: readonly StoreHookName[];
  services: readonly string[];
}

export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; data: Record<string, unknown> } };

/** client → parser thread: a batch to parse (then forwarded to the store thread) */
export interface ParseJob {
  id: number;
  batch: SyncBatch;
}

/** parser thread → store thread: the batch with its parsed messages, in the same order */
export interface ParsedJob {
  id: number;
  batch: SyncBatch;
  parsed: ParsedMessage[];
  error: string | null;
}
