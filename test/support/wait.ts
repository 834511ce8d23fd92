// Waiting in tests. First choice is always an event: `once(emitter, 'name')`, a line a child
// process prints, an IMAP EXISTS (test/support/mailbox.ts). `waitUntil` is for the states that
// announce nothing: a process that is not our child dying, a file a daemon writes, a state only a
// query can see (a CLI's store, an HTTP test endpoint). It re-checks on a short interval and fails
// after `timeoutMs` naming what it waited for; time never decides a test's result.
//
// This is the only place under test/ allowed to sleep (test/unit/lint/test-hygiene.test.ts).

export interface WaitOptions {
  /** give up after this long (default 30 s): a generous bound, not a measurement */
  timeoutMs?: number;
  /** re-check interval (default 50 ms) */
  everyMs?: number;
}

/**
 * Resolves with the first truthy value `check` returns; rejects after `timeoutMs` with
 * "timed out waiting for <what>" (plus `detail()` when given, to say what was seen instead).
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: WaitOptions & { detail?: () => string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${opts.detail ? ` (${opts.detail()})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 50));
  }
}

/** Rejects with "timed out waiting for <what>" if `promise` has not settled after `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
