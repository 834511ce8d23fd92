// Pure decisions of the outbox: what a failure means, and when to try again.

export type FailureKind = 'transient' | 'permanent' | 'unknown-outcome';

/** The fields nodemailer puts on its errors (and AppErrors carry none of them). */
export interface SubmitFailure {
  code?: string;
  responseCode?: number;
}

/**
 * - before the transaction (connection, TLS, card, AUTH — even a 535): the session failed, not
 *   the message; nothing can have left: transient (the error is shown, the message waits);
 * - a 5xx reply in the transaction, or a message nodemailer refuses to submit (over the
 *   server's SIZE, bad envelope): permanent, the same bytes would be refused again;
 * - a 4xx reply: the server said "not now", definitely not accepted: transient;
 * - no reply at all once the transaction started: the outcome is unknown, the server may have
 *   accepted the message just before the connection died.
 */
export function classifySendFailure(err: SubmitFailure, transactionStarted: boolean): FailureKind {
  if (!transactionStarted) return 'transient';
  const status = err.responseCode;
  if (typeof status === 'number' && status >= 500) return 'permanent';
  if (typeof status === 'number' && status >= 400) return 'transient';
  if (err.code === 'EMESSAGE' || err.code === 'EENVELOPE') return 'permanent';
  return 'unknown-outcome';
}

const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 60 * 60_000;

/** Exponential backoff: 30 s, 1 min, 2 min, … capped at 1 h (attempts counts the failures so far). */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

/** How long a 'sending' mark of a live process on this machine is trusted before it is examined. */
const SENDING_LEASE_MS = 15 * 60_000;

/** Pure: may the runner examine an entry another (or a dead) process left in 'sending'? */
export function sendingIsStale(entry: { sendingOwner: string | null; sendingAt: number | null }, now: number, isOwnerAlive: (owner: string) => boolean): boolean {
  if (!entry.sendingOwner || entry.sendingAt === null) return true;
  if (now - entry.sendingAt > SENDING_LEASE_MS) return true;
  return !isOwnerAlive(entry.sendingOwner);
}
