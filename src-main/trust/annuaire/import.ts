import Database from 'better-sqlite3-multiple-ciphers';
import { nativeBinding } from '../../store/native-binding.js';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../errors/index.js';
import { ensurePrivateDir, precreatePrivateFile } from '../../files/private.js';
import { matchHeader, type HeaderMatch } from './columns.js';
import { nameKey } from '../names.js';
import { parseLine, type AnnuaireEntry } from './entry.js';
import { ANNUAIRE_DEDUPE, ANNUAIRE_POST_LOAD, ANNUAIRE_SCHEMA, ANNUAIRE_SCHEMA_VERSION, BUILD_PREFIX, annuaireDbPath } from './schema.js';
import { DEFAULT_EXTRACTION_LIMITS, readExtraction, type ExtractionLimits, type ExtractionSource } from './source.js';

export type MalformedReason = 'field_count' | 'missing_type' | 'invalid_address';

export interface AnnuaireImportReport {
  /** data lines read (header and blank lines excluded) */
  rows: number;
  /** distinct mailboxes now in the annuaire */
  imported: number;
  /** lines whose address was already imported (the first occurrence is kept) */
  duplicates: number;
  /** lines refused, with their reason */
  malformed: number;
  malformedByReason: Record<MalformedReason, number>;
  /** the first refused lines (line number and reason; no content) */
  malformedSamples: { line: number; reason: MalformedReason }[];
  seconds: number;
  version: AnnuaireVersion;
  /** header fields we did not recognise and known columns the header lacks */
  unknownColumns: string[];
  missingColumns: string[];
}

/** What identifies the imported annuaire (kept in its meta table). */
export interface AnnuaireVersion {
  sourceName: string;
  extractionDate: string | null;
  sha256: string;
  importedAt: string;
  entries: number;
}

export interface AnnuaireImportOptions {
  home: string;
  /** progress callback: fraction of the file read, 0..1 */
  onProgress?: (fraction: number, rows: number) => void;
  /** called once the lines are loaded, before the (few seconds of) search index build */
  onIndexing?: () => void;
  /** for tests of interruption: called after each data line */
  afterLine?: (rows: number) => void;
  /** decompression and size limits (defaults: DEFAULT_EXTRACTION_LIMITS) */
  limits?: Partial<ExtractionLimits>;
  /** largest share (0..1) of the current annuaire's addresses an import may drop; default 0.1 */
  maxShrinkShare?: number;
  /** the IT person confirmed: accept an import that shrinks the annuaire beyond maxShrinkShare */
  force?: boolean;
}

const DEFAULT_MAX_SHRINK_SHARE = 0.1;

/**
 * Pure: may an import of `next` addresses replace an annuaire of `previous` addresses? A real
 * extraction changes by a few percent between two days; a large drop is a truncated or wrong file.
 */
export function shrinkAllowed(previous: number | null, next: number, maxShrinkShare: number): boolean {
  if (previous === null || previous === 0) return true;
  return next >= previous * (1 - maxShrinkShare);
}

/** Address count of the annuaire in service, or null when there is none (or it is unreadable). */
function currentEntryCount(target: string): number | null {
  if (!existsSync(target)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(target, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string } | undefined;
    const version = row ? (JSON.parse(row.value) as Partial<AnnuaireVersion>) : null;
    return typeof version?.entries === 'number' ? version.entries : null;
  } catch {
    return null; // an unreadable annuaire is replaced by any good import
  } finally {
    db?.close();
  }
}

const SAMPLE_LIMIT = 20;

