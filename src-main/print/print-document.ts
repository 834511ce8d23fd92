// A message (and its laboratory results) as one self-contained HTML page for
// printing or PDF export, with the running header (patient, laboratory, print
// date and time) and footer (page numbers) as Chromium's print templates. Pure:
// the same page goes to Electron's printToPDF in the app and to Chromium
// (playwright-core) in the CLI. Every string from the mail is escaped; the page
// has no script and references nothing outside itself.
import { escapeHtml } from '../xdm/cda-render.js';
import type { ResultsDocumentView, ResultsPanelView } from '../results/view.js';

export interface PrintableMessage {
  subject: string;
  from: string;
  to: string;
  /** ISO date of the message */
  date: string | null;
  text: string | null;
  results: ResultsPanelView | null;
}

export interface PrintDocument {
  title: string;
  html: string;
  /** Chromium print templates (class pageNumber / totalPages / date are filled by Chromium) */
  headerTemplate: string;
  footerTemplate: string;
}

const e = escapeHtml;

function frenchDateTime(d: Date): string {
  return d.toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
}

/** What the running header names: the patient and laboratory of the first results, when there are some. */
export function printHeaderFields(m: PrintableMessage, printedAt: Date): { patient: string; laboratory: string; printed: string } {
  const doc = m.results?.documents[0];
  return {
    patient: doc ? doc.patient.replace(/ — INS.*$/, '') : '',
    laboratory: doc?.laboratory ?? '',
    printed: `Imprimé le ${frenchDateTime(printedAt)}`,
  };
}

export function printDocument(m: PrintableMessage, printedAt: Date, view: 'message' | 'results' = 'message'): PrintDocument {
  const h = printHeaderFields(m, printedAt);
  const headerTemplate = `<div style="font-size:8px;width:100%;padding:0 12mm;display:flex;justify-content:space-between;font-family:sans-serif">
<span>${h.patient ? `Patient : ${e(h.patient)}` : e(m.subject)}</span><span>${h.laboratory ? `Laboratoire : ${e(h.laboratory)}` : ''}</span><span>${e(h.printed)}</span></div>`;
  const footerTemplate = `<div style="font-size:8px;width:100%;text-align:center;font-family:sans-serif">Page <span class="pageNumber"></span> sur <span class="totalPages"></span></div>`;
  const body: string[] = [];
  if (view === 'message') {
    body.push(`<h1>${e(m.subject || '(sans objet)')}</h1>`, '<dl class="meta">', `<dt>De</dt><dd>${e(m.from)}</dd>`, `<dt>À</dt><dd>${e(m.to)}</dd>`);
    if (m.date) body.push(`<dt>Date</dt><dd>${e(frenchDateTime(new Date(m.date)))}</dd>`);
    body.push('</dl>');
  }
  if (m.results) {
    if (m.results.summary.critical) {
      const labels = m.results.documents.flatMap((d) => d.criticalLabels);
      body.push(`<p class="critical">‼ ${m.results.summary.critical === 1 ? 'Résultat critique' : `${m.results.summary.critical} résultats critiques`} : ${e(labels.join(', '))}</p>`);
    }
    for (const d of m.results.documents) body.push(resultsHtml(d));
  }
  if (view === 'message' && m.text) body.push(`<pre class="text">${e(m.text)}</pre>`);
  const title = m.results?.documents[0]?.title ?? m.subject;
  const html = `<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(title)}</title><style>${STYLE}</style></head><body>${body.join('\n')}</body></html>`;
  return { title, html, headerTemplate, footerTemplate };
}

function resultsHtml(d: ResultsDocumentView): string {
  const out: string[] = [`<section><h2>${e(d.title)} <small>— ${e(d.sourceText)}</small></h2>`];
  out.push(`<p class="who">Patient : ${e(d.patient)}${d.laboratory ? `<br>Laboratoire : ${e(d.laboratory)}` : ''}${d.biologist ? ` · Biologiste : ${e(d.biologist)}` : ''}${d.prescriber ? ` · Prescripteur : ${e(d.prescriber)}` : ''}${d.dates ? `<br>${e(d.dates)}` : ''}</p>`);
  out.push(`<p class="summary">${e(d.abnormalSummary)}</p>`);
  for (const g of d.groups) {
    out.push(`<table><caption>${e(g.title)}${g.specimen ? ` — échantillon : ${e(g.specimen)}` : ''}</caption>`);
    out.push('<thead><tr><th scope="col">Analyse</th><th scope="col">Résultat</th><th scope="col">Unité</th><th scope="col">Valeurs de référence</th><th scope="col">Interprétation</th></tr></thead><tbody>');
    for (const r of g.rows) {
      const out1 = r.level === 'low' || r.level === 'high' || r.level === 'abnormal' || r.level === 'critical';
      out.push(`<tr${out1 ? ' class="out"' : ''}><th scope="row" rowspan="${1 + r.alternates.length}">${e(r.label)}</th><td>${e(r.value)}</td><td>${e(r.unit)}</td><td>${e(r.range)}</td><td>${e(r.flag)}${r.mismatch ? ' ⚠ discordance' : ''}</td></tr>`);
      for (const a of r.alternates) out.push(`<tr><td>${e(a.value)}</td><td>${e(a.unit)}</td><td>${e(a.range)}</td><td>${e(a.flag)}</td></tr>`);
      if (r.notes.length) out.push(`<tr class="notes"><td colspan="5">${r.notes.map(e).join('<br>')}</td></tr>`);
    }
    out.push('</tbody></table>');
    for (const c of g.comments) out.push(`<p class="comment">${e(c)}</p>`);
  }
  for (const c of d.comments) out.push(`<p class="comment">${e(c)}</p>`);
  if (d.freeText) out.push(`<pre class="text">${e(d.freeText)}</pre>`);
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
body{font-family:sans-serif;font-size:10pt;color:#000;margin:0}
h1{font-size:14pt;margin:0 0 4pt}h2{font-size:12pt;margin:10pt 0 2pt}h2 small{font-weight:normal}
dl.meta{display:grid;grid-template-columns:auto 1fr;gap:0 8pt;margin:0 0 8pt}dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;width:100%;margin:4pt 0;page-break-inside:auto}tr{page-break-inside:avoid}
caption{text-align:left;font-weight:bold;padding:2pt 0}
th,td{text-align:left;border-bottom:0.5pt solid #888;padding:2pt 4pt;vertical-align:top}tbody th{font-weight:normal}
tr.out td{font-weight:bold}.notes td{font-size:9pt;color:#333}
.critical{border:1.5pt solid #000;padding:4pt;font-weight:bold}
.who,.summary,.comment{margin:2pt 0}pre.text{white-space:pre-wrap;font-family:inherit}`;
