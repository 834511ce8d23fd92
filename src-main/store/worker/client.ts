import { Worker } from 'node:worker_threads';
import { AppError } from '../../errors/index.js';
import type { StoreKeyProvider } from '../key-provider.js';
import { WORKER_METHODS, type AsyncStoreApi, type WorkerInit, type WorkerMethod, type WorkerResponse } from './protocol.js';

// Same extension as this module: .ts under tsx, .js once compiled.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export interface StoreWorkerOptions {
  file: string;
  keyProvider: StoreKeyProvider;
  /** see WorkerInit.hooksModule */
  hooksModule?: string;
}

/**
 * Under tsx (sources), `--import tsx` in a worker's execArgv does not reach
 * the worker's own entry module on Node 20: register tsx inside the worker
 * first, then import the entry. Compiled builds load the .js directly.
 */
function spawnWorker(entry: URL, workerData: WorkerInit): Worker {
  if (EXT === '.js') return new Worker(entry, { workerData, execArgv: process.execArgv });
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, execArgv: process.execArgv });
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

  private constructor(private readonly worker: Worker) {
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
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new AppError(this.closed ? 'INTERNAL' : 'STORE_CORRUPT', `store worker exited (${code})`)));
    const api: Partial<Record<WorkerMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const m of WORKER_METHODS) api[m] = (...args: unknown[]) => this.call(m, args);
    this.api = api as AsyncStoreApi;
  }

  static async start(opts: StoreWorkerOptions): Promise<StoreWorkerClient> {
    const key = await opts.keyProvider.getKey();
    const init: WorkerInit = { file: opts.file, keyHex: key.toString('hex'), ...(opts.hooksModule ? { hooksModule: opts.hooksModule } : {}) };
    const worker = spawnWorker(new URL(`./worker-main${EXT}`, import.meta.url), init);
    const client = new StoreWorkerClient(worker);
    await new Promise<void>((resolve, reject) => {
      client.pending.set(0, { resolve: () => resolve(), reject });
    });
    return client;
  }

  private call(method: WorkerMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('INTERNAL', 'store worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    await exited;
  }
}
