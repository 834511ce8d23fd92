import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabResult, ResultsReport } from '../../../src-main/results/model.js';

export const RESULTS_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'results');

export function resultsFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(RESULTS_FIXTURES, name)));
}

/** One row as a reader checks it: label, value (with comparator), unit, range, flag (lab's or "computed:X"). */
export function row(r: LabResult): [string, string, string, string, string] {
  const v = r.value;
  const value = v.kind === 'numeric' ? `${v.comparator ?? ''}${v.text}` : v.kind === 'coded' ? v.display : v.text;
  const unit = v.kind === 'numeric' ? (v.unit ?? '') : '';
  const range = r.range ? (r.range.text ?? `${r.range.lowText ?? ''}-${r.range.highText ?? ''}`) : '';
  const flag = r.flag ?? (r.computedFlag ? `computed:${r.computedFlag}` : '');
  return [r.label, value, unit, range, flag];
}

export function rows(report: ResultsReport): [string, string, string, string, string][] {
  return report.groups.flatMap((g) => g.results.map(row));
}
