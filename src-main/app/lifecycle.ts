// Ordered start and graceful stop of the application's long-lived services.
// The shell passes them in dependency order (store → card host → sync → window);
// they stop in reverse, so sync stops before the store it writes to closes. A
// failed start stops what already started, in reverse, and rethrows.
import { toAppError } from '../errors/index.js';
import type { Startable } from './services.js';

export interface Lifecycle {
  /** Names of the services started, in order. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  /** Per-service stop budget; a service that hangs is abandoned (logged), the others still stop. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function startInOrder(services: readonly Startable[], options: LifecycleOptions = {}): Promise<Lifecycle> {
  const running: Startable[] = [];
  const log = options.log ?? (() => {});
  for (const service of services) {
    try {
      await service.start();
      running.push(service);
      log(`started ${service.name}`);
    } catch (err) {
      log(`failed to start ${service.name}: ${toAppError(err).code}`);
      await stopInReverse(running, options);
      throw err;
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    started: running.map((s) => s.name),
    stop: () => (stopping ??= stopInReverse(running, options)),
  };
}

async function stopInReverse(running: readonly Startable[], options: LifecycleOptions): Promise<void> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.stopTimeoutMs ?? 10_000;
  for (const service of [...running].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([service.stop().then(() => 'stopped' as const), timeout]);
      log(outcome === 'timeout' ? `stop of ${service.name} timed out` : `stopped ${service.name}`);
    } catch (err) {
      log(`stop of ${service.name} failed: ${toAppError(err).code}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
