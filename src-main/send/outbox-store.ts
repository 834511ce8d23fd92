// The outbox table (store migration 002): every state change is one small SQLite transaction,
// committed before the network step it guards (see README.md in this folder). In the app the
// class runs in the store thread (the store's one writer) and is reached by messages (OutboxApi).
import { hostname } from 'node:os';
import type { Db } from '../store/database.js';
import { AppError } from '../errors/index.js';
import type { ComposedMessage } from './compose.js';
import { recordSubmission, type DeliveryChange } from '../store/delivery.js';

export type OutboxState = 'draft' | 'queued' | 'sending' | 'sent' | 'failed' | 'uncertain' | 'cancelled';

export interface OutboxEntry {
  id: number;
  accountAddress: string;
  messageId: string;
  state: OutboxState;
  envelope: { from: string; to: string[] };
  subject: string | null;
  recipients: { to: string[]; cc: string[]; bcc: string[] };
  size: number;
  sha256: string;
  replyToRow: number | null;
  createdAt: number;
  updatedAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  sendingOwner: string | null;
  sendingAt: number | null;
  sentAt: number | null;
  smtpResponse: string | null;
  rejected: string[];
  lastErrorCode: string | null;
  lastError: string | null;
  sentCopy: 'appended' | 'found' | null;
  draftUid: number | null;
}

type Row = Record<string, unknown>;

const COLUMNS = `id, account_address, message_id, state, envelope_from, envelope_to_json, subject, recipients_json, size, sha256,
  reply_to_row, created_at, updated_at, attempts, next_attempt_at, sending_owner, sending_at, sent_at, smtp_response,
  rejected_json, last_error_code, last_error, sent_copy, draft_uid`;

