// The outbox queue: submits queued messages through a MailChannel, records every outcome, and
// makes the Sent copy. All decisions are in outbox-policy.ts; all I/O is behind MailChannel.
//
// Never sent twice: `markSending` is committed after the SMTP session is authenticated and
// BEFORE `MAIL FROM` (MailChannel.submit calls `beforeTransaction` at that point and waits for
// it: in the app the commit is the store thread's answer). An entry found
// in 'sending' later (crash, kill, power loss, connection lost mid-transaction) may have been
// accepted: it is never submitted again automatically. The runner looks for its Message-ID in
// the Sent folder (our own APPEND, or a copy the server saved) → 'sent'; otherwise the entry
// becomes 'uncertain' and only the user can send it again (`outbox retry ID --force`).
import { hostname } from 'node:os';
import { asSmtpError } from '../smtp/index.js';
import { toAppError } from '../errors/index.js';
import { envelopeIdOf } from '../rules/messaging.js';
import { classifySendFailure, retryDelayMs, sendingIsStale, type SubmitFailure } from './outbox-policy.js';
import type { DeliveryChange } from '../store/delivery.js';
import type { OutboxApi, OutboxEntry } from './outbox-store.js';

export interface SubmitResult {
  /** the server's final reply, e.g. "250 2.0.0 Ok: queued as …" */
  response: string;
  accepted: string[];
  rejected: string[];
  /** whether delivery status notifications were requested (the server offered DSN) */
  dsnRequested?: boolean;
}

/** The network side of the outbox (mail-channel.ts implements it over SMTP + IMAP). */
export interface MailChannel {
  /**
   * Submits one message. `beforeTransaction` runs after authentication and MAIL FROM waits
   * until it resolves; if it throws or rejects, nothing is submitted and submit rejects with that error.
   */
  submit(envelope: { from: string; to: string[] }, raw: Buffer, beforeTransaction: () => Promise<void>, opts?: { envelopeId?: string }): Promise<SubmitResult>;
  /** the SIZE the server announced on the last connection (null: none; undefined: not connected) */
  serverMaxBytes(): number | null | undefined;
  sentCopyExists(messageId: string): Promise<boolean>;
  appendSent(raw: Buffer): Promise<void>;
}

export interface RunnerHooks {
  /** after the server accepted a message, before it is recorded (tests: simulate a crash here) */
  afterAccepted?(entry: OutboxEntry): void;
  /** after a message is recorded 'sent', with the delivery states started (journal; mark the answered message \Answered) */
  onSent?(entry: OutboxEntry, deliveryChanges: DeliveryChange[]): void;
  now?(): number;
}

function ownerAlive(owner: string): boolean {
  const sep = owner.lastIndexOf(':');
  if (owner.slice(0, sep) !== hostname()) return true; // another machine sharing the store: trust its lease
  const pid = Number(owner.slice(sep + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const detailOf = (err: unknown): string => {
  const e = err as { response?: string; message?: string };
  return e.response ?? e.message ?? String(err);
};

/** One entry, whatever its state: submit a queued one, examine a stale 'sending' one, make a missing Sent copy. */
export async function processEntry(outbox: OutboxApi, channel: MailChannel, id: number, hooks: RunnerHooks = {}): Promise<OutboxEntry> {
  const now = hooks.now ?? Date.now;
  let entry = await outbox.get(id);
  if (entry.state === 'sending') {
    if (!sendingIsStale(entry, now(), ownerAlive)) return entry;
    let found: boolean;
    try {
      found = await channel.sentCopyExists(entry.messageId);
    } catch {
      return entry; // Sent folder unreachable: examined again on the next run, still never resubmitted
    }
    return found
      ? outbox.markSentCopy((await outbox.markSent(id, 'found in the Sent folder after an interrupted submission')).id, 'found')
      : outbox.markUncertain(id, 'interrupted after the submission started: the server may have accepted it');
  }
  if (entry.state === 'queued') entry = await submit(outbox, channel, entry, hooks, now);
  if (entry.state === 'sent' && entry.sentCopy === null) entry = await makeSentCopy(outbox, channel, entry);
  return entry;
}

async function submit(outbox: OutboxApi, channel: MailChannel, entry: OutboxEntry, hooks: RunnerHooks, now: () => number): Promise<OutboxEntry> {
  let marked = false;
  let result: SubmitResult;
  try {
    result = await channel.submit(
      entry.envelope,
      await outbox.raw(entry.id),
      async () => {
        await outbox.markSending(entry.id);
        marked = true;
      },
      { envelopeId: envelopeIdOf(entry.messageId) },
    );
  } catch (err) {
    // another process took it between our read and our mark: its business now
    if (!marked && (await outbox.get(entry.id)).state !== 'queued') return outbox.get(entry.id);
    await rememberSize(outbox, channel, entry);
    const kind = classifySendFailure(err as SubmitFailure, marked);
    const appError = asSmtpError(err);
    const detail = detailOf(err);
    if (kind === 'permanent') return outbox.markFailed(entry.id, appError.code, detail);
    if (kind === 'unknown-outcome') return outbox.markUncertain(entry.id, detail);
    const attempts = entry.attempts + 1;
    return outbox.markRetry(entry.id, appError.code, detail, now() + retryDelayMs(attempts), !marked);
  }
  await rememberSize(outbox, channel, entry);
  if (hooks.afterAccepted) hooks.afterAccepted(await outbox.get(entry.id));
  const { entry: sent, deliveryChanges } = await outbox.recordSent(entry.id, result.response, result.rejected);
  try {
    hooks.onSent?.(sent, deliveryChanges);
  } catch {
    // bookkeeping around a sent message never turns it into a failure
  }
  return sent;
}

async function rememberSize(outbox: OutboxApi, channel: MailChannel, entry: OutboxEntry): Promise<void> {
  const size = channel.serverMaxBytes();
  if (size !== undefined) await outbox.rememberServerMaxBytes(entry.accountAddress, size);
}

/** APPEND once: a copy already there (a previous run, or the server's own) is not appended again. */
async function makeSentCopy(outbox: OutboxApi, channel: MailChannel, entry: OutboxEntry): Promise<OutboxEntry> {
  try {
    if (await channel.sentCopyExists(entry.messageId)) return await outbox.markSentCopy(entry.id, 'found');
    await channel.appendSent(await outbox.raw(entry.id));
    return await outbox.markSentCopy(entry.id, 'appended');
  } catch (err) {
    await outbox.noteSentCopyError(entry.id, toAppError(err).message);
    return outbox.get(entry.id);
  }
}

/** Sent (with their Sent copy) and cancelled entries are forgotten after this: the Sent folder keeps the message. */
export const FINISHED_RETENTION_MS = 30 * 24 * 3600_000;

/** Every entry of an account with network work to do, oldest first; then forgets long-finished ones. */
export async function processOutbox(
  outbox: OutboxApi,
  channel: MailChannel,
  accountAddress: string,
  opts: { ignoreSchedule?: boolean; only?: readonly number[] } & RunnerHooks = {},
): Promise<OutboxEntry[]> {
  const done: OutboxEntry[] = [];
  for (const e of await outbox.pending(accountAddress, opts.ignoreSchedule ? { ignoreSchedule: true } : {})) {
    if (opts.only && !opts.only.includes(e.id)) continue;
    done.push(await processEntry(outbox, channel, e.id, opts));
  }
  await outbox.pruneFinished((opts.now ?? Date.now)() - FINISHED_RETENTION_MS);
  return done;
}
