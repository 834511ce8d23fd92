// The store thread's services: the writes that are not the sync path but go through the
// store's ONE connection too — the outbox and the access journal — so that nothing on the
// main thread (Electron's, in the app) ever waits on SQLite's write lock. Built in the store
// thread by name (store-thread.ts), like the store hooks; called from main by messages
// (remoteOutbox, remoteJournal), answered in order with every other store request.
import { Journal } from '../audit/journal.js';
import { journalService, type JournalService } from '../audit/port.js';
import { AppError } from '../errors/index.js';
import { Outbox, type OutboxApi } from '../send/outbox-store.js';
import type { ComposedMessage } from '../send/compose.js';
import type { Db } from '../store/database.js';
import type { StoreHookOptions } from '../store/types.js';
import type { StoreService } from '../store/worker/protocol.js';
import type { StoreWorkerClient } from '../store/worker/client.js';

export type StoreServiceName = 'outbox' | 'journal';

/** The services every store thread of the product runs (shell, harness). */
export const PRODUCT_STORE_SERVICES: readonly StoreServiceName[] = ['outbox', 'journal'];

/** Every method of the outbox, as reachable in the store thread. */
const OUTBOX_METHODS = [
  'add',
  'get',
  'raw',
  'list',
  'pending',
  'markSending',
  'markSent',
  'recordSent',
  'markRetry',
  'markFailed',
  'markUncertain',
  'markSentCopy',
  'noteSentCopyError',
  'requeue',
  'cancel',
  'setDraftUid',
  'pruneFinished',
  'serverMaxBytes',
  'rememberServerMaxBytes',
] as const satisfies readonly (keyof Outbox)[];

// a Buffer crosses threads as a plain Uint8Array (structured clone): give it its Buffer view back
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function outboxService(outbox: Outbox): StoreService {
  const service: Record<string, (...args: never[]) => unknown> = {};
  for (const name of OUTBOX_METHODS) service[name] = (...args: never[]) => (outbox[name] as (...a: never[]) => unknown).apply(outbox, args);
  service.add = (address: string, m: ComposedMessage, opts?: Parameters<Outbox['add']>[2]) => outbox.add(address, { ...m, raw: asBuffer(m.raw) }, opts);
  return service;
}

const REGISTRY: Record<StoreServiceName, (db: Db, options: StoreHookOptions) => StoreService> = {
  outbox: (db) => outboxService(new Outbox(db)),
  journal: (db, o) => journalService(new Journal(db), o.home),
};

/** Builds the named services over the store thread's connection; an unknown name throws (the store must not open). */
export function composeStoreServices(names: readonly string[], db: Db, options: StoreHookOptions | undefined): Record<string, StoreService> {
  const services: Record<string, StoreService> = {};
  for (const name of names) {
    const factory = Object.hasOwn(REGISTRY, name) ? REGISTRY[name as StoreServiceName] : undefined;
    if (!factory) throw new AppError('INTERNAL', `store service "${name}" is not registered`);
    if (!options) throw new AppError('INTERNAL', `store service "${name}" needs the data folder`);
    services[name] = factory(db, options);
  }
  return services;
}

/** The outbox of the store thread, from main: every method answers a promise. */
export function remoteOutbox(client: StoreWorkerClient): OutboxApi {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of OUTBOX_METHODS) api[name] = (...args: unknown[]) => client.callService('outbox', name, args);
  api.raw = async (id: unknown) => asBuffer((await client.callService('outbox', 'raw', [id])) as Uint8Array);
  return api as unknown as OutboxApi;
}

/** The journal of the store thread, from main. */
export function remoteJournal(client: StoreWorkerClient): JournalService {
  return {
    record: async (records) => void (await client.callService('journal', 'record', [records])),
    head: async () => (await client.callService('journal', 'head', [])) as Awaited<ReturnType<JournalService['head']>>,
    recordPending: async (lines) => void (await client.callService('journal', 'recordPending', [lines])),
  };
}
