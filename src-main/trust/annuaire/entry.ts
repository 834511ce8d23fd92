import { NATIONAL_ID_PREFIXES } from '../../rules/mssante.js';
import { normaliseAddress } from '../address.js';
import type { ColumnMap } from './columns.js';

/** One mailbox of the annuaire, as stored and as returned by lookups. */
export interface AnnuaireEntry {
  /** canonical address (lower-case local part, ASCII domain) */
  address: string;
  /** PER (a person), ORG (an organisation), or another type the extraction may carry */
  type: string;
  /** `Identification nationale PP` (8 + RPPS or 0 + ADELI), null for ORG mailboxes */
  nationalId: string | null;
  /** RPPS, ADELI, or the raw prefix meaning when unknown */
  nationalIdType: 'RPPS' | 'ADELI' | null;
  civility: string | null;
  lastName: string | null;
  firstName: string | null;
  profession: string | null;
  professionCode: string | null;
  professionCategory: string | null;
  /** `Libellé savoir-faire` */
  specialty: string | null;
  specialtyCode: string | null;
  service: string | null;
  structureId: string | null;
  /** `Raison Sociale` */
  structureName: string | null;
  /** `Enseigne commerciale` */
  tradeName: string | null;
  /** street lines (L2 to L5) joined */
  street: string | null;
  postalCode: string | null;
  city: string | null;
  department: string | null;
  country: string | null;
  /** The professional asked for no paper copies (`Dématérialisation`). */
  dematerialisation: boolean;
}

export type ParsedLine =
  | { ok: true; entry: AnnuaireEntry }
  | { ok: false; reason: 'field_count' | 'missing_type' | 'invalid_address' };

const TRUE_VALUES = new Set(['true', '1', 'oui', 'o', 'vrai', 'yes', 'y']);

function parseDematerialisation(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}

function nationalIdType(nationalId: string | null): 'RPPS' | 'ADELI' | null {
  if (!nationalId) return null;
  return NATIONAL_ID_PREFIXES[nationalId[0] as keyof typeof NATIONAL_ID_PREFIXES] ?? null;
}

/** "75014 PARIS CEDEX 14" → city "PARIS CEDEX 14" (the postal code has its own column). */
function cityOf(deliveryLine: string | null, postalCode: string | null): string | null {
  if (!deliveryLine) return null;
  let city = deliveryLine;
  if (postalCode && city.startsWith(postalCode)) city = city.slice(postalCode.length);
  else city = city.replace(/^\d{5}\s+/, '');
  return city.trim() || null;
}

function joinNonEmpty(parts: readonly (string | null)[], separator: string): string | null {
  const kept = parts.filter((p): p is string => p !== null && p !== '');
  return kept.length ? kept.join(separator) : null;
}

/**
 * Parses one data line against the header's column map. Lines with another field count than
 * the header (one trailing empty field tolerated), without a type or with an invalid address
 * are refused with a reason: the import counts and reports them.
 */
export function parseLine(line: string, columns: ColumnMap, width: number): ParsedLine {
  const fields = line.split('|');
  if (fields.length === width + 1 && fields[width] === '') fields.pop();
  if (fields.length !== width) return { ok: false, reason: 'field_count' };
  const get = (index: number): string | null => {
    if (index < 0) return null;
    const value = fields[index]!.trim();
    return value === '' ? null : value;
  };
  const type = get(columns.type)?.toUpperCase();
  if (!type) return { ok: false, reason: 'missing_type' };
  const address = normaliseAddress(get(columns.address) ?? '');
  if (!address) return { ok: false, reason: 'invalid_address' };
  const nationalId = get(columns.nationalId);
  const postalCode = get(columns.postalCode);
  return {
    ok: true,
    entry: {
      address: address.address,
      type,
      nationalId,
      nationalIdType: nationalIdType(nationalId),
      civility: get(columns.civility),
      lastName: get(columns.lastName),
      firstName: get(columns.firstName),
      profession: get(columns.profession),
      professionCode: get(columns.professionCode),
      professionCategory: get(columns.professionCategory),
      specialty: get(columns.specialty),
      specialtyCode: get(columns.specialtyCode),
      service: get(columns.service),
      structureId: get(columns.structureId),
      structureName: get(columns.structureName),
      tradeName: get(columns.tradeName),
      street: joinNonEmpty(
        [
          get(columns.addressComplement),
          get(columns.distributionComplement),
          joinNonEmpty([get(columns.streetNumber), get(columns.streetNumberComplement), get(columns.streetType), get(columns.streetName)], ' '),
          get(columns.locality),
        ],
        ', ',
      ),
      postalCode,
      city: cityOf(get(columns.deliveryLine), postalCode),
      department: get(columns.department),
      country: get(columns.country),
      dematerialisation: parseDematerialisation(fields[columns.dematerialisation]),
    },
  };
}
