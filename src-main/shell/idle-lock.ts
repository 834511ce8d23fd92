// Locks the session after the idle time the user chose (settings.idleLockMinutes),
// measured by the OS (keyboard and mouse anywhere), so the lock holds even if
// the renderer's own idle timer fails.
export interface IdleLockDeps {
  /** Seconds since the last user input (powerMonitor.getSystemIdleTime). */
  idleSeconds(): number;
  limitMinutes(): number;
  isLocked(): boolean;
  lock(): void;
}

export function watchIdle(deps: IdleLockDeps, checkEveryMs = 15_000): () => void {
  const timer = setInterval(() => {
    if (!deps.isLocked() && deps.idleSeconds() >= deps.limitMinutes() * 60) deps.lock();
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
