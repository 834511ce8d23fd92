import { Worker, type WorkerOptions } from 'node:worker_threads';

// Same extension as this module: .ts under tsx, .js once compiled.
export const MODULE_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * Starts a worker on a module next to this one. Under tsx (sources),
 * `--import tsx` in a worker's execArgv does not reach the worker's own entry
 * module on Node 20: register tsx inside the worker first, then import the
 * entry. Compiled builds load the .js directly.
 */
export function spawnWorker(name: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'>): Worker {
  const entry = new URL(`./${name}${MODULE_EXT}`, import.meta.url);
  if (MODULE_EXT === '.js') return new Worker(entry, { ...options, execArgv: process.execArgv });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true, execArgv: process.execArgv });
}
