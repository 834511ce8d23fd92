import { MessageChannel, type Worker } from 'node:worker_threads';
import type { StoreHookName, StoreHookOptions, SyncBatch } from '../types.js';
import { spawnWorker } from '../../runtime/workers.js';
import { AppError } from '../../errors/index.js';
import type { StoreKeyProvider } from '../key-provider.js';
import { WORKER_METHODS, type AsyncStoreApi, type ServiceRequest, type WorkerInit, type WorkerMethod, type WorkerReady, type WorkerResponse } from './protocol.js';

/**
 * The ArrayBuffers that a batch's raw sources own whole (what IMAP fetches give): they are moved
 * to the parser thread, not copied (a 10,000-message sync would copy its 200 MB once more, and
 * hold the copies until a GC). applyBatch therefore takes the sources: the caller must not read
 * `raw` after the call (the sync engine never does). A source that is a view into a larger
 * buffer is copied as before.
 */
export function ownedSources(batch: SyncBatch): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const m of batch.newMessages ?? []) {
    const b = m.raw.buffer;
    if (b instanceof ArrayBuffer && m.raw.byteOffset === 0 && m.raw.byteLength === b.byteLength && b.byteLength > 0) out.add(b);
  }
  return [...out];
}

export interface StoreWorkerOptions {
  file: string;
  keyProvider: StoreKeyProvider;
  /** store hooks by name (see WorkerInit.hooks); none: a bare store */
  hooks?: readonly StoreHookName[];
  hookOptions?: StoreHookOptions;
  /** services by name that write through the store thread's connection (see WorkerInit.services) */
  services?: readonly string[];
}

/**
 * The store behind a worker thread, with the same methods as MailStore but
 * async. Implements the sync engine's SyncStorePort, so the Electron main
 * process can run the sync write path and search without blocking its loop.
 */
export class StoreWorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private closed = false;
  readonly api: AsyncStoreApi;
  /** the store hooks the thread built and runs (its answer at start) */
  activeHooks: readonly StoreHookName[] = [];
  /** the services the thread built over its connection (its answer at start) */
  activeServices: readonly string[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly parser: Worker,
  ) {
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.value);
      else p.reject(new AppError(res.error.code, res.error.message, { data: res.error.data }));
    });
    const failAll = (err: unknown): void => {
      for (const p of this.pending.values()) p.reject(err instanceof AppError ? err : new AppError('INTERNAL', `store worker stopped: ${String(err)}`));
      this.pending.clear();
    };
    for (const w of [worker, parser]) {
      w.on('error', failAll);
      w.on('exit', (code) => failAll(new AppError(this.closed ? 'INTERNAL' : 'STORE_CORRUPT', `store worker exited (${code})`)));
    }
    const api: Partial<Record<WorkerMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const m of WORKER_METHODS) api[m] = (...args: unknown[]) => this.call(m, args);
    // sync batches take the pipeline: parser thread, then store thread (which answers)
    api.applyBatch = (batch: unknown) => this.call('applyBatch', [batch], parser);
    this.api = api as AsyncStoreApi;
  }

  static async start(opts: StoreWorkerOptions): Promise<StoreWorkerClient> {
    const key = await opts.keyProvider.getKey();
    const init: WorkerInit = {
      file: opts.file,
      keyHex: key.toString('hex'),
      ...(opts.hookOptions ? { hookOptions: opts.hookOptions } : {}),
      ...(opts.hooks?.length ? { hooks: [...opts.hooks] } : {}),
      ...(opts.services?.length ? { services: [...opts.services] } : {}),
    };
    key.fill(0); // the hex string handed to the worker cannot be wiped (docs/STORE-KEY.md)
    const worker = spawnWorker('store', { workerData: init });
    const parser = spawnWorker('store-parser', {});
    const channel = new MessageChannel();
    parser.postMessage({ port: channel.port1 }, [channel.port1]);
    worker.postMessage({ port: channel.port2 }, [channel.port2]);
    const client = new StoreWorkerClient(worker, parser);
    try {
      await new Promise<void>((resolve, reject) => {
        client.pending.set(0, {
          resolve: (ready) => {
            client.activeHooks = (ready as Partial<WorkerReady> | undefined)?.hooks ?? [];
            client.activeServices = (ready as Partial<WorkerReady> | undefined)?.services ?? [];
            resolve();
          },
          reject,
        });
      });
    } catch (err) {
      client.closed = true;
      await Promise.all([worker.terminate(), parser.terminate()]);
      throw err;
    }
    return client;
  }

  private call(method: WorkerMethod, args: unknown[], via: Worker = this.worker): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('INTERNAL', 'store worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (via === this.parser) {
        const batch = args[0] as SyncBatch;
        via.postMessage({ id, batch }, ownedSources(batch));
      } else via.postMessage({ id, method, args });
    });
  }

  /** Calls a method of a named service of the store thread (answered in order with every other store request). */
  callService(service: string, method: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('INTERNAL', 'store worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, service, method, args } satisfies ServiceRequest);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = [this.worker, this.parser].map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    this.parser.postMessage('close');
    this.worker.postMessage('close');
    await Promise.all(exited);
  }
}
