// Results as a French plain-text table for the terminal. Every string from the
// document goes through termField (common/terminal-text.ts).
import { summarizeResults, isCritical, type ResultsReport } from './model.js';
import type { ResultsDocument } from './extract.js';
import { abnormalCountFr, criticalCountFr, dateFr, flagLabelFr, mismatchFr, patientLineFr, rangeFr, sourceFr, unitFr, valueFr } from './format-fr.js';
import { termField } from '../common/terminal-text.js';

const cell = (s: string): string => termField(s.replace(/[\t\n\r]+/g, ' '), Infinity);

export function resultsTextFr(docs: readonly ResultsDocument[]): string {
  if (!docs.length) return 'Aucun résultat d’analyses dans ce document.';
  return docs.map(documentText).join('\n\n');
}

function documentText(doc: ResultsDocument): string {
  const r = doc.report;
  const out: string[] = [];
  out.push(cell(`${r.title ?? 'Résultats d’analyses'} — ${sourceFr(r)}${doc.origin.filename ? ` (${doc.origin.filename}${doc.origin.documentNumber ? `, document ${doc.origin.documentNumber}` : ''})` : ''}`));
  out.push(cell(`Patient : ${patientLineFr(r)}`));
  const parties = [
    r.laboratory ? `Laboratoire : ${r.laboratory.name}` : '',
    r.biologist ? `Biologiste : ${r.biologist.name}` : '',
    r.prescriber ? `Prescripteur : ${r.prescriber.name}` : '',
    r.recipient ? `Destinataire : ${r.recipient}` : '',
    r.requestNumber ? `Demande n° ${r.requestNumber}` : '',
  ].filter(Boolean);
  if (parties.length) out.push(cell(parties.join(' · ')));
  const dates = [
    r.dates.collected ? `prélevé le ${dateFr(r.dates.collected)}` : '',
    r.dates.validated ? `validé le ${dateFr(r.dates.validated)}` : '',
    r.dates.report ? `compte rendu du ${dateFr(r.dates.report)}` : '',
  ].filter(Boolean);
  if (dates.length) out.push(cell(`Dates : ${dates.join(', ')}`));
  if (doc.pdf) out.push(cell(`Le laboratoire a joint le compte rendu en PDF (${doc.pdf.filename}).`));
  const s = summarizeResults([r]);
  if (s.critical) out.push(`‼ ${criticalCountFr(s.critical).toUpperCase()} : ${cell(r.groups.flatMap((g) => g.results).filter(isCritical).map((x) => x.label).join(', '))}`);
  if (s.abnormal) out.push(abnormalCountFr(s.abnormal));
  if (s.mismatches) out.push(`Attention : ${s.mismatches === 1 ? '1 résultat diffère' : `${s.mismatches} résultats diffèrent`} entre les données structurées et le texte du compte rendu (valeur structurée affichée).`);
  for (const g of r.groups) {
    out.push('', cell(g.title) + (g.specimen ? cell(` (échantillon : ${g.specimen})`) : ''));
    const rows: string[][] = [['Analyse', 'Résultat', 'Unité', 'Valeurs de référence', 'Interprétation']];
    const notes: string[] = [];
    for (const x of g.results) {
      rows.push([x.label, valueFr(x.value), x.value.kind === 'numeric' ? unitFr(x.value.unit) : '', rangeFr(x.range), flagLabelFr(x)].map(cell));
      for (const alt of x.alternate ?? []) rows.push(['', valueFr(alt.value), alt.value.kind === 'numeric' ? unitFr(alt.value.unit) : '', rangeFr(alt.range), flagLabelFr(alt)].map(cell));
      for (const m of x.mismatches) notes.push(cell(`  ⚠ ${x.label} — ${mismatchFr(m)}`));
      for (const c of x.comments) notes.push(cell(`  ${x.label} : ${c}`));
      if (x.previous) notes.push(cell(`  ${x.label} — résultat antérieur : ${valueFr(x.previous)}`));
    }
    out.push(...table(rows), ...notes, ...g.comments.map((c) => cell(`  ${c}`)));
  }
  if (r.comments.length) out.push('', 'Commentaires :', ...r.comments.map((c) => cell(`  ${c}`)));
  if (r.freeText && (r.source === 'hprim' || !r.groups.length)) out.push('', 'Texte du compte rendu :', ...r.freeText.split('\n').map((l) => cell(l)));
  return out.join('\n');
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.min(40, Math.max(...rows.map((r) => [...r[i]!].length))));
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function resultsJson(docs: readonly ResultsDocument[]): Record<string, unknown>[] {
  return docs.map((d) => ({
    origin: d.origin,
    ...(d.encoding ? { encoding: d.encoding } : {}),
    ...(d.pdf ? { pdf: { filename: d.pdf.filename, size: d.pdf.bytes.length } } : {}),
    summary: summarizeResults([d.report]),
    report: d.report as ResultsReport,
  }));
}
