// Folders: the server's folder list as stored, and each folder's sync cursor
// (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, state) that the sync planner reads.
import { AppError } from '../errors/index.js';
import type { StoreContext } from './context.js';
import { folderFromRow, type Row } from './rows.js';
import type { Folder, FolderCursorUpdate, FolderInfo } from './types.js';

export function listFolders(ctx: StoreContext, accountId?: number): Folder[] {
  const rows = (
    accountId === undefined
      ? ctx.stmt('SELECT * FROM folders ORDER BY path').all()
      : ctx.stmt('SELECT * FROM folders WHERE account_id = ? ORDER BY path').all(accountId)
  ) as Row[];
  return rows.map(folderFromRow);
}

export function getFolder(ctx: StoreContext, id: number): Folder | undefined {
  const r = ctx.stmt('SELECT * FROM folders WHERE id = ?').get(id) as Row | undefined;
  return r ? folderFromRow(r) : undefined;
}

export function findFolder(ctx: StoreContext, path: string, accountId?: number): Folder | undefined {
  const r = (
    accountId === undefined
      ? ctx.stmt('SELECT * FROM folders WHERE path = ? ORDER BY account_id LIMIT 1').get(path)
      : ctx.stmt('SELECT * FROM folders WHERE account_id = ? AND path = ?').get(accountId, path)
  ) as Row | undefined;
  return r ? folderFromRow(r) : undefined;
}

/** Messages of a folder that have a server UID (what the server should also have); all of them with `includeLocal`. */
export function countMessages(ctx: StoreContext, folderId: number, includeLocal = false): number {
  const sql = includeLocal
    ? 'SELECT count(*) AS n FROM messages WHERE folder_id = ?'
    : 'SELECT count(*) AS n FROM messages WHERE folder_id = ? AND uid IS NOT NULL';
  return (ctx.stmt(sql).get(folderId) as { n: number }).n;
}

export function localUids(ctx: StoreContext, folderId: number): number[] {
  return ctx.stmt('SELECT uid FROM messages WHERE folder_id = ? AND uid IS NOT NULL ORDER BY uid').pluck().all(folderId) as number[];
}

/** UID → SHA-256 of every stored message of a folder (crash tests, diagnostics). */
export function folderDigest(ctx: StoreContext, folderId: number): Map<number, string> {
  const rows = ctx.stmt('SELECT uid, sha256 FROM messages WHERE folder_id = ? AND uid IS NOT NULL').all(folderId) as { uid: number; sha256: string }[];
  return new Map(rows.map((r) => [r.uid, r.sha256]));
}

/** Records the server's folder list. Folders gone from the server are kept while they hold messages. */
export function upsertFolders(ctx: StoreContext, accountId: number, folders: readonly FolderInfo[]): Folder[] {
  const upsert = ctx.stmt(
    `INSERT INTO folders (account_id, path, name, delimiter, special_use, selectable) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id, path) DO UPDATE SET name = excluded.name, delimiter = excluded.delimiter,
       special_use = excluded.special_use, selectable = excluded.selectable`,
  );
  ctx.db.transaction(() => {
    for (const f of folders) upsert.run(accountId, f.path, f.name, f.delimiter, f.specialUse, f.selectable ? 1 : 0);
    const keep = new Set(folders.map((f) => f.path));
    for (const f of listFolders(ctx, accountId)) {
      if (!keep.has(f.path) && countMessages(ctx, f.id, true) === 0) {
        ctx.stmt('DELETE FROM folders WHERE id = ?').run(f.id);
      }
    }
  }).immediate();
  return listFolders(ctx, accountId);
}

/**
 * The folder was renamed on the server (recognised by the sync planner):
 * the row, its messages and their UIDs stay; only the path and names change.
 */
export function renameFolder(ctx: StoreContext, folderId: number, to: FolderInfo): Folder {
  ctx.db.transaction(() => {
    ctx.stmt('UPDATE folders SET path = ?, name = ?, delimiter = ?, special_use = ?, selectable = ? WHERE id = ?').run(
      to.path,
      to.name,
      to.delimiter,
      to.specialUse,
      to.selectable ? 1 : 0,
      folderId,
    );
  }).immediate();
  const f = getFolder(ctx, folderId);
  if (!f) throw new AppError('NOT_FOUND', `folder ${folderId} not found`, { data: { id: folderId } });
  return f;
}

/** Writes the given cursor fields, inside the caller's transaction. */
export function updateCursor(ctx: StoreContext, folderId: number, c: FolderCursorUpdate): void {
  const sets: string[] = [];
  const values: unknown[] = [];
  const put = (col: string, v: unknown): void => {
    sets.push(`${col} = ?`);
    values.push(v);
  };
  if (c.uidvalidity !== undefined) put('uidvalidity', c.uidvalidity);
  if (c.uidnext !== undefined) put('uidnext', c.uidnext);
  if (c.highestmodseq !== undefined) put('highestmodseq', c.highestmodseq);
  if (c.syncState !== undefined) put('sync_state', c.syncState);
  if (c.initialLowUid !== undefined) put('initial_low_uid', c.initialLowUid);
  if (c.lastSyncAt !== undefined) put('last_sync_at', c.lastSyncAt);
  if (sets.length) ctx.stmt(`UPDATE folders SET ${sets.join(', ')} WHERE id = ?`).run(...values, folderId);
}

/** Commits only a cursor (e.g. start of an initial sync). */
export function setCursor(ctx: StoreContext, folderId: number, cursor: FolderCursorUpdate): void {
  ctx.db.transaction(() => updateCursor(ctx, folderId, cursor)).immediate();
}
