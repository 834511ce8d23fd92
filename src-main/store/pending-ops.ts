// Local changes made offline or before the server heard of them (flags, move,
// delete): applied to the local rows at once, queued in `pending_ops`, and
// replayed by the sync engine, which completes, fails or drops each op.
import { AppError } from '../errors/index.js';
import type { StoreContext } from './context.js';
import { requireMessage, summaryOf } from './queries.js';
import { removeRows } from './removal.js';
import { json, parseJson, type MessageKey, type Row } from './rows.js';
import type { FlagChange, MessageSummary, PendingOp } from './types.js';

function queueOp(ctx: StoreContext, messageId: number, kind: PendingOp['kind'], payload: Record<string, unknown>): void {
  ctx.stmt('INSERT INTO pending_ops (message_id, kind, payload_json, created_at) VALUES (?, ?, ?, ?)').run(messageId, kind, json(payload), Date.now());
  if (ctx.hooks.onLocalChange) {
    const r = ctx.stmt('SELECT folder_id, uid, sha256 FROM messages WHERE id = ?').get(messageId) as { folder_id: number; uid: number | null; sha256: string };
    ctx.hooks.onLocalChange(ctx.db, { messageRowId: messageId, folderId: r.folder_id, uid: r.uid, sha256: r.sha256, kind, payload });
  }
}

/** Changes flags locally at once and queues the change for the server. */
export function changeFlags(ctx: StoreContext, messageId: number, change: FlagChange): MessageSummary {
  const cols = Object.entries(change).filter(([, v]) => v !== undefined) as [keyof FlagChange, boolean][];
  if (cols.length === 0) throw new AppError('INVALID_ARGUMENT', 'no flag change given');
  ctx.db.transaction(() => {
    requireMessage(ctx, messageId);
    ctx.stmt(`UPDATE messages SET ${cols.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...cols.map(([, v]) => +v), messageId);
    queueOp(ctx, messageId, 'flags', Object.fromEntries(cols));
  }).immediate();
  return summaryOf(ctx, messageId);
}

/** Hides the message locally and queues a move to another folder of the same account. */
export function queueMove(ctx: StoreContext, messageId: number, targetPath: string): void {
  ctx.db.transaction(() => {
    requireMessage(ctx, messageId);
    ctx.stmt('UPDATE messages SET pending_removal = 1 WHERE id = ?').run(messageId);
    queueOp(ctx, messageId, 'move', { target: targetPath });
  }).immediate();
}

/** Hides the message locally and queues its deletion (\Deleted + UID EXPUNGE) on the server. */
export function queueDelete(ctx: StoreContext, messageId: number): void {
  ctx.db.transaction(() => {
    requireMessage(ctx, messageId);
    ctx.stmt('UPDATE messages SET pending_removal = 1, deleted = 1 WHERE id = ?').run(messageId);
    queueOp(ctx, messageId, 'delete', {});
  }).immediate();
}

export function pendingOps(ctx: StoreContext, folderId?: number): PendingOp[] {
  const rows = ctx
    .stmt(
      `SELECT o.id, o.message_id, o.kind, o.payload_json, o.attempts, m.folder_id, m.uid FROM pending_ops o JOIN messages m ON m.id = o.message_id
       ${folderId === undefined ? '' : 'WHERE m.folder_id = ?'} ORDER BY o.id`,
    )
    .all(...(folderId === undefined ? [] : [folderId])) as Row[];
  return rows.map(
    (r) =>
      ({
        id: r.id as number,
        messageId: r.message_id as number,
        folderId: r.folder_id as number,
        uid: (r.uid as number | null) ?? null,
        kind: r.kind as PendingOp['kind'],
        payload: parseJson(r.payload_json, {}),
        attempts: r.attempts as number,
      }) as PendingOp,
  );
}

/** The server applied the op: forget it; a move or delete also removes the local row. */
export function completeOp(ctx: StoreContext, op: PendingOp): void {
  ctx.db.transaction(() => {
    ctx.stmt('DELETE FROM pending_ops WHERE id = ?').run(op.id);
    if (op.kind === 'move' || op.kind === 'delete') {
      const r = ctx.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE id = ?').get(op.messageId) as MessageKey | undefined;
      if (r) removeRows(ctx, [r], op.kind === 'move' ? 'moved' : 'deleted');
    }
  }).immediate();
}

export function failOp(ctx: StoreContext, op: PendingOp, error: string): void {
  ctx.stmt('UPDATE pending_ops SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 500), op.id);
}

/** Drops an op that can no longer apply (its message vanished from the server); un-hides the row if it still exists. */
export function dropOp(ctx: StoreContext, op: PendingOp): void {
  ctx.db.transaction(() => {
    ctx.stmt('DELETE FROM pending_ops WHERE id = ?').run(op.id);
    ctx.stmt('UPDATE messages SET pending_removal = 0 WHERE id = ?').run(op.messageId);
  }).immediate();
}
