import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors/index.js';
import { ensurePrivateDir, precreatePrivateFile, tightenSqliteFiles } from '../files/private.js';
import { checkStore } from './integrity.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { nativeBinding } from './native-binding.js';

export type Db = Database.Database;

/**
 * Cipher of new stores: AEGIS-256 (authenticated, hardware AES), about a third
 * of ChaCha20's CPU per page on the sync write path (20 KB sources: 0.04 vs
 * 0.14 ms per message). Stores created with ChaCha20 before keep it: the
 * cipher is tried in this order on open.
 */
const CIPHERS = ['aegis', 'chacha20'] as const;

function isNewFile(file: string): boolean {
  return file === ':memory:' || !existsSync(file) || statSync(file).size === 0;
}

/** A connection keyed with the first cipher that decrypts the file (a new file gets the first one). */
function openKeyed(file: string, key: Buffer, readonly: boolean): Db {
  const ciphers = isNewFile(file) ? CIPHERS.slice(0, 1) : CIPHERS;
  for (let i = 0; ; i++) {
    let db: Db;
    try {
      db = new Database(file, { readonly, nativeBinding: nativeBinding() });
    } catch (err) {
      throw new AppError('IO_FAILED', 'cannot open the store file', { cause: err });
    }
    try {
      db.pragma(`cipher='${ciphers[i]}'`);
      db.pragma(`hexkey='${key.toString('hex')}'`);
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return db;
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' && i + 1 < ciphers.length) continue;
      if (code === 'SQLITE_NOTADB') throw new AppError('STORE_BAD_KEY', 'the key does not decrypt the store', { cause: err });
      if (code === 'SQLITE_CORRUPT') throw new AppError('STORE_CORRUPT', 'store file is corrupt', { cause: err });
      if (code?.startsWith('SQLITE_BUSY')) throw new AppError('STORE_LOCKED', 'store is locked by another process', { cause: err });
      throw new AppError('STORE_CORRUPT', `cannot open store: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Opens (creating if needed) the encrypted store: AEGIS-256 (ChaCha20 for
 * stores created before) keyed with a raw 32-byte key, WAL, foreign keys, and every
 * pending migration. A wrong key is STORE_BAD_KEY; a database written by a
 * newer version is refused with STORE_FUTURE_VERSION (never downgraded).
 */
export interface OpenDatabaseOptions {
  migrations?: readonly Migration[];
  readonly?: boolean;
  /**
   * 'quick' (default for a read-write open of an existing file): PRAGMA quick_check before
   * anything else, so a damaged store is STORE_CORRUPT at once (sync, audit verify, the app)
   * instead of failing later on one message. 'none': `store check` / `store rebuild`, which
   * open a damaged store on purpose.
   */
  check?: 'quick' | 'none';
}

export function openDatabase(file: string, key: Buffer, opts: OpenDatabaseOptions = {}): Db {
  const onDisk = file !== ':memory:';
  const existing = onDisk && !isNewFile(file);
  if (onDisk && !opts.readonly) {
    // owner-only whatever the umask: SQLite would create the file 0644, and -wal/-shm copy its mode
    ensurePrivateDir(dirname(file));
    precreatePrivateFile(file);
  }
  const db = openKeyed(file, key, opts.readonly ?? false);
  try {
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    if (onDisk && !opts.readonly) tightenSqliteFiles(file); // -wal/-shm left 0644 by an older version
    if (existing && !opts.readonly && (opts.check ?? 'quick') === 'quick') {
      const report = checkStore(db, 'quick', 10);
      if (!report.ok) {
        throw new AppError('STORE_CORRUPT', `quick_check failed: ${report.problems[0]}`, { data: { check: 'quick', problems: report.problems.length } });
      }
    }
    // NORMAL in WAL keeps every committed transaction consistent after a crash;
    // only the last commits before a power loss may roll back (never a torn one).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    if (!opts.readonly) migrate(db, opts.migrations ?? MIGRATIONS);
    else checkVersion(db, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY') throw new AppError('STORE_LOCKED', 'store is locked by another process', { cause: err });
    throw new AppError('STORE_CORRUPT', `cannot open store: ${(err as Error).message}`, { cause: err });
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function latest(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

function checkVersion(db: Db, migrations: readonly Migration[]): number {
  const current = schemaVersion(db);
  const known = latest(migrations);
  if (current > known) {
    throw new AppError('STORE_FUTURE_VERSION', `store schema ${current} is newer than this application (${known})`, { data: { current, known } });
  }
  return current;
}

/** Applies pending migrations, each in its own transaction with its version bump. */
function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = checkVersion(db, migrations);
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  let version = current;
  for (const m of pending) {
    if (m.version !== version + 1) throw new AppError('INTERNAL', `migration ${version + 1} is missing before ${m.version}`);
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    version = m.version;
  }
  return version;
}

/** SQLite failures as our codes: a busy database is STORE_LOCKED, a damaged one STORE_CORRUPT. */
export function storeError(err: unknown): AppError | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new AppError('STORE_LOCKED', 'store is busy (another process is writing)', { cause: err });
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new AppError('STORE_CORRUPT', 'store file is damaged', { cause: err });
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) return new AppError('IO_FAILED', `store write failed (${code})`, { cause: err });
  return undefined;
}
