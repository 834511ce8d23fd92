// Renders a CDA R2 document as a French HTML fragment. Built by construction
// from escaped text and a fixed set of tags/attributes: no script, no event
// handler, no style, no href/src (nothing remote is ever referenced), so the
// output passes DOMPurify unchanged. Embedded files are listed, not inlined.
import type { Element } from '@xmldom/xmldom';
import { parseCdaBytes, type CdaAttachment, type CdaDocument, type CdaPerson } from './cda.js';
import { describeInsFr } from './ins-status.js';
import { attr, childElements, firstChild, text } from './safe-xml.js';

export interface RenderedCda {
  /** HTML fragment (an <article>), safe to insert after DOMPurify */
  html: string;
  document: CdaDocument;
  attachments: CdaAttachment[];
}

export function renderCdaBytes(bytes: Uint8Array): RenderedCda {
  const document = parseCdaBytes(bytes);
  return { html: renderCda(document), document, attachments: document.attachments };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** HL7 TS "20210401171000+0100" → "01/04/2021 à 17:10" (time as written in the document). */
function formatHl7DateFr(ts: string | undefined): string | undefined {
  const m = ts ? /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?/.exec(ts) : null;
  if (!m) return ts;
  const [, y, mo, d, h, mi] = m;
  const date = [d, mo, y].filter(Boolean).join('/');
  return h ? `${date} à ${h}:${mi ?? '00'}` : date;
}

const SEX_FR: Record<string, string> = { M: 'masculin', F: 'féminin' };

function renderCda(doc: CdaDocument): string {
  const rows: [string, string][] = [];
  if (doc.type) rows.push(['Type de document', escapeHtml(codeText(doc.type))]);
  if (doc.effectiveTime) rows.push(['Date du document', escapeHtml(formatHl7DateFr(doc.effectiveTime)!)]);
  rows.push(['Patient', patientHtml(doc)]);
  rows.push(['INS', insHtml(doc)]);
  for (const a of doc.authors) rows.push(['Auteur', escapeHtml(personText(a))]);
  if (doc.legalAuthenticator) rows.push(['Responsable', escapeHtml(personText(doc.legalAuthenticator))]);
  if (doc.custodian) rows.push(['Conservé par', escapeHtml(doc.custodian)]);
  if (doc.confidentiality) rows.push(['Confidentialité', escapeHtml(doc.confidentiality.display ?? doc.confidentiality.code ?? '')]);

  const header =
    `<header class="cda-header"><h1>${escapeHtml(doc.title ?? doc.type?.display ?? 'Document CDA')}</h1><dl>` +
    rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('') +
    `</dl></header>`;
  return `<article class="cda-document">${header}<div class="cda-body">${bodyHtml(doc)}</div>${attachmentsHtml(doc.attachments)}</article>`;
}

function codeText(c: { code?: string; display?: string; codeSystem?: string }): string {
  const system = c.codeSystem === '2.16.840.1.113883.6.1' ? 'LOINC ' : '';
  return c.display && c.code ? `${c.display} (${system}${c.code})` : (c.display ?? c.code ?? '');
}

function patientHtml(doc: CdaDocument): string {
  const p = doc.patient;
  const t = p.traits;
  const name = [t.birthName, p.givenNames ?? t.firstGivenName].filter(Boolean).join(' ') || 'identité absente';
  const parts = [name];
  if (p.usedName) parts.push(`nom utilisé : ${p.usedName}`);
  if (t.birthDate) parts.push(`${t.sex === 'F' ? 'née' : 'né'} le ${t.birthDate.split('-').reverse().join('/')}`);
  if (t.sex) parts.push(`sexe ${SEX_FR[t.sex]}`);
  return escapeHtml(parts.join(', '));
}

function insHtml(doc: CdaDocument): string {
  const p = doc.patient;
  const status = describeInsFr(p);
  const cls = p.qualified ? 'cda-ins cda-ins-qualified' : 'cda-ins cda-ins-unqualified';
  const id = p.ins ? `${p.ins} — ` : '';
  return `<span class="${cls}">${escapeHtml(id + status)}</span>`;
}

function personText(a: CdaPerson): string {
  const bits = [a.name || 'auteur non nommé', a.role, a.organisation].filter(Boolean).join(', ');
  return a.time ? `${bits} (${formatHl7DateFr(a.time)})` : bits;
}

function bodyHtml(doc: CdaDocument): string {
  if (doc.bodyKind === 'structured' && doc.structuredBody) {
    const sections = childElements(doc.structuredBody, 'component').map((c) => firstChild(c, 'section'));
    return sections.map((s) => (s ? sectionHtml(s, 2, doc) : '')).join('');
  }
  if (doc.bodyKind === 'non-structured') {
    if (doc.nonXmlReference) return `<p class="cda-note">Le contenu du document est stocké ailleurs et n’est pas inclus dans ce message.</p>`;
    if (doc.nonXmlText !== undefined) return `<pre class="cda-text">${escapeHtml(doc.nonXmlText)}</pre>`;
    const a = doc.attachments.find((x) => x.id === 'document');
    return a ? `<p class="cda-note">Document non structuré : le contenu est le fichier joint ${escapeHtml(describeAttachment(a))}.</p>` : '';
  }
  return `<p class="cda-note">Ce document ne contient pas de corps.</p>`;
}

function sectionHtml(section: Element, level: number, doc: CdaDocument): string {
  const h = Math.min(level, 6);
  const title = text(firstChild(section, 'title'));
  const narrative = firstChild(section, 'text');
  const sub = childElements(section, 'component')
    .map((c) => firstChild(c, 'section'))
    .map((s) => (s ? sectionHtml(s, level + 1, doc) : ''))
    .join('');
  return (
    `<section class="cda-section">` +
    (title ? `<h${h}>${escapeHtml(title)}</h${h}>` : '') +
    (narrative ? `<div class="cda-narrative">${narrativeChildren(narrative, doc)}</div>` : '') +
    sub +
    `</section>`
  );
}

// CDA narrative block → HTML. Tags not listed render their children only;
// attributes are never copied except colspan/rowspan (digits only).
const SAME_TAG = new Set(['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'sub', 'sup', 'caption', 'colgroup', 'col']);
const VOID = new Set(['br', 'col']);

function narrativeChildren(el: Element, doc: CdaDocument): string {
  let out = '';
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 3 || n.nodeType === 4) out += escapeHtml((n.nodeValue ?? '').replace(/\s+/g, ' '));
    else if (n.nodeType === 1) out += narrativeElement(n as Element, doc);
  }
  return out;
}

function narrativeElement(el: Element, doc: CdaDocument): string {
  const name = el.localName ?? '';
  const inner = (): string => narrativeChildren(el, doc);
  switch (name) {
    case 'br':
      return '<br>';
    case 'paragraph':
      return `<p>${inner()}</p>`;
    case 'content':
      return styled(el, `<span>${inner()}</span>`);
    case 'list': {
      const tag = attr(el, 'listType') === 'ordered' ? 'ol' : 'ul';
      const caption = firstChild(el, 'caption');
      const items = childElements(el, 'item').map((i) => `<li>${narrativeChildren(i, doc)}</li>`).join('');
      return (caption ? `<p class="cda-caption">${narrativeChildren(caption, doc)}</p>` : '') + `<${tag}>${items}</${tag}>`;
    }
    case 'linkHtml':
      // Links are shown as text: a received document must not make the viewer fetch anything.
      return `<span class="cda-link">${inner()}</span>`;
    case 'footnote':
      return `<small class="cda-footnote">[${inner()}]</small>`;
    case 'footnoteRef':
      return '';
    case 'renderMultiMedia': {
      const ref = attr(el, 'referencedObject') ?? '';
      const a = doc.attachments.find((x) => x.id === ref);
      const label = a ? `Pièce jointe : ${describeAttachment(a)}` : 'Contenu multimédia non disponible';
      return `<span class="cda-attachment-ref"${a ? ` data-attachment-id="${escapeHtml(a.id)}"` : ''}>[${escapeHtml(label)}]</span>`;
    }
    default:
      if (el.namespaceURI === 'urn:hl7-org:v3' && SAME_TAG.has(name)) {
        const spans = ['colspan', 'rowspan']
          .map((a) => [a, attr(el, a)] as const)
          .filter(([, v]) => v !== undefined && /^\d{1,3}$/.test(v))
          .map(([a, v]) => ` ${a}="${v}"`)
          .join('');
        const open = `<${name}${spans}>`;
        // Emphasis goes inside table parts: <strong> cannot wrap a <th>.
        return VOID.has(name) ? open : `${open}${styled(el, inner())}</${name}>`;
      }
      return inner();
  }
}

function styled(el: Element, html: string): string {
  const styles = (attr(el, 'styleCode') ?? '').split(/\s+/);
  let out = html;
  if (styles.includes('Bold')) out = `<strong>${out}</strong>`;
  if (styles.includes('Italics')) out = `<em>${out}</em>`;
  if (styles.includes('Underline')) out = `<u>${out}</u>`;
  return out;
}

function describeAttachment(a: CdaAttachment): string {
  const kind = a.mediaType === 'application/pdf' ? 'PDF' : a.mediaType;
  return `${a.filename} (${kind}, ${formatSizeFr(a.bytes.length)})`;
}

function formatSizeFr(bytes: number): string {
  if (bytes < 1024) return `${bytes} octets`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}

function attachmentsHtml(list: CdaAttachment[]): string {
  if (list.length === 0) return '';
  const items = list
    .map((a) => {
      const warn = a.mediaTypeMismatch ? ' — attention : le contenu ne correspond pas au type annoncé' : '';
      return `<li data-attachment-id="${escapeHtml(a.id)}">${escapeHtml(describeAttachment(a) + warn)}</li>`;
    })
    .join('');
  return `<footer class="cda-attachments"><h2>Fichiers inclus dans le document</h2><ul>${items}</ul></footer>`;
}
