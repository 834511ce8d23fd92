// The named registry of the worker threads the core starts. A worker is asked
// for by name (`spawnWorker('store')`), never by a path string at the call site:
// the registry is the one place that knows which module runs in which thread.
// Paths are relative to src-main/ (sources under tsx, dist/src-main once built).
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Same extension as this module: .ts under tsx, .js once compiled.
const MODULE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

const WORKERS = {
  /** the store thread: the store's one writing connection, its hooks (app/store-hooks.ts) and services (app/store-services.ts) */
  store: 'app/store-thread',
  /** MIME parsing of sync batches, ahead of the store thread */
  'store-parser': 'store/worker/parse-worker',
  /** CRL indexing (large CRLs parsed off the main loop) */
  'crl-index': 'tls/pki/crl-index-worker',
} as const;

export type WorkerName = keyof typeof WORKERS;

/** The file: URL of a registered worker's entry module. */
function workerEntry(name: WorkerName): URL {
  const module = WORKERS[name];
  if (!module) throw new Error(`no worker registered as ${String(name)}`);
  return new URL(`../${module}${MODULE_EXT}`, import.meta.url);
}

/**
 * Starts a registered worker. Under tsx (sources), `--import tsx` in a
 * worker's execArgv does not reach the worker's own entry module on Node 20:
 * register tsx inside the worker first, then import the entry. Compiled
 * builds load the .js directly.
 */
export function spawnWorker(name: WorkerName, options: Omit<WorkerOptions, 'eval' | 'execArgv'>): Worker {
  const entry = workerEntry(name);
  if (MODULE_EXT === '.js') return new Worker(entry, { ...options, execArgv: process.execArgv });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true, execArgv: process.execArgv });
}
