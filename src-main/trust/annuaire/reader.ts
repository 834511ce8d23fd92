import Database from 'better-sqlite3-multiple-ciphers';
import { nativeBinding } from '../../store/native-binding.js';
import { existsSync, statSync } from 'node:fs';
import { AppError } from '../../errors/index.js';
import { normaliseAddress } from '../address.js';
import type { AnnuaireEntry } from './entry.js';
import type { AnnuaireVersion } from './import.js';
import { indexedMatch, matchScore, matchTier } from './matching.js';
import { classifyQuery, type AnnuaireQuery } from './query.js';
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

function fileIdentity(path: string): string {
  const st = statSync(path);
  return `${st.ino}:${st.mtimeMs}:${st.size}`;
}

/** A person whose name may be the one a display name shows. */
export interface NameCandidate {
  id: number;
  address: string;
  firstName: string | null;
  lastName: string | null;
}

/** A search candidate: its rank tier and score, and what orders equal ones. */
interface Candidate {
  id: number;
  /** 0 the exact address, 1 a professional the query names, 2 the rest (structures…); lower first */
  tier: number;
  score: number;
  lastName: string;
  firstName: string;
  address: string;
}

const collator = new Intl.Collator('fr', { sensitivity: 'base' });
function compareNames(a: Candidate, b: Candidate): number {
  return collator.compare(a.lastName, b.lastName) || collator.compare(a.firstName, b.firstName) || (a.address < b.address ? -1 : 1);
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

// Candidates read per batch, and at most, when checking long words against the index's 3-letter
// prefixes (see matching.ts). Past the cap the slower exact-prefix query answers.
const BATCH = 200;
const SCAN_CAP = 4000;
/** Search ranks at most this many matching entries (then keeps the best `limit`). */
const SEARCH_POOL = 200;

/**
 * Read-only access to the imported annuaire. It keeps the file open; after an import in this
 * or another process has renamed a new file over it, `reopenIfReplaced()` switches to it (the
 * old file stays readable by this handle until then, so readers never see a half-built one).
 */
export class AnnuaireReader {
  private db: Database.Database;
  /** identity of the open file (inode + mtime + size: inodes alone are not reliable on Windows) */
  private identity: string;
  private statements!: ReturnType<AnnuaireReader['prepare']>;
  version!: AnnuaireVersion;

  private constructor(private readonly path: string) {
    this.db = AnnuaireReader.openFile(path);
    this.identity = fileIdentity(path);
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
      return new Database(path, { readonly: true, fileMustExist: true, nativeBinding: nativeBinding() });
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
      // The same expression as the entry_domain index (schema.ts); a file imported before that
      // index existed answers too, by a scan.
      domainPrefix: db.prepare(
        `SELECT id, type, last_name AS lastName, first_name AS firstName, address, substr(address, instr(address, '@') + 1) AS domain
         FROM entry WHERE substr(address, instr(address, '@') + 1) >= ? AND substr(address, instr(address, '@') + 1) < ? LIMIT ?`,
      ),
      lastAfter: db.prepare(
        "SELECT id, address, first_name AS firstName, last_name AS lastName FROM entry WHERE type = 'PER' AND first_key = ? AND last_key >= ? AND last_key < ? ORDER BY last_key LIMIT ?",
      ),
      lastBefore: db.prepare(
        "SELECT id, address, first_name AS firstName, last_name AS lastName FROM entry WHERE type = 'PER' AND first_key = ? AND last_key >= ? AND last_key < ? ORDER BY last_key DESC LIMIT ?",
      ),
      firstAfter: db.prepare(
        "SELECT id, address, first_name AS firstName, last_name AS lastName FROM entry WHERE type = 'PER' AND last_key = ? AND first_key >= ? AND first_key < ? ORDER BY first_key LIMIT ?",
      ),
      firstBefore: db.prepare(
        "SELECT id, address, first_name AS firstName, last_name AS lastName FROM entry WHERE type = 'PER' AND last_key = ? AND first_key >= ? AND first_key < ? ORDER BY first_key DESC LIMIT ?",
      ),
      // Only the columns matching.ts checks, as arrays (SearchTexts order): the full rows of the
      // few winners are read afterwards. Materialising whole rows was most of the cost.
      scan: db
        .prepare(
          `SELECT f.rowid, e.last_name, e.first_name, e.address, concat_ws(' ', e.structure_name, e.trade_name, e.service),
                  e.profession, e.specialty, e.city, e.postal_code, e.type
           FROM entry_fts f JOIN entry e ON e.id = f.rowid WHERE entry_fts MATCH ? AND f.rowid > ? ORDER BY f.rowid LIMIT ?`,
        )
        .raw(true),
      byId: db.prepare('SELECT * FROM entry WHERE id = ?'),
    };
  }

  /** Switches to a newer annuaire file if an import has replaced it. Returns true if it did. */
  reopenIfReplaced(): boolean {
    let identity: string;
    try {
      identity = fileIdentity(this.path);
    } catch {
      return false;
    }
    if (identity === this.identity) return false;
    const old = this.db;
    this.db = AnnuaireReader.openFile(this.path);
    this.identity = identity;
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
   * People a display name may designate (id, address and names only; see byId). `words` are the
   * folded words of the display name
   * (names.ts nameWords); every split into first name / last name, in both orders, is looked
   * up with one part exact and the other among its sort-order neighbours, so that the same name,
   * a name written with look-alike characters (folded away) or with one letter changed near its
   * end is found, in a few index probes.
   */
  nameCandidates(words: readonly string[], perSide = 4): NameCandidate[] {
    if (words.length < 2 || words.length > 4) return [];
    const out = new Map<number, NameCandidate>();
    const add = (rows: unknown[]): void => {
      for (const r of rows as NameCandidate[]) out.set(r.id, r);
    };
    const st = this.statements;
    for (let k = 1; k < words.length; k++) {
      const a = words.slice(0, k).join(' ');
      const b = words.slice(k).join(' ');
      for (const [first, last] of [[a, b], [b, a]] as const) {
        // One part exact, the other's neighbours in sort order among the names sharing its first
        // 3 letters: the name itself, and names one letter away ("dupond" sits next to "dupont").
        const lp = last.slice(0, 3);
        add(st.lastAfter.all(first, last, lp + '\uffff', perSide));
        add(st.lastBefore.all(first, lp, last, perSide));
        const fp = first.slice(0, 3);
        add(st.firstAfter.all(last, first, fp + '\uffff', perSide));
        add(st.firstBefore.all(last, fp, first, perSide));
      }
    }
    return [...out.values()];
  }

  /** The full entry of a candidate. */
  byId(id: number): AnnuaireEntry | null {
    const row = this.statements.byId.get(id) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  /**
   * Entries where every word of `query` begins a word of an indexed field (accents and case
   * ignored), in index order, until `enough` are found. Uses the 3-letter prefix index and checks
   * longer words here; falls back to FTS5's own prefix matching past SCAN_CAP candidates.
   */
  private matching(queryWords: readonly string[], enough: number): Candidate[] {
    const words = queryWords.slice(0, 8);
    if (words.length === 0) return [];
    const found: Candidate[] = [];
    const keep = (rows: unknown[][]): void => {
      for (const row of rows) {
        const texts = row.slice(1, 9) as (string | null)[];
        const score = matchScore(texts, words);
        if (score > 0 && found.length < enough) {
          found.push({ id: row[0] as number, tier: matchTier(row[9] as string, texts, words), score, lastName: texts[0] ?? '', firstName: texts[1] ?? '', address: texts[2] ?? '' });
        }
      }
    };
    const match = indexedMatch(words);
    let after = -1;
    // Start small (a short query usually matches densely), then read larger batches.
    for (let scanned = 0, batch = Math.min(BATCH, enough * 2); scanned < SCAN_CAP && found.length < enough; batch = BATCH) {
      const rows = this.statements.scan.all(match, after, batch) as unknown[][];
      keep(rows);
      if (rows.length < batch) return found;
      scanned += rows.length;
      after = rows[rows.length - 1]![0] as number;
    }
    if (found.length >= enough) return found;
    // Rare: a common 3-letter prefix whose long word is rare. Let FTS5 match whole prefixes.
    found.length = 0;
    keep(this.statements.scan.all(words.map((w) => `"${w}"*`).join(' '), -1, enough) as unknown[][]);
    return found;
  }

  /**
   * The best `limit` candidates, as full entries: by tier (exact address, professionals the
   * query names, the rest), then score, then name. A candidate found twice counts once.
   */
  private best(candidates: Candidate[], limit: number): AnnuaireEntry[] {
    const seen = new Set<number>();
    return candidates
      .sort((a, b) => a.tier - b.tier || b.score - a.score || compareNames(a, b))
      .filter((c) => !seen.has(c.id) && seen.add(c.id))
      .slice(0, limit)
      .map((c) => toEntry(this.statements.byId.get(c.id) as EntryRow));
  }

  /**
   * Candidates found through the address B-trees (see query.ts), ranked above word matches:
   * the exact address, then an address prefix, or the entries of a domain (that very domain
   * before its longer namesakes, professionals before structures).
   */
  private byAddressKey(q: AnnuaireQuery, enough: number): Candidate[] {
    const st = this.statements;
    const candidate = (r: { id: number; lastName: string | null; firstName: string | null; address: string }, tier: number, score: number): Candidate => ({
      id: r.id, tier, score, lastName: r.lastName ?? '', firstName: r.firstName ?? '', address: r.address,
    });
    if (q.kind === 'address') {
      const row = st.byAddress.get(q.address) as (EntryRow & { id: number }) | undefined;
      return row ? [candidate({ id: row.id, lastName: row.last_name, firstName: row.first_name, address: row.address }, 0, 0)] : [];
    }
    if (q.kind === 'address-prefix') {
      return (st.addressPrefix.all(q.prefix, q.prefix + '\uffff', enough) as (EntryRow & { id: number })[]).map((r) =>
        candidate({ id: r.id, lastName: r.last_name, firstName: r.first_name, address: r.address }, 0, 0),
      );
    }
    if (q.kind === 'domain') {
      type DomainRow = { id: number; type: string; lastName: string | null; firstName: string | null; address: string; domain: string };
      return (st.domainPrefix.all(q.domain, q.domain + '\uffff', enough) as DomainRow[]).map((r) =>
        candidate(r, 0, (r.domain === q.domain ? 2 : 0) + (r.type === 'PER' ? 1 : 0)),
      );
    }
    return [];
  }

  /**
   * Search by words (all of them, as prefixes, in any indexed field), by address (typed or
   * pasted, with or without its display name) or by domain; best matches first (see best()).
   */
  search(query: string, limit = 20): AnnuaireEntry[] {
    const q = classifyQuery(query);
    return this.best([...this.byAddressKey(q, SEARCH_POOL), ...this.matching(q.words, SEARCH_POOL)], limit);
  }

  /**
   * Fast lookup for the address field of the compose window: like search(), on fewer
   * candidates (a few more than shown, so that the best of them come first). Each keystroke
   * costs a few milliseconds at most.
   */
  autocomplete(query: string, limit = 10): AnnuaireEntry[] {
    const q = classifyQuery(query);
    return this.best([...this.byAddressKey(q, limit * 2), ...this.matching(q.words, limit * 2)], limit);
  }

  close(): void {
    this.db.close();
  }
}
