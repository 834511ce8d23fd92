import { join } from 'node:path';

// The annuaire lives in its own SQLite file, beside (not inside) the encrypted mail store.
// It is NOT encrypted on purpose: it is a copy of a public, freely downloadable directory
// (no patient data, nothing personal beyond what the ANS publishes), and a separate plain
// file can be rebuilt and swapped atomically by a rename without touching the mail store.

const ANNUAIRE_DB_FILE = 'annuaire.sqlite';
/** Bumped when the layout changes: an older file is then treated as "not imported". */
export const ANNUAIRE_SCHEMA_VERSION = 3;

export function annuaireDbPath(home: string): string {
  return join(home, ANNUAIRE_DB_FILE);
}

/** Prefix of the files being built; leftovers of an interrupted import are removed later. */
export const BUILD_PREFIX = `${ANNUAIRE_DB_FILE}.build-`;

export const ANNUAIRE_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entry (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  type TEXT NOT NULL,
  national_id TEXT,
  national_id_type TEXT,
  civility TEXT,
  last_name TEXT,
  first_name TEXT,
  profession TEXT,
  profession_code TEXT,
  profession_category TEXT,
  specialty TEXT,
  specialty_code TEXT,
  service TEXT,
  structure_id TEXT,
  structure_name TEXT,
  trade_name TEXT,
  street TEXT,
  postal_code TEXT,
  city TEXT,
  department TEXT,
  country TEXT,
  dematerialisation INTEGER NOT NULL,
  -- folded names (names.ts nameKey): whom a display name designates, found through a B-tree
  first_key TEXT,
  last_key TEXT
);
-- What the full-text index sees: one "structure" column for the names a user may type, and
-- the local part of the address only (domain words like "mssante", "fr" are in every row:
-- indexing them cost a quarter of the build; an address prefix uses the B-tree instead).
CREATE VIEW entry_search AS
  SELECT id, last_name, first_name, profession, specialty, city, postal_code,
         concat_ws(' ', structure_name, trade_name, service) AS structure,
         substr(address, 1, instr(address, '@') - 1) AS address
  FROM entry;
CREATE VIRTUAL TABLE entry_fts USING fts5(
  last_name, first_name, profession, specialty, city, postal_code, structure, address,
  content='entry_search', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2', prefix='2 3',
  -- detail=column halves the index build time (phrase queries, which need token positions,
  -- are never used); columnsize=0: no bm25 ranking (matching.ts ranks the candidates).
  detail=column, columnsize=0
);
`;

/**
 * Duplicate addresses, found after the bulk load: one sorted index build is much cheaper than
 * keeping a unique index up to date row by row. The first line of an address is kept.
 */
export const ANNUAIRE_DEDUPE = `
CREATE INDEX entry_address ON entry(address, id);
CREATE TEMP TABLE duplicate AS
  SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY address ORDER BY id) AS n FROM entry) WHERE n > 1;
DELETE FROM entry WHERE id IN (SELECT id FROM temp.duplicate);
`;

/** Indexes built after the bulk load (cheaper than maintaining them row by row). */
export const ANNUAIRE_POST_LOAD = `
INSERT INTO entry_fts(entry_fts) VALUES ('rebuild');
CREATE INDEX entry_last_first ON entry(last_key, first_key) WHERE type = 'PER';
CREATE INDEX entry_first_last ON entry(first_key, last_key) WHERE type = 'PER';
-- search by domain ("ch-brest.mssante.fr", "@ch-brest"): reader.ts queries this very expression
CREATE INDEX entry_domain ON entry(substr(address, instr(address, '@') + 1));
`;
