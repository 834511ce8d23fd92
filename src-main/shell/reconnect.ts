// When to reconnect: after the computer wakes up or the screen is unlocked, and
// when the network comes back. Electron's main process has no "online" event,
// so connectivity is sampled (net.isOnline); triggers are coalesced so a burst
// of signals causes one reconnect.
export interface ReconnectSignals {
  /** Subscribe to OS power events; returns the unsubscribe function. */
  onPower(event: 'resume' | 'unlock-screen', listener: () => void): () => void;
  isOnline(): boolean;
}

export interface ReconnectOptions {
  /** How often connectivity is sampled. */
  pollMs?: number;
  /** Signals within this window cause a single reconnect. */
  debounceMs?: number;
  onOnlineChange?: (online: boolean) => void;
}

export function watchReconnect(signals: ReconnectSignals, reconnect: (why: string) => void, options: ReconnectOptions = {}): () => void {
  const pollMs = options.pollMs ?? 5_000;
  const debounceMs = options.debounceMs ?? 1_500;
  let timer: NodeJS.Timeout | undefined;
  let reasons: string[] = [];
  const trigger = (why: string) => {
    reasons.push(why);
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      const why = [...new Set(reasons)].join('+');
      reasons = [];
      if (online) reconnect(why);
    }, debounceMs);
  };

  let online = signals.isOnline();
  const poll = setInterval(() => {
    const now = signals.isOnline();
    if (now === online) return;
    online = now;
    options.onOnlineChange?.(now);
    if (now) trigger('network');
  }, pollMs);
  poll.unref();

  const offs = [signals.onPower('resume', () => trigger('resume')), signals.onPower('unlock-screen', () => trigger('unlock-screen'))];
  return () => {
    clearInterval(poll);
    if (timer) clearTimeout(timer);
    for (const off of offs) off();
  };
}
