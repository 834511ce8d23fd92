// French wording of results, shared by the CLI, the window and the printout:
// flag labels (with a symbol, so that out-of-range values never rely on colour
// alone), units as doctors read them, values and ranges as the laboratory wrote them.
import { describeInsFr } from '../xdm/ins-status.js';
import { effectiveFlag, flagLevel, isAbnormal, isCritical, type LabResult, type ReferenceRange, type ResultsReport, type ResultValue } from './model.js';

const FLAG_FR: Record<string, string> = {
  N: 'normal',
  L: 'bas',
  H: 'élevé',
  LL: 'critique bas',
  HH: 'critique élevé',
  LU: 'très bas',
  HU: 'très élevé',
  A: 'anormal',
  AA: 'critique anormal',
  W: 'défavorable',
  '<': 'sous le seuil de mesure',
  '>': 'au-dessus du seuil de mesure',
  S: 'sensible',
  I: 'intermédiaire',
  R: 'résistant',
  POS: 'positif',
  NEG: 'négatif',
  IND: 'indéterminé',
};

/** "▲ élevé", "▼ bas (calculé)", "‼ critique élevé", "normal", or '' when there is no flag. */
export function flagLabelFr(r: { flag?: string; computedFlag?: 'L' | 'H' }): string {
  const flag = effectiveFlag(r);
  if (flag === undefined) return '';
  const word = FLAG_FR[flag.toUpperCase()] ?? flag;
  const computed = r.flag === undefined && r.computedFlag !== undefined ? ' (calculé)' : '';
  return `${flagSymbol(r)}${flagSymbol(r) ? ' ' : ''}${word}${computed}`;
}

function flagSymbol(r: { flag?: string; computedFlag?: 'L' | 'H' }): string {
  const level = flagLevel(effectiveFlag(r));
  if (level === 'critical') return '‼';
  if (level === 'low') return '▼';
  if (level === 'high') return '▲';
  if (level === 'abnormal') return '●';
  return '';
}

const UNIT_FR: Record<string, string> = { 'm[IU]/L': 'mUI/L', '[IU]/L': 'UI/L', 'u[IU]/mL': 'µUI/mL', 'ug/mL': 'µg/mL', 'ug/L': 'µg/L', 'umol/L': 'µmol/L', '10*9/L': 'G/L', '10*12/L': 'T/L', '%': '%' };

/** UCUM as doctors read it ("m[IU]/L" → "mUI/L"); other units unchanged. */
export function unitFr(unit: string | undefined): string {
  return unit === undefined ? '' : (UNIT_FR[unit] ?? unit);
}

const COMPARATOR: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

export function valueFr(v: ResultValue): string {
  if (v.kind === 'numeric') return `${v.comparator ? `${COMPARATOR[v.comparator]} ` : ''}${v.text}`;
  return v.kind === 'coded' ? v.display : v.text;
}

export function rangeFr(r: ReferenceRange | undefined): string {
  if (!r) return '';
  if (r.lowText !== undefined && r.highText !== undefined) return `${r.lowText} – ${r.highText}`;
  if (r.highText !== undefined) return `≤ ${r.highText}`;
  if (r.lowText !== undefined) return `≥ ${r.lowText}`;
  return r.text ?? '';
}

/** "3 résultats anormaux", "1 résultat anormal". */
export function abnormalCountFr(n: number): string {
  return n === 1 ? '1 résultat anormal' : `${n} résultats anormaux`;
}

export function criticalCountFr(n: number): string {
  return n === 1 ? 'Résultat critique' : `${n} résultats critiques`;
}

export function mismatchFr(m: { field: 'value' | 'low' | 'high'; structured: string; narrative: string }): string {
  const what = m.field === 'value' ? 'valeur' : m.field === 'low' ? 'borne basse' : 'borne haute';
  return `${what} : ${m.structured} dans les données structurées, « ${m.narrative} » dans le texte du compte rendu`;
}

/** One sentence for screen readers and the printout: what is out of range. */
export function abnormalSummaryFr(report: ResultsReport): string {
  const rows = report.groups.flatMap((g) => g.results);
  const abnormal = rows.filter(isAbnormal);
  if (!abnormal.length) return rows.length ? 'Aucun résultat hors des valeurs de référence.' : 'Aucun résultat structuré.';
  const parts = abnormal.map((r) => `${r.label} ${valueFr(r.value)}${r.value.kind === 'numeric' && r.value.unit ? ` ${unitFr(r.value.unit)}` : ''} (${flagLabelFr(r).replace(/^[‼▼▲●] /, '')})`);
  const critical = rows.filter(isCritical).length;
  return `${critical ? `${criticalCountFr(critical)}. ` : ''}${abnormalCountFr(abnormal.length)} : ${parts.join(' ; ')}.`;
}

export function dateFr(iso: string | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso);
  if (!m) return iso;
  return `${m[3]}/${m[2]}/${m[1]}${m[4] ? ` ${m[4]}:${m[5]}` : ''}`;
}

export function patientLineFr(report: ResultsReport): string {
  const p = report.patient;
  const birth = p.traits.birthDate ? `, né(e) le ${dateFr(p.traits.birthDate)}` : '';
  return `${p.displayName ?? '(patient non nommé)'}${birth} — ${describeInsFr(p)}`;
}

export function sourceFr(report: ResultsReport): string {
  return report.source === 'cda' ? 'compte rendu de biologie structuré (CDA)' : 'fichier HPRIM';
}

export type { LabResult };
