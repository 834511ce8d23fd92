import { createWriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_FIXTURES } from '../../../support/fixtures.js';

// Generator of realistic extractions (Extraction_Correspondance_MSSante_*.txt): the real header
// from test/fixtures/reference (both variants), deterministic names, professions, cities, domains,
// PER and ORG mailboxes, and on demand duplicates and malformed lines.

/** Public reference files copied into the repository (origins in test/fixtures/SOURCES.md). */
export const FIXTURES_DIR = REFERENCE_FIXTURES;

/** The real header line, with the " structure BAL" suffixes. */
export function referenceHeader(): string {
  return readFileSync(join(FIXTURES_DIR, 'annuaire', 'Extraction_Correspondance_MSSante_HEADER_ONLY.txt'), 'utf8').replace(/\r?\n$/, '');
}

/** The other variant seen in the wild: same 31 columns without the " structure BAL" suffix. */
export function headerWithoutSuffix(): string {
  return referenceHeader()
    .split('|')
    .map((h) => h.replace(/ structure BAL$/, ''))
    .join('|');
}

const LAST = ['MARTIN', 'BERNARD', 'THOMAS', 'PETIT', 'ROBERT', 'RICHARD', 'DURAND', 'DUBOIS', 'MOREAU', 'LAURENT', 'SIMON', 'MICHEL', 'LEFÈVRE', 'LEROY', 'ROUX', 'DAVID', 'BERTRAND', 'MOREL', 'FOURNIER', 'GIRARD', 'BONNET', 'DUPONT', 'LAMBERT', 'FONTAINE', 'ROUSSEAU', 'VINCENT', 'MULLER', 'LEFEBVRE', 'FAURE', 'ANDRÉ', 'MERCIER', 'BLANC', 'GUÉRIN', 'BOYER', 'GARNIER', 'CHEVALIER', 'FRANÇOIS', 'LEGRAND', 'GAUTHIER', 'GARCIA', 'PERRIN', 'ROBIN', 'CLÉMENT', 'MORIN', 'NICOLAS', 'HENRY', 'ROUSSEL', 'MATHIEU', 'GAUTIER', 'MASSON'];
const FIRST = ['Jean', 'Marie', 'Pierre', 'Anne', 'Michel', 'Sophie', 'Philippe', 'Isabelle', 'Alain', 'Catherine', 'Nicolas', 'Nathalie', 'Éric', 'Valérie', 'François', 'Hélène', 'Laurent', 'Céline', 'Stéphane', 'Chloé', 'Jérôme', 'Zoé', 'Frédéric', 'Agnès', 'Benoît', 'Léa', 'Thierry', 'Émilie', 'Olivier', 'Inès'];
const PROFESSIONS: [string, string, string | null, string | null][] = [
  ['10', 'Médecin', 'SM26', 'Qualifié en Médecine Générale'],
  ['10', 'Médecin', 'SM04', 'Cardiologie et maladies vasculaires'],
  ['10', 'Médecin', 'SM32', 'Pédiatrie'],
  ['10', 'Médecin', 'SM53', 'Psychiatrie'],
  ['60', 'Infirmier', null, null],
  ['21', 'Pharmacien', null, null],
  ['70', 'Masseur-Kinésithérapeute', null, null],
  ['50', 'Sage-Femme', null, null],
  ['40', 'Chirurgien-Dentiste', 'SCD01', 'Orthopédie dento-faciale'],
];
const CITIES: [string, string, string][] = [
  ['75014', 'PARIS', '75'], ['69003', 'LYON', '69'], ['13005', 'MARSEILLE', '13'], ['31000', 'TOULOUSE', '31'],
  ['33000', 'BORDEAUX', '33'], ['59000', 'LILLE', '59'], ['44000', 'NANTES', '44'], ['67000', 'STRASBOURG', '67'],
  ['29200', 'BREST', '29'], ['35000', 'RENNES', '35'], ['06000', 'NICE', '06'], ['34000', 'MONTPELLIER', '34'],
  ['97400', 'SAINT-DENIS', '974'], ['80000', 'AMIENS', '80'], ['63000', 'CLERMONT-FERRAND', '63'], ['21000', 'DIJON', '21'],
];

