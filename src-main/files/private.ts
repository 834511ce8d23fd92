// Owner-only files and folders, whatever the umask. mkdir/open modes only apply when the path is
// created (and are masked by the umask), SQLite creates its files 0644 & ~umask, and folders
// left by older versions may be 0755: so every private path is also chmod-ed explicitly.
//
// Windows: chmod only toggles the read-only bit, so these calls change nothing there. The data
// folders live under the user's profile (%APPDATA%, the CLI's --home default too), whose
// inherited ACL grants access to the user, SYSTEM and Administrators only; we do not rewrite
// ACLs (see docs/ARCHITECTURE.md, "File permissions").
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

function chmodIfPresent(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Creates `dir` (and its parents) if needed, and makes `dir` itself 0700 even if it existed. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (POSIX) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file 0600 (a missing one is fine: nothing to protect). */
function tightenFile(path: string): void {
  if (POSIX) chmodIfPresent(path, PRIVATE_FILE_MODE);
}

/**
 * Creates an empty file 0600 when `path` does not exist yet, so that a library creating it later
 * (SQLite: the database, then its -wal/-shm, which copy the database's mode) makes it private.
 */
export function precreatePrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  tightenFile(path);
}

/** A SQLite database and its WAL companions, 0600. */
export function tightenSqliteFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) tightenFile(file + suffix);
}