function entryFromRow(r: Row): OutboxEntry {
  return {
    id: r.id as number,
    accountAddress: r.account_address as string,
    messageId: r.message_id as string,
    state: r.state as OutboxState,
    envelope: { from: r.envelope_from as string, to: JSON.parse(r.envelope_to_json as string) as string[] },
    subject: (r.subject as string | null) ?? null,
    recipients: { to: [], cc: [], bcc: [], ...(JSON.parse(r.recipients_json as string) as object) },
    size: r.size as number,
    sha256: r.sha256 as string,
    replyToRow: (r.reply_to_row as number | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    attempts: r.attempts as number,
    nextAttemptAt: (r.next_attempt_at as number | null) ?? null,
    sendingOwner: (r.sending_owner as string | null) ?? null,
    sendingAt: (r.sending_at as number | null) ?? null,
    sentAt: (r.sent_at as number | null) ?? null,
    smtpResponse: (r.smtp_response as string | null) ?? null,
    rejected: r.rejected_json ? (JSON.parse(r.rejected_json as string) as string[]) : [],
    lastErrorCode: (r.last_error_code as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    sentCopy: (r.sent_copy as OutboxEntry['sentCopy']) ?? null,
    draftUid: (r.draft_uid as number | null) ?? null,
  };
}

/**
 * The outbox as the runner and the facade use it: the Outbox itself over this thread's
 * connection (the CLI, its only writer), or its proxy in the store thread (the app:
 * app/store-services.ts), whose methods answer promises. Callers await every result.
 */
export type OutboxApi = {
  [K in keyof Outbox]: Outbox[K] extends (...args: infer A) => infer R ? (...args: A) => R | Promise<R> : never;
};

/** This process, as recorded in `sending_owner`. */
const PROCESS_OWNER = `${hostname()}:${process.pid}`;

export class Outbox {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Saves a composed message (state 'queued', or 'draft'). Same Message-ID twice = the same message: refused. */
  add(accountAddress: string, m: ComposedMessage, opts: { draft?: boolean; replyToRow?: number | null } = {}): OutboxEntry {
    const t = this.now();
    try {
      const info = this.db
        .prepare(
          `INSERT INTO outbox (account_address, message_id, state, envelope_from, envelope_to_json, subject, recipients_json, raw, sha256, size,
             reply_to_row, created_at, updated_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          accountAddress.toLowerCase(),
          m.messageId,
          opts.draft ? 'draft' : 'queued',
          m.envelope.from,
          JSON.stringify(m.envelope.to),
          m.subject,
          JSON.stringify(m.recipients),
          m.raw,
          m.sha256,
          m.raw.length,
          opts.replyToRow ?? null,
          t,
          t,
          opts.draft ? null : t,
        );
      return this.get(Number(info.lastInsertRowid));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AppError('OUTBOX_INVALID_STATE', 'a message with this Message-ID is already in the outbox', { data: { messageId: m.messageId } });
      }
      throw err;
    }
  }

  get(id: number): OutboxEntry {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`).get(id) as Row | undefined;
    if (!r) throw new AppError('NOT_FOUND', `no outbox entry ${id}`, { data: { id } });
    return entryFromRow(r);
  }

  raw(id: number): Buffer {
    const r = this.db.prepare('SELECT raw FROM outbox WHERE id = ?').get(id) as { raw: Buffer } | undefined;
    if (!r) throw new AppError('NOT_FOUND', `no outbox entry ${id}`, { data: { id } });
    return r.raw;
  }

  list(opts: { states?: readonly OutboxState[]; accountAddress?: string } = {}): OutboxEntry[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM outbox ORDER BY id`).all() as Row[];
    return rows
      .map(entryFromRow)
      .filter((e) => (!opts.states || opts.states.includes(e.state)) && (!opts.accountAddress || e.accountAddress === opts.accountAddress.toLowerCase()));
  }

  /** Entries with network work to do: due queued ones (all if `ignoreSchedule`), stale 'sending', Sent copies to make. */
  pending(accountAddress: string, opts: { ignoreSchedule?: boolean } = {}): OutboxEntry[] {
    const t = this.now();
    return this.list({ accountAddress }).filter(
      (e) =>
        (e.state === 'queued' && (opts.ignoreSchedule || (e.nextAttemptAt ?? 0) <= t)) ||
        e.state === 'sending' ||
        (e.state === 'sent' && e.sentCopy === null),
    );
  }

  private transition(id: number, from: readonly OutboxState[], set: Record<string, unknown>): OutboxEntry {
    const columns = Object.keys(set);
    const info = this.db
      .prepare(`UPDATE outbox SET ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`)
      .run(...columns.map((c) => set[c]), this.now(), id, ...from);
    if (info.changes !== 1) {
      const current = this.get(id);
      throw new AppError('OUTBOX_INVALID_STATE', `outbox entry ${id} is ${current.state}, expected ${from.join('|')}`, { data: { id, state: current.state } });
    }
    return this.get(id);
  }

  /**
   * THE idempotency step: committed (synchronously) after the SMTP session is authenticated and
   * before MAIL FROM. From here on, the message may have left: it is never submitted again
   * automatically (see README.md).
   */
  markSending(id: number, owner = PROCESS_OWNER): OutboxEntry {
    const t = this.now();
    return this.transition(id, ['queued'], { state: 'sending', sending_owner: owner, sending_at: t, attempts: this.get(id).attempts + 1 });
  }

  /**
   * The server accepted the message (some recipients may have been refused). The delivery
   * tracking starts in the same transaction: each recipient "remis au serveur" or "échec"
   * (store/delivery.ts).
   */
  markSent(id: number, smtpResponse: string, rejected: readonly string[] = []): OutboxEntry {
    return this.recordSent(id, smtpResponse, rejected).entry;
  }

  /** markSent, also returning the delivery states it started (journal: message.delivery). */
  recordSent(id: number, smtpResponse: string, rejected: readonly string[] = []): { entry: OutboxEntry; deliveryChanges: DeliveryChange[] } {
    return this.db.transaction(() => {
      const entry = this.transition(id, ['sending', 'uncertain'], {
        state: 'sent',
        sent_at: this.now(),
        smtp_response: smtpResponse.slice(0, 500),
        rejected_json: rejected.length ? JSON.stringify(rejected) : null,
        last_error_code: null,
        last_error: null,
      });
      const deliveryChanges = recordSubmission(this.db, {
        messageId: entry.messageId,
        sha256: entry.sha256,
        recipients: entry.envelope.to,
        rejected,
        response: smtpResponse.slice(0, 200),
        at: entry.sentAt ?? this.now(),
      });
      return { entry, deliveryChanges };
    })();
  }

  /** A transient failure before or during the transaction with a definite "not accepted": retry later. */
  markRetry(id: number, code: string, detail: string, nextAttemptAt: number, countAttempt: boolean): OutboxEntry {
    const e = this.get(id);
    return this.transition(id, ['queued', 'sending'], {
      state: 'queued',
      attempts: countAttempt ? e.attempts + 1 : e.attempts,
      next_attempt_at: nextAttemptAt,
      last_error_code: code,
      last_error: detail.slice(0, 500),
      sending_owner: null,
      sending_at: null,
    });
  }

  /** Permanent refusal (5xx): no retry, the server's reason is kept for the user. */
  markFailed(id: number, code: string, detail: string): OutboxEntry {
    return this.transition(id, ['queued', 'sending'], { state: 'failed', last_error_code: code, last_error: detail.slice(0, 500), next_attempt_at: null });
  }

  /** The server may or may not have accepted it: only the user can decide to send again. */
  markUncertain(id: number, detail: string): OutboxEntry {
    return this.transition(id, ['sending'], { state: 'uncertain', last_error_code: 'SEND_OUTCOME_UNKNOWN', last_error: detail.slice(0, 500) });
  }

  markSentCopy(id: number, how: 'appended' | 'found'): OutboxEntry {
    return this.transition(id, ['sent'], { sent_copy: how, last_error_code: null, last_error: null });
  }

  noteSentCopyError(id: number, detail: string): void {
    this.db.prepare('UPDATE outbox SET last_error_code = ?, last_error = ?, updated_at = ? WHERE id = ?').run('SENT_COPY_FAILED', detail.slice(0, 500), this.now(), id);
  }

  /** User's "retry now": a failed or uncertain message goes back to the queue (uncertain only when forced). */
  requeue(id: number, opts: { force?: boolean } = {}): OutboxEntry {
    const from: OutboxState[] = opts.force ? ['queued', 'failed', 'uncertain'] : ['queued', 'failed'];
    return this.transition(id, from, { state: 'queued', next_attempt_at: this.now(), sending_owner: null, sending_at: null });
  }

  cancel(id: number): OutboxEntry {
    return this.transition(id, ['queued', 'failed', 'uncertain', 'draft'], { state: 'cancelled', next_attempt_at: null });
  }

  setDraftUid(id: number, uid: number | null): void {
    this.db.prepare('UPDATE outbox SET draft_uid = ?, updated_at = ? WHERE id = ?').run(uid, this.now(), id);
  }

  /** Deletes sent entries whose Sent copy exists and cancelled ones, last changed before `before` (ms). */
  pruneFinished(before: number): number {
    return this.db
      .prepare("DELETE FROM outbox WHERE updated_at < ? AND ((state = 'sent' AND sent_copy IS NOT NULL) OR state = 'cancelled')")
      .run(before).changes;
  }

  // ---- what servers told us ----

  serverMaxBytes(accountAddress: string): number | null {
    const r = this.db.prepare('SELECT max_message_bytes FROM outbox_server_facts WHERE account_address = ?').get(accountAddress.toLowerCase()) as
      | { max_message_bytes: number | null }
      | undefined;
    return r?.max_message_bytes ?? null;
  }

  rememberServerMaxBytes(accountAddress: string, maxBytes: number | null): void {
    this.db
      .prepare(
        `INSERT INTO outbox_server_facts (account_address, max_message_bytes, learned_at) VALUES (?, ?, ?)
         ON CONFLICT (account_address) DO UPDATE SET max_message_bytes = excluded.max_message_bytes, learned_at = excluded.learned_at`,
      )
      .run(accountAddress.toLowerCase(), maxBytes, this.now());
  }
}
