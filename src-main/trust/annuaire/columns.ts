// Header mapping of the extraction Extraction_Correspondance_MSSante_*.txt. Two header
// variants exist in the wild (with and without the " structure BAL" suffix on the structure
// columns), and column order is not something we want to depend on: columns are matched by
// name, ignoring case, accents, spacing and that suffix.

export const ANNUAIRE_COLUMNS = {
  type: 'Type de BAL',
  address: 'Adresse BAL',
  ppIdType: 'Type Identifiant PP',
  ppId: 'Identifiant PP',
  nationalId: 'Identification nationale PP',
  structureIdType: 'Type identifiant structure',
  structureId: 'Identification Structure',
  service: 'Service de rattachement',
  civility: "Civilité d'exercice",
  lastName: "Nom d'exercice",
  firstName: "Prénom d'exercice",
  professionCategoryCode: 'Catégorie profession',
  professionCategory: 'Libellé de catégorie profession',
  professionCode: 'Code Profession',
  profession: 'Libellé Profession',
  specialtyCode: 'Code savoir-faire',
  specialty: 'Libellé savoir-faire',
  dematerialisation: 'Dématérialisation',
  structureName: 'Raison Sociale',
  tradeName: 'Enseigne commerciale',
  addressComplement: 'L2COMPLEMENTLOCALISATION',
  distributionComplement: 'L3COMPLEMENTDISTRIBUTION',
  streetNumber: 'L4NUMEROVOIE',
  streetNumberComplement: 'L4COMPLEMENTNUMEROVOIE',
  streetType: 'NL4TYPEVOIE',
  streetName: 'L4LIBELLEVOIE',
  locality: 'L5LIEUDITMENTION',
  deliveryLine: 'L6LIGNEACHEMINEMENT',
  postalCode: 'Code postal',
  department: 'Département',
  country: 'Pays',
} as const;

export type AnnuaireColumn = keyof typeof ANNUAIRE_COLUMNS;

/** Columns without which a line cannot be used. */
const REQUIRED: readonly AnnuaireColumn[] = ['type', 'address'];

/** Column index of each known column (-1 when the file does not have it). */
export type ColumnMap = Readonly<Record<AnnuaireColumn, number>>;

function normaliseHeaderName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’`]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/ structure bal$/, '');
}

export interface HeaderMatch {
  columns: ColumnMap;
  /** number of fields of the header line: the expected field count of every data line */
  width: number;
  /** header fields we do not know (kept for the import report) */
  unknown: string[];
  /** known columns the header does not have */
  missing: AnnuaireColumn[];
}

/**
 * Maps a header line to column indexes: exact name first, then the longest known name that is
 * a prefix of the header field. Returns null when a required column is missing.
 */
export function matchHeader(headerLine: string): HeaderMatch | null {
  const fields = headerLine.replace(/\r$/, '').split('|');
  // A trailing separator would add one empty field: it is not a column.
  if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  const names = fields.map(normaliseHeaderName);
  const wanted = (Object.entries(ANNUAIRE_COLUMNS) as [AnnuaireColumn, string][]).map(
    ([key, label]) => [key, normaliseHeaderName(label)] as const,
  );
  const columns = Object.fromEntries(wanted.map(([key]) => [key, -1])) as Record<AnnuaireColumn, number>;
  const taken = new Set<number>();
  for (const [key, label] of wanted) {
    const index = names.indexOf(label);
    if (index >= 0 && !taken.has(index)) {
      columns[key] = index;
      taken.add(index);
    }
  }
  const byLength = wanted.filter(([key]) => columns[key] < 0).sort((a, b) => b[1].length - a[1].length);
  for (const [key, label] of byLength) {
    const index = names.findIndex((name, i) => !taken.has(i) && name.startsWith(label + ' '));
    if (index >= 0) {
      columns[key] = index;
      taken.add(index);
    }
  }
  if (REQUIRED.some((key) => columns[key] < 0)) return null;
  return {
    columns,
    width: fields.length,
    unknown: fields.filter((_, i) => !taken.has(i)),
    missing: wanted.filter(([key]) => columns[key] < 0).map(([key]) => key),
  };
}