/** Removes build files left by imports that were killed (their process is gone). */
function removeStaleBuilds(home: string): void {
  let names: string[];
  try {
    names = readdirSync(home);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(BUILD_PREFIX)) continue;
    const pid = Number(name.slice(BUILD_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(home, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * rename() over the current annuaire. On Windows it fails while another process (the app, an
 * antivirus scan) has the file open: retry briefly, then report it; the old file stays in use.
 */
async function replaceFile(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 10 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Imports an extraction (.txt or .zip) into a NEW database file, then renames it over the
 * current one. Until that rename the previous annuaire stays in place and readable, so a
 * failed, refused or killed import leaves the previous version in service.
 */
export async function importAnnuaire(file: string, opts: AnnuaireImportOptions): Promise<AnnuaireImportReport> {
  const started = performance.now();
  ensurePrivateDir(opts.home);
  removeStaleBuilds(opts.home);
  const target = annuaireDbPath(opts.home);
  const buildPath = join(opts.home, `${BUILD_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  precreatePrivateFile(buildPath); // SQLite would create it 0644 & ~umask
  const db = new Database(buildPath, { nativeBinding: nativeBinding() });
  let closed = false;
  try {
    // The build file is private until the rename: durability comes from the fsync before the
    // rename, so a journal file and per-transaction syncs would only cost time. (OFF is refused
    // by better-sqlite3's defensive mode; MEMORY is tiny here since every page is new.)
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -16384'); // 16 MiB: bounds memory; the indexes are built by sorting
    db.pragma('temp_store = FILE');
    db.pragma('threads = 2'); // the index builds sort with a helper thread (2 cores is the target machine)
    db.exec(ANNUAIRE_SCHEMA);
    const insert = db.prepare(`INSERT INTO entry (
      address, type, national_id, national_id_type, civility, last_name, first_name, profession, profession_code,
      profession_category, specialty, specialty_code, service, structure_id, structure_name, trade_name, street,
      postal_code, city, department, country, dematerialisation, first_key, last_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertEntry = (e: AnnuaireEntry): void => {
      insert.run(
        e.address, e.type, e.nationalId, e.nationalIdType, e.civility, e.lastName, e.firstName, e.profession, e.professionCode,
        e.professionCategory, e.specialty, e.specialtyCode, e.service, e.structureId, e.structureName, e.tradeName, e.street,
        e.postalCode, e.city, e.department, e.country, e.dematerialisation ? 1 : 0,
        e.firstName ? nameKey(e.firstName) : null, e.lastName ? nameKey(e.lastName) : null,
      );
    };

    let header: HeaderMatch | null = null;
    let rows = 0;
    let loaded = 0;
    const malformedByReason: Record<MalformedReason, number> = { field_count: 0, missing_type: 0, invalid_address: 0 };
    const malformedSamples: { line: number; reason: MalformedReason }[] = [];

    db.exec('BEGIN');
    const source: ExtractionSource = await readExtraction(file, {
      line(text, lineNumber) {
        if (header === null) {
          header = matchHeader(text);
          if (!header) throw new AppError('ANNUAIRE_BAD_FILE', 'header line has no "Type de BAL" / "Adresse BAL" columns', { data: { check: 'header' } });
          return;
        }
        if (text.trim() === '') return;
        rows += 1;
        const parsed = parseLine(text, header.columns, header.width);
        if (!parsed.ok) {
          malformedByReason[parsed.reason] += 1;
          if (malformedSamples.length < SAMPLE_LIMIT) malformedSamples.push({ line: lineNumber, reason: parsed.reason });
        } else {
          insertEntry(parsed.entry);
          loaded += 1;
        }
        opts.afterLine?.(rows);
      },
      progress(read, total) {
        opts.onProgress?.(total === 0 ? 1 : read / total, rows);
      },
    }, { ...DEFAULT_EXTRACTION_LIMITS, ...opts.limits });
    if (header === null) throw new AppError('ANNUAIRE_BAD_FILE', 'empty file', { data: { check: 'empty' } });
    const matched = header as HeaderMatch;
    // Never replace a working annuaire with an empty one.
    if (loaded === 0) throw new AppError('ANNUAIRE_BAD_FILE', `no usable line (${rows} data lines)`, { data: { check: 'no_usable_line', rows } });
    db.exec(ANNUAIRE_DEDUPE);
    const duplicates = (db.prepare('SELECT count(*) AS n FROM temp.duplicate').get() as { n: number }).n;
    const imported = loaded - duplicates;
    const previous = currentEntryCount(target);
    const maxShrinkShare = opts.maxShrinkShare ?? DEFAULT_MAX_SHRINK_SHARE;
    if (!opts.force && !shrinkAllowed(previous, imported, maxShrinkShare)) {
      throw new AppError('ANNUAIRE_SHRINK_REFUSED', `import would shrink the annuaire from ${previous} to ${imported} addresses`, {
        data: { previous, next: imported, maxPercent: Math.round(maxShrinkShare * 100) },
      });
    }

    const version: AnnuaireVersion = {
      sourceName: source.name,
      extractionDate: source.extractionDate,
      sha256: source.sha256,
      importedAt: new Date().toISOString(),
      entries: imported,
    };
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    setMeta.run('schema_version', String(ANNUAIRE_SCHEMA_VERSION));
    setMeta.run('version', JSON.stringify(version));
    db.exec('COMMIT');
    opts.onIndexing?.();
    db.exec(ANNUAIRE_POST_LOAD);
    db.close();
    closed = true;

    fsyncPath(buildPath);
    await replaceFile(buildPath, target);
    if (process.platform !== 'win32') fsyncPath(opts.home);

    const malformed = Object.values(malformedByReason).reduce((a, b) => a + b, 0);
    return {
      rows,
      imported,
      duplicates,
      malformed,
      malformedByReason,
      malformedSamples,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      version,
      unknownColumns: matched.unknown,
      missingColumns: matched.missing,
    };
  } catch (err) {
    if (!closed) db.close();
    rmSync(buildPath, { force: true });
    if (err instanceof AppError) throw err;
    throw new AppError('ANNUAIRE_IMPORT_FAILED', `annuaire import failed: ${(err as Error).message}`, { cause: err });
  }
}
