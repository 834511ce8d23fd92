// Removing message rows, whatever the cause (vanished on the server, folder
// deleted, moved, UIDVALIDITY orphan): the FTS row goes with it and the
// journal hook hears of it inside the caller's transaction.
import type { StoreContext } from './context.js';
import type { MessageKey } from './rows.js';
import type { RemovedMessageEvent } from './types.js';

export function removeRows(ctx: StoreContext, rows: readonly MessageKey[], reason: RemovedMessageEvent['reason']): number {
  const delFts = ctx.stmt('DELETE FROM messages_fts WHERE rowid = ?');
  const del = ctx.stmt('DELETE FROM messages WHERE id = ?');
  for (const r of rows) {
    delFts.run(r.id);
    del.run(r.id);
  }
  if (rows.length && ctx.hooks.onMessagesRemoved) {
    ctx.hooks.onMessagesRemoved(
      ctx.db,
      rows.map((r) => ({ messageRowId: r.id, folderId: r.folder_id, uid: r.uid, sha256: r.sha256, reason })),
    );
  }
  return rows.length;
}

export function removeUids(ctx: StoreContext, folderId: number, uids: readonly number[], reason: RemovedMessageEvent['reason']): number {
  const get = ctx.stmt('SELECT id, folder_id, uid, sha256 FROM messages WHERE folder_id = ? AND uid = ?');
  const rows = uids.map((u) => get.get(folderId, u) as MessageKey | undefined).filter((r) => r !== undefined);
  return removeRows(ctx, rows, reason);
}