/** Small deterministic PRNG (mulberry32), so generated files are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedPerson {
  type: 'PER' | 'ORG';
  address: string;
  nationalId?: string;
  lastName?: string;
  firstName?: string;
  civility?: string;
  profession?: string;
  professionCode?: string;
  specialty?: string;
  specialtyCode?: string;
  structureName?: string;
  tradeName?: string;
  service?: string;
  postalCode?: string;
  city?: string;
  department?: string;
  dematerialisation?: string;
}

/** One data line in the column order of the reference header. */
export function extractionLine(p: GeneratedPerson): string {
  const cols: string[] = [
    p.type,
    p.address,
    p.nationalId ? (p.nationalId.startsWith('8') ? '8' : '0') : '',
    p.nationalId ? p.nationalId.slice(1) : '',
    p.nationalId ?? '',
    p.structureName ? '3' : '',
    p.structureName ? '3' + String(p.address.length).padStart(8, '0') : '',
    p.service ?? '',
    p.civility ?? '',
    p.lastName ?? '',
    p.firstName ?? '',
    p.profession ? 'C' : '',
    p.profession ? 'Civil' : '',
    p.professionCode ?? '',
    p.profession ?? '',
    p.specialtyCode ?? '',
    p.specialty ?? '',
    p.dematerialisation ?? 'false',
    p.structureName ?? '',
    p.tradeName ?? '',
    '',
    '',
    p.postalCode ? '12' : '',
    '',
    p.postalCode ? 'R' : '',
    p.postalCode ? 'de la République' : '',
    '',
    p.postalCode ? `${p.postalCode} ${p.city}` : '',
    p.postalCode ?? '',
    p.department ?? '',
    p.postalCode ? 'France' : '',
  ];
  return cols.join('|');
}

export function generatedPerson(i: number, rand: () => number): GeneratedPerson {
  const [postalCode, city, department] = CITIES[Math.floor(rand() * CITIES.length)]!;
  const domainIndex = Math.floor(rand() * 5000);
  if (i % 10 === 9) {
    const structureName = `CENTRE HOSPITALIER ${city} ${domainIndex}`;
    return {
      type: 'ORG', address: `secretariat.${i}@ch-${domainIndex}.mssante.fr`, structureName, service: 'Secrétariat médical',
      postalCode, city, department, dematerialisation: 'false',
    };
  }
  const lastName = LAST[Math.floor(rand() * LAST.length)]!;
  const firstName = FIRST[Math.floor(rand() * FIRST.length)]!;
  const [professionCode, profession, specialtyCode, specialty] = PROFESSIONS[Math.floor(rand() * PROFESSIONS.length)]!;
  const slug = `${firstName}.${lastName}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const nationalId = '8' + String(10000000000 + i * 7).slice(0, 11);
  return {
    type: 'PER', address: `${slug}.${i}@${['medecin', 'infirmier', 'pharmacien', `ch-${domainIndex}`][i % 4]}.mssante.fr`,
    nationalId, lastName, firstName, civility: rand() < 0.5 ? 'M' : 'MME', profession, professionCode,
    ...(specialty ? { specialty, specialtyCode: specialtyCode! } : {}),
    structureName: i % 3 === 0 ? `CABINET MEDICAL ${city}` : `CENTRE HOSPITALIER ${city}`,
    postalCode, city, department, dematerialisation: ['true', 'True', '1', 'false'][i % 4]!,
  };
}

export interface GenerateOptions {
  rows: number;
  header?: string;
  seed?: number;
  /** every Nth data line repeats an earlier address */
  duplicateEvery?: number;
  /** every Nth data line is cut short */
  malformedEvery?: number;
  /** CRLF line ends */
  crlf?: boolean;
}

/** Streams a generated extraction to `path`; returns the counts a correct import must report. */
export async function writeExtraction(path: string, opts: GenerateOptions): Promise<{ rows: number; duplicates: number; malformed: number }> {
  const rand = prng(opts.seed ?? 42);
  const eol = opts.crlf ? '\r\n' : '\n';
  const out = createWriteStream(path);
  let buffer = (opts.header ?? referenceHeader()) + eol;
  let duplicates = 0;
  let malformed = 0;
  let lastAddressLine = '';
  for (let i = 0; i < opts.rows; i++) {
    let line: string;
    if (opts.malformedEvery && i % opts.malformedEvery === opts.malformedEvery - 1) {
      line = 'PER|broken.line@medecin.mssante.fr|8|1234';
      malformed++;
    } else if (opts.duplicateEvery && i % opts.duplicateEvery === opts.duplicateEvery - 1 && lastAddressLine) {
      line = lastAddressLine;
      duplicates++;
    } else {
      line = extractionLine(generatedPerson(i, rand));
      lastAddressLine = line;
    }
    buffer += line + eol;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end(buffer, () => resolve()).once('error', reject));
  return { rows: opts.rows, duplicates, malformed };
}
