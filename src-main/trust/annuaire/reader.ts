import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, statSync } from 'node:fs';
import { AppError } from '../../errors/index.js';
import { normaliseAddress } from '../address.js';
import type { AnnuaireEntry } from './entry.js';
import type { AnnuaireVersion } from './import.js';
import { ANNUAIRE_SCHEMA_VERSION, annuaireDbPath } from './schema.js';

interface EntryRow {
  address: string;
  type: string;
  national_id: string | null;
  national_id_type: 'RPPS' | 'ADELI' | null;
  civility: string | null;
  last_name: string | null;
  first_name: string | null;
  profession: string | null;
  profession_code: string | null;
  profession_category: string | null;
  specialty: string | null;
  specialty_code: string | null;
  service: string | null;
  structure_id: string | null;
  structure_name: string | null;
  trade_name: string | null;
  street: string | null;
  postal_code: string | null;
  city: string | null;
  department: string | null;
  country: string | null;
  dematerialisation: number;
}

function toEntry(r: EntryRow): AnnuaireEntry {
  return {
    address: r.address,
    type: r.type,
    nationalId: r.national_id,
    nationalIdType: r.national_id_type,
    civility: r.civility,
    lastName: r.last_name,
    firstName: r.first_name,
    profession: r.profession,
    professionCode: r.profession_code,
    professionCategory: r.profession_category,
    specialty: r.specialty,
    specialtyCode: r.specialty_code,
    service: r.service,
    structureId: r.structure_id,
    structureName: r.structure_name,
    tradeName: r.trade_name,
    street: r.street,
    postalCode: r.postal_code,
    city: r.city,
    department: r.department,
    country: r.country,
    dematerialisation: r.dematerialisation === 1,
  };
}

/**
 * Words of a user query as FTS5 prefix terms, quoted so that FTS5 syntax in the input is inert.
 * Accents and case are handled by the tokenizer (remove_diacritics 2) on both sides.
 */
export function ftsPrefixTerms(input: string): string[] {
  const words = input.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 8).map((w) => `"${w}"*`);
}

// Column weights for bm25 (order of the FTS columns): names first, then address and structure.
const RANK = 'bm25(entry_fts, 10, 6, 2, 2, 1, 1, 3, 6)';
const SEARCH_SCAN_LIMIT = 2000;

/**
 * Read-only access to the imported annuaire. It keeps the file open; after an import in this
 * or another process has renamed a new file over it, `reopenIfReplaced()` switches to it (the
 * old file stays readable by this handle until then, so readers never see a half-built one).
 */
export class AnnuaireReader {
  private db: Database.Database;
  private inode: number;
  private statements!: ReturnType<AnnuaireReader['prepare']>;
  version!: AnnuaireVersion;

  private constructor(private readonly path: string) {
    this.db = AnnuaireReader.openFile(path);
    this.inode = statSync(path).ino;
    this.load();
  }

  /** Opens the annuaire of `home`, or returns null when none was imported yet. */
  static open(home: string): AnnuaireReader | null {
    const path = annuaireDbPath(home);
    if (!existsSync(path)) return null;
    return new AnnuaireReader(path);
  }

  /** Like open(), but a missing annuaire is an ANNUAIRE_NOT_IMPORTED error. */
  static require(home: string): AnnuaireReader {
    const reader = AnnuaireReader.open(home);
    if (!reader) throw new AppError('ANNUAIRE_NOT_IMPORTED', 'no annuaire imported in this home');
    return reader;
  }

  private static openFile(path: string): Database.Database {
    try {
      return new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new AppError('IO_FAILED', 'cannot open the annuaire file', { cause: err });
    }
  }

  private load(): void {
    try {
      const meta = new Map(
        (this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
      );
      if (Number(meta.get('schema_version')) !== ANNUAIRE_SCHEMA_VERSION) {
        throw new AppError('ANNUAIRE_NOT_IMPORTED', 'annuaire file has another schema version: import it again');
      }
      this.version = JSON.parse(meta.get('version') ?? 'null') as AnnuaireVersion;
      this.statements = this.prepare();
    } catch (err) {
      this.db.close();
      if (err instanceof AppError) throw err;
      throw new AppError('ANNUAIRE_NOT_IMPORTED', 'annuaire file is unreadable: import it again', { cause: err });
    }
  }

  private prepare() {
    const db = this.db;
    return {
      byAddress: db.prepare('SELECT * FROM entry WHERE address = ?'),
      addressPrefix: db.prepare('SELECT * FROM entry WHERE address >= ? AND address < ? ORDER BY address LIMIT ?'),
      ftsRanked: db.prepare(
        `SELECT e.* FROM (SELECT rowid AS id, ${RANK} AS score FROM entry_fts WHERE entry_fts MATCH ? LIMIT ${SEARCH_SCAN_LIMIT}) m
         JOIN entry e ON e.id = m.id ORDER BY m.score, e.last_name, e.first_name, e.address LIMIT ?`,
      ),
      ftsFirst: db.prepare('SELECT e.* FROM entry_fts f JOIN entry e ON e.id = f.rowid WHERE entry_fts MATCH ? LIMIT ?'),
    };
  }

  /** Switches to a newer annuaire file if an import has replaced it. Returns true if it did. */
  reopenIfReplaced(): boolean {
    let inode: number;
    try {
      inode = statSync(this.path).ino;
    } catch {
      return false;
    }
    if (inode === this.inode) return false;
    const old = this.db;
    this.db = AnnuaireReader.openFile(this.path);
    this.inode = inode;
    this.load();
    old.close();
    return true;
  }

  /** The entry of an address (any case, Unicode or punycode domain), or null. */
  byAddress(address: string): AnnuaireEntry | null {
    const normalised = normaliseAddress(address);
    if (!normalised) return null;
    const row = this.statements.byAddress.get(normalised.address) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  /**
   * People whose first and last names contain these words (any order; as prefixes when asked):
   * used to find whom a display name claims to be.
   */
  byNameWords(words: readonly string[], limit = 20, asPrefixes = false): AnnuaireEntry[] {
    const clean = words.map((w) => w.replace(/[^\p{L}\p{N}]/gu, '')).filter((w) => w.length > 1);
    if (clean.length < 2) return [];
    const match = clean.map((w) => `{last_name first_name}: "${w}"${asPrefixes ? '*' : ''}`).join(' AND ');
    return (this.statements.ftsFirst.all(match, limit) as EntryRow[]).map(toEntry);
  }

  /** Full-text search (all words, as prefixes, in any indexed field), best matches first. */
  search(query: string, limit = 20): AnnuaireEntry[] {
    const terms = ftsPrefixTerms(query);
    if (terms.length === 0) return [];
    return (this.statements.ftsRanked.all(terms.join(' '), limit) as EntryRow[]).map(toEntry);
  }

  /**
   * Fast lookup for the address field of the compose window: an address prefix when the input
   * contains "@", otherwise names/structure/city words as prefixes. Results are not ranked
   * beyond that, which keeps every keystroke in a few milliseconds.
   */
  autocomplete(query: string, limit = 10): AnnuaireEntry[] {
    const q = query.trim().toLowerCase();
    if (q.includes('@')) {
      return (this.statements.addressPrefix.all(q, q + '\uffff', limit) as EntryRow[]).map(toEntry);
    }
    const terms = ftsPrefixTerms(q);
    if (terms.length === 0) return [];
    return (this.statements.ftsFirst.all(terms.join(' '), limit) as EntryRow[]).map(toEntry);
  }

  close(): void {
    this.db.close();
  }
}
