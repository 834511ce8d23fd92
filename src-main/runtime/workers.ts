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

/**
 * Heap limits per worker. The sync threads allocate fast and briefly (parsed MIME, SQL rows): with
 * V8's default young generation (up to 3 × 16 MB semi-spaces per isolate) each thread's heap grew
 * to ~45 MB during an initial sync, most of it garbage not yet scavenged. A 4 MB young generation
 * keeps the two threads ~50 MB smaller at the peak, which the product's 300 MB goal needs; the extra
 * scavenges cost little next to the noise of the bench (docs/STORE-SYNC.md).
 */
const LIMITS: Partial<Record<WorkerName, WorkerOptions['resourceLimits']>> = {
  store: { maxYoungGenerationSizeMb: 4 },
  'store-parser': { maxYoungGenerationSizeMb: 4 },
};

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
  const resourceLimits = { ...LIMITS[name], ...options.resourceLimits };
  if (MODULE_EXT === '.js') return new Worker(entry, { ...options, resourceLimits, execArgv: process.execArgv });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, resourceLimits, eval: true, execArgv: process.execArgv });
}
