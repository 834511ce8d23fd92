// Worker thread owning THE connection that writes the store: heavy SQL (the sync
// write path with parsing and FTS, search) runs here, off the main event loop,
// and so do the writes of the services built over the same connection (outbox,
// access journal), one request at a time: the store has one writer.
// Not an entry point itself: the thread's entry (app/store-thread.ts, named
// `store` in runtime/workers.ts) calls runStoreThread with the hook and service registries.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { AppError, toAppError } from '../../errors/index.js';
import { MailStore } from '../mail-store.js';
import { staticKeyProvider } from '../key-provider.js';
import type { StoreHookName, StoreHookOptions, StoreHooks } from '../types.js';
import { WORKER_METHODS, type ComposeStoreServices, type ParsedJob, type ServiceRequest, type StoreService, type WorkerInit, type WorkerReady, type WorkerRequest, type WorkerResponse } from './protocol.js';

const allowed = new Set<string>(WORKER_METHODS);

/** Builds the named hooks; throws for a name it does not know (the store then never opens). */
export type ComposeStoreHooks = (names: readonly StoreHookName[], options: StoreHookOptions | undefined) => StoreHooks | Promise<StoreHooks>;

/** Runs the store thread: hooks first (a missing one is a startup failure), then the connection and its services, then requests. */
export function runStoreThread(compose: ComposeStoreHooks, composeServices?: ComposeStoreServices): void {
  start(workerData as WorkerInit, compose, composeServices).catch((err: unknown) => {
    const e = toAppError(err);
    parentPort!.postMessage({ id: 0, ok: false, error: { code: e.code, message: e.message, data: { ...e.data } } } satisfies WorkerResponse);
  });
}

async function start(init: WorkerInit, compose: ComposeStoreHooks, composeServices: ComposeStoreServices | undefined): Promise<void> {
  const names = init.hooks ?? [];
  const hooks: StoreHooks = names.length ? await compose(names, init.hookOptions) : {};
  const serviceNames = init.services ?? [];
  if (serviceNames.length && !composeServices) throw new AppError('INTERNAL', `store services ${serviceNames.join(', ')} asked of a thread that has none`);
  const store = await MailStore.open({ file: init.file, keyProvider: staticKeyProvider(init.keyHex), hooks });
  let services: Record<string, StoreService>;
  try {
    services = serviceNames.length ? composeServices!(serviceNames, store.db, init.hookOptions) : {};
  } catch (err) {
    store.close();
    throw err;
  }
  // Requests are handled one at a time, in arrival order: the store is a single connection.
  let queue: Promise<void> = Promise.resolve();
  const reply = (id: number, run: () => unknown): void => {
    queue = queue.then(async () => {
      let res: WorkerResponse;
      try {
        res = { id, ok: true, value: await run() };
      } catch (err) {
        const e = toAppError(err);
        res = { id, ok: false, error: { code: e.code, message: e.message, data: { ...e.data } } };
      }
      parentPort!.postMessage(res);
    });
  };
  let parserPort: MessagePort | null = null;
  parentPort!.on('message', (req: WorkerRequest | ServiceRequest | { port: MessagePort } | 'close') => {
    if (req === 'close') {
      queue = queue.then(() => {
        store.close();
        parserPort?.close();
        parentPort!.close();
      });
      return;
    }
    if ('port' in req) {
      // parsed sync batches arrive here from the parser thread
      parserPort = req.port;
      parserPort.on('message', (job: ParsedJob) =>
        reply(job.id, () => {
          if (job.error !== null) throw new AppError('INTERNAL', `parser thread failed: ${job.error}`);
          return store.applyParsedBatch(job.batch, job.parsed);
        }),
      );
      return;
    }
    if ('service' in req) {
      reply(req.id, () => {
        const service = Object.hasOwn(services, req.service) ? services[req.service]! : undefined;
        const fn = service && Object.hasOwn(service, req.method) ? service[req.method] : undefined;
        if (!fn) throw new AppError('INTERNAL', `unknown store service method ${req.service}.${req.method}`);
        return (fn as (...a: unknown[]) => unknown)(...req.args);
      });
      return;
    }
    reply(req.id, () => {
      if (!allowed.has(req.method)) throw new Error(`unknown store method ${req.method}`);
      const fn = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[req.method]!;
      return fn.apply(store, req.args);
    });
  });
  parentPort!.postMessage({ id: 0, ok: true, value: { hooks: names, services: Object.keys(services) } satisfies WorkerReady } satisfies WorkerResponse);
}
