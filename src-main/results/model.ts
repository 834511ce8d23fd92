// One model for laboratory results, whatever the source (CDA R2 level 3
// biology report, HPRIM Médecins file). Pure data and pure decisions: which
// flag applies, what is abnormal, what is critical. No I/O.
import type { PatientIdentity } from '../xdm/ins-status.js';

/** HL7 v3 ObservationInterpretation codes we give a meaning to; others are kept as written. */
const LOW_FLAGS = ['L', 'LL', 'LU', '<'] as const;
const HIGH_FLAGS = ['H', 'HH', 'HU', '>'] as const;
/** Critical (panic) values: must be impossible to miss. */
const CRITICAL_FLAGS = ['LL', 'HH', 'AA'] as const;
const ABNORMAL_FLAGS = new Set<string>([...LOW_FLAGS, ...HIGH_FLAGS, 'A', 'AA', 'W']);

export interface ResultCode {
  code: string;
  /** OID of the code system (LOINC: 2.16.840.1.113883.6.1) or a local name ("HPRIM") */
  system?: string;
  /** "LOINC" when the system is LOINC */
  systemName?: string;
  display?: string;
}

export type ResultValue =
  /** text: the value as the laboratory wrote it ("1.950"), kept to avoid float re-formatting */
  | { kind: 'numeric'; value: number; text: string; unit?: string; comparator?: '<' | '<=' | '>' | '>=' }
  | { kind: 'coded'; code?: string; codeSystem?: string; display: string }
  | { kind: 'text'; text: string };

export interface ReferenceRange {
  low?: number;
  high?: number;
  /** bounds as written ("0.270") */
  lowText?: string;
  highText?: string;
  unit?: string;
  /** a range given as text only ("< 5", "négatif") */
  text?: string;
}

/** A second expression of the same result (dual units: mmol/L and g/L). */
export interface AlternateMeasure {
  value: ResultValue;
  range?: ReferenceRange;
  flag?: string;
  computedFlag?: 'L' | 'H';
}

/** Where the narrative text of a CDA says something else than its structured entry. */
export interface NarrativeMismatch {
  field: 'value' | 'low' | 'high';
  structured: string;
  narrative: string;
}

export interface LabResult {
  label: string;
  code?: ResultCode;
  value: ResultValue;
  range?: ReferenceRange;
  /** the laboratory's own interpretation flag, as sent (N, L, H, LL, HH, A, AA, S, R, I…) */
  flag?: string;
  /** set only when the laboratory gave no flag and the value lies outside its range */
  computedFlag?: 'L' | 'H';
  alternate?: AlternateMeasure[];
  comments: string[];
  specimen?: string;
  /** ISO 8601 date or date-time of the observation */
  date?: string;
  /** status as sent (HPRIM: F final, P partial; CDA statusCode) */
  status?: string;
  /** anterior result sent for comparison */
  previous?: ResultValue;
  mismatches: NarrativeMismatch[];
}

export interface ResultGroup {
  /** "Biochimie", "Microbiologie — Escherichia coli — Antibiogramme" */
  title: string;
  code?: ResultCode;
  specimen?: string;
  results: LabResult[];
  comments: string[];
}

export interface ResultsParty {
  name: string;
  id?: string;
  organisation?: string;
}

export interface ResultsReport {
  source: 'cda' | 'hprim';
  title?: string;
  patient: PatientIdentity & { displayName?: string };
  prescriber?: ResultsParty;
  laboratory?: ResultsParty;
  /** the biologist who validated (legal authenticator) */
  biologist?: ResultsParty;
  /** request / order number */
  requestNumber?: string;
  /** HPRIM sender and recipient lines */
  sender?: string;
  recipient?: string;
  dates: { report?: string; collected?: string; received?: string; validated?: string };
  groups: ResultGroup[];
  /** report-level comments (HPRIM TEX lines before any RES, CDA comment sections) */
  comments: string[];
  /** HPRIM free text, or the CDA narrative when there are no structured entries: shown as text */
  freeText?: string;
}

export type FlagLevel = 'normal' | 'low' | 'high' | 'abnormal' | 'critical' | 'other' | 'none';

/** The flag that applies: the laboratory's own, else the computed one. */
export function effectiveFlag(r: { flag?: string; computedFlag?: 'L' | 'H' }): string | undefined {
  return r.flag ?? r.computedFlag;
}

export function flagLevel(flag: string | undefined): FlagLevel {
  if (flag === undefined) return 'none';
  const f = flag.toUpperCase();
  if ((CRITICAL_FLAGS as readonly string[]).includes(f)) return 'critical';
  if ((LOW_FLAGS as readonly string[]).includes(f)) return 'low';
  if ((HIGH_FLAGS as readonly string[]).includes(f)) return 'high';
  if (ABNORMAL_FLAGS.has(f)) return 'abnormal';
  if (f === 'N') return 'normal';
  return 'other';
}

export function isAbnormal(r: { flag?: string; computedFlag?: 'L' | 'H' }): boolean {
  const level = flagLevel(effectiveFlag(r));
  return level === 'low' || level === 'high' || level === 'abnormal' || level === 'critical';
}

export function isCritical(r: { flag?: string }): boolean {
  return flagLevel(r.flag) === 'critical';
}

/** A flag computed from the range when the laboratory gave none; never overrides the laboratory. */
export function computeFlag(value: ResultValue, range: ReferenceRange | undefined, labFlag: string | undefined): 'L' | 'H' | undefined {
  if (labFlag !== undefined || !range || value.kind !== 'numeric' || value.comparator) return undefined;
  if (range.low !== undefined && value.value < range.low) return 'L';
  if (range.high !== undefined && value.value > range.high) return 'H';
  return undefined;
}

/** "1.42", "-8", "1,5" → number; undefined when not a plain decimal. */
export function parseDecimal(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export interface ResultsSummary {
  total: number;
  abnormal: number;
  critical: number;
  mismatches: number;
}

function allResults(report: ResultsReport): LabResult[] {
  return report.groups.flatMap((g) => g.results);
}

export function summarizeResults(reports: readonly ResultsReport[]): ResultsSummary {
  const rows = reports.flatMap(allResults);
  return {
    total: rows.length,
    abnormal: rows.filter(isAbnormal).length,
    critical: rows.filter(isCritical).length,
    mismatches: rows.filter((r) => r.mismatches.length > 0).length,
  };
}
