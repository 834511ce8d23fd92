// Results as the window shows them: French strings ready for display (the
// renderer formats nothing medical itself), one shape for the contract
// (src-main/ipc/contract.ts ResultsPanel) and for the printout.
import type { ResultsDocument } from './extract.js';
import { flagLevel, effectiveFlag, isCritical, summarizeResults, type AlternateMeasure, type FlagLevel, type LabResult, type ResultsSummary } from './model.js';
import { abnormalSummaryFr, dateFr, flagLabelFr, mismatchFr, patientLineFr, rangeFr, sourceFr, unitFr, valueFr } from './format-fr.js';

export interface ResultCellsView {
  value: string;
  unit: string;
  range: string;
  flag: string;
  level: FlagLevel;
  computed: boolean;
}

export interface ResultRowView extends ResultCellsView {
  label: string;
  code?: string;
  alternates: ResultCellsView[];
  notes: string[];
  mismatch: boolean;
}

export interface ResultsDocumentView {
  title: string;
  source: 'cda' | 'hprim';
  sourceText: string;
  origin: string;
  patient: string;
  laboratory?: string;
  biologist?: string;
  prescriber?: string;
  requestNumber?: string;
  dates: string;
  summary: ResultsSummary;
  /** one sentence for screen readers and the printout */
  abnormalSummary: string;
  criticalLabels: string[];
  groups: { title: string; specimen?: string; rows: ResultRowView[]; comments: string[] }[];
  comments: string[];
  freeText: string | null;
  /** `partId`: what attachment.open takes to open it (`<attachment id>/pdf/<n>`) */
  pdf: { filename: string; size: number; partId?: string } | null;
}

export interface ResultsPanelView {
  summary: ResultsSummary;
  documents: ResultsDocumentView[];
  /** French lines: attachments that could not be read */
  errors: string[];
}

function cells(x: { value: LabResult['value']; range?: LabResult['range']; flag?: string; computedFlag?: 'L' | 'H' }): ResultCellsView {
  return {
    value: valueFr(x.value),
    unit: x.value.kind === 'numeric' ? unitFr(x.value.unit) : '',
    range: rangeFr(x.range),
    flag: flagLabelFr(x),
    level: flagLevel(effectiveFlag(x)),
    computed: x.flag === undefined && x.computedFlag !== undefined,
  };
}

function rowView(r: LabResult): ResultRowView {
  return {
    label: r.label,
    ...(r.code ? { code: `${r.code.systemName ?? r.code.system ?? ''} ${r.code.code}`.trim() } : {}),
    ...cells(r),
    alternates: (r.alternate ?? []).map((a: AlternateMeasure) => cells(a)),
    notes: [
      ...r.mismatches.map((m) => `Discordance — ${mismatchFr(m)}`),
      ...r.comments,
      ...(r.previous ? [`Résultat antérieur : ${valueFr(r.previous)}`] : []),
    ],
    mismatch: r.mismatches.length > 0,
  };
}

function documentView(doc: ResultsDocument): ResultsDocumentView {
  const r = doc.report;
  const dates = [
    r.dates.collected ? `prélevé le ${dateFr(r.dates.collected)}` : '',
    r.dates.validated ? `validé le ${dateFr(r.dates.validated)}` : '',
    r.dates.report ? `compte rendu du ${dateFr(r.dates.report)}` : '',
  ].filter(Boolean).join(', ');
  return {
    title: r.title ?? 'Résultats d’analyses',
    source: r.source,
    sourceText: sourceFr(r),
    origin: `${doc.origin.filename ?? ''}${doc.origin.documentNumber ? ` (document ${doc.origin.documentNumber})` : ''}`,
    patient: patientLineFr(r),
    ...(r.laboratory ? { laboratory: r.laboratory.name } : {}),
    ...(r.biologist ? { biologist: r.biologist.name } : {}),
    ...(r.prescriber ? { prescriber: r.prescriber.name } : {}),
    ...(r.requestNumber ? { requestNumber: r.requestNumber } : {}),
    dates,
    summary: summarizeResults([r]),
    abnormalSummary: abnormalSummaryFr(r),
    criticalLabels: r.groups.flatMap((g) => g.results).filter(isCritical).map((x) => x.label),
    groups: r.groups.map((g) => ({ title: g.title, ...(g.specimen ? { specimen: g.specimen } : {}), rows: g.results.map(rowView), comments: g.comments })),
    comments: r.comments,
    freeText: r.freeText && (r.source === 'hprim' || r.groups.length === 0) ? r.freeText : null,
    pdf: doc.pdf ? { filename: doc.pdf.filename, size: doc.pdf.bytes.length } : null,
  };
}

export function resultsPanel(docs: readonly ResultsDocument[], errors: readonly string[] = []): ResultsPanelView {
  return { summary: summarizeResults(docs.map((d) => d.report)), documents: docs.map(documentView), errors: [...errors] };
}
