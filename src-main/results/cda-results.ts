// Laboratory results from a CDA R2 level 3 biology report (CR-BIO, TROD): read
// from the structured entries (IHE PALM "Laboratory Report Data Processing
// Entry": act → observations and organizers), never from the narrative. The
// narrative row a result points to is only compared with it, and any
// disagreement is reported on the result (the ANS glycaemia example gives a
// structured high bound of 3.89 where its text says 6.00).
import type { Element } from '@xmldom/xmldom';
import { parseCda, personName, type CdaDocument } from '../xdm/cda.js';
import { hl7DateToIso } from '../xdm/ins-status.js';
import { CDA_XML_LIMITS } from '../xdm/limits.js';
import { attr, childElements, descendants, firstChild, parseXmlBytesSafely, path, text } from '../xdm/safe-xml.js';
import {
  computeFlag,
  parseDecimal,
  type LabResult,
  type NarrativeMismatch,
  type ReferenceRange,
  type ResultCode,
  type ResultGroup,
  type ResultsParty,
  type ResultsReport,
  type ResultValue,
} from './model.js';

const LOINC = '2.16.840.1.113883.6.1';
const LAB_ENTRY_TEMPLATE = '1.3.6.1.4.1.19376.1.3.1';
/** document codes of a biology report (CR-BIO) and of a rapid diagnostic test (TROD) */
const BIOLOGY_DOC_CODES = new Set(['11502-2', '96173-0']);
const COMMENT_CODE = '48767-8';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface CdaResults {
  report: ResultsReport;
  cda: CdaDocument;
}

/** True when a CDA is a biology report or carries laboratory entries. */
export function isBiologyCda(root: Element): boolean {
  const code = attr(firstChild(root, 'code'), 'code');
  if (code && BIOLOGY_DOC_CODES.has(code)) return true;
  return descendants(root, 'templateId').some((t) => attr(t, 'root') === LAB_ENTRY_TEMPLATE);
}

export function parseCdaResultsBytes(bytes: Uint8Array): CdaResults {
  const doc = parseXmlBytesSafely(bytes, CDA_XML_LIMITS);
  return parseCdaResults(doc.documentElement!);
}

export function parseCdaResults(root: Element, cda: CdaDocument = parseCda(root)): CdaResults {
  const ids = narrativeIds(root);
  const groups: ResultGroup[] = [];
  const comments: string[] = [];
  const body = path(root, 'component', 'structuredBody');
  if (body) for (const s of childElements(body, 'component')) walkSection(firstChild(s, 'section'), [], groups, comments, ids);
  const report: ResultsReport = {
    source: 'cda',
    ...(cda.title ? { title: cda.title } : {}),
    patient: { ...cda.patient, ...displayName(cda) },
    ...party('prescriber', prescriber(root)),
    ...party('laboratory', laboratory(root, cda)),
    ...party('biologist', cda.legalAuthenticator ? { name: cda.legalAuthenticator.name, ...(cda.legalAuthenticator.id?.extension ? { id: cda.legalAuthenticator.id.extension } : {}) } : undefined),
    ...opt('requestNumber', attr(path(root, 'inFulfillmentOf', 'order', 'id'), 'extension')),
    dates: compact({
      report: isoTime(cda.effectiveTime),
      collected: isoTime(collectionTime(root)),
      received: isoTime(attr(path(root, 'documentationOf', 'serviceEvent', 'effectiveTime', 'low'), 'value')),
      validated: isoTime(cda.legalAuthenticator?.time),
    }),
    groups,
    comments,
  };
  if (groups.length === 0 && body) {
    const narrative = text(body);
    if (narrative) report.freeText = narrative;
  }
  return { report, cda };
}

// ---- header

function displayName(cda: CdaDocument): { displayName?: string } {
  const t = cda.patient.traits;
  const n = [t.birthName, t.firstGivenName].filter(Boolean).join(' ');
  return n ? { displayName: n } : {};
}

function prescriber(root: Element): ResultsParty | undefined {
  const p = childElements(root, 'participant').find((x) => attr(x, 'typeCode') === 'REF');
  const entity = firstChild(p, 'associatedEntity');
  if (!entity) return undefined;
  const name = personName(path(entity, 'associatedPerson', 'name'));
  const org = text(path(entity, 'scopingOrganization', 'name'));
  if (!name && !org) return undefined;
  const id = attr(firstChild(entity, 'id'), 'extension');
  return { name: name || org!, ...(id ? { id } : {}), ...(org ? { organisation: org } : {}) };
}

function laboratory(root: Element, cda: CdaDocument): ResultsParty | undefined {
  const responsible = path(root, 'componentOf', 'encompassingEncounter', 'responsibleParty', 'assignedEntity', 'representedOrganization');
  const performer = path(root, 'documentationOf', 'serviceEvent', 'performer', 'assignedEntity', 'representedOrganization');
  const org = responsible ?? performer;
  const name = text(firstChild(org, 'name')) ?? cda.authors.find((a) => a.organisation)?.organisation ?? cda.custodian;
  if (!name) return undefined;
  const id = attr(firstChild(org, 'id'), 'extension');
  return { name, ...(id ? { id } : {}) };
}

function collectionTime(root: Element): string | undefined {
  const prelv = childElements(root, 'participant').find((x) => attr(x, 'typeCode') === 'PRF' && attr(firstChild(x, 'functionCode'), 'code') === 'PRELV');
  const time = firstChild(prelv, 'time');
  return attr(time, 'value') ?? attr(firstChild(time, 'high'), 'value') ?? attr(firstChild(time, 'low'), 'value');
}

/** HL7 TS "20210104160500+0100" → "2021-01-04T16:05:00+01:00" (or the date alone). */
function isoTime(ts: string | undefined): string | undefined {
  if (!ts) return undefined;
  const m = /^(\d{8})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts);
  if (!m) return undefined;
  const date = hl7DateToIso(m[1]!);
  if (!date || !m[2]) return date;
  const zone = m[5] ? `${m[5].slice(0, 3)}:${m[5].slice(3)}` : '';
  return `${date}T${m[2]}:${m[3] ?? '00'}:${m[4] ?? '00'}${zone}`;
}

// ---- body

function walkSection(section: Element | undefined, titles: string[], groups: ResultGroup[], comments: string[], ids: Map<string, Element>): void {
  if (!section) return;
  const title = text(firstChild(section, 'title')) ?? codeOf(firstChild(section, 'code'), ids)?.display;
  const here = title ? [...titles, title] : titles;
  for (const entry of childElements(section, 'entry')) {
    const act = firstChild(entry, 'act');
    if (!act || !isLabEntry(entry, act)) continue;
    const group = newGroup(here, codeOf(firstChild(act, 'code'), ids));
    groups.push(group);
    walkContainer(act, 'entryRelationship', here, group, groups, ids, undefined);
  }
  // a comment section of its own (CR-BIO "Commentaire" 55112-7) is shown with the report
  if (attr(firstChild(section, 'code'), 'code') === '55112-7') {
    const t = text(firstChild(section, 'text'));
    if (t) comments.push(title ? `${title} : ${t}` : t);
  }
  for (const c of childElements(section, 'component')) walkSection(firstChild(c, 'section'), here, groups, comments, ids);
  // drop groups left empty (procedure-only entries)
  for (let i = groups.length - 1; i >= 0; i--) if (groups[i]!.results.length === 0 && groups[i]!.comments.length === 0) groups.splice(i, 1);
}

function isLabEntry(entry: Element, act: Element): boolean {
  const templates = [...childElements(entry, 'templateId'), ...childElements(act, 'templateId')].map((t) => attr(t, 'root'));
  if (templates.includes(LAB_ENTRY_TEMPLATE)) return true;
  return childElements(act, 'entryRelationship').some((r) => firstChild(r, 'observation') || firstChild(r, 'organizer'));
}

function newGroup(titles: string[], code: ResultCode | undefined): ResultGroup {
  return { title: titles.join(' — ') || code?.display || 'Résultats', ...(code ? { code } : {}), results: [], comments: [] };
}

/** Children of an act (entryRelationship) or an organizer (component): observations, batteries, specimens, comments. */
function walkContainer(el: Element, link: 'entryRelationship' | 'component', titles: string[], group: ResultGroup, groups: ResultGroup[], ids: Map<string, Element>, specimen: string | undefined): void {
  for (const rel of childElements(el, link)) {
    const obs = firstChild(rel, 'observation');
    const org = firstChild(rel, 'organizer');
    const proc = firstChild(rel, 'procedure');
    const act = firstChild(rel, 'act');
    if (obs) {
      const parsed = observation(obs, ids, specimen);
      if (!parsed) continue;
      const { result, labelCell: cell } = parsed;
      const prev = group.results.at(-1);
      if (prev && cell && LABEL_CELLS.get(prev) === cell) {
        (prev.alternate ??= []).push({
          value: result.value,
          ...(result.range ? { range: result.range } : {}),
          ...(result.flag ? { flag: result.flag } : {}),
          ...(result.computedFlag ? { computedFlag: result.computedFlag } : {}),
        });
        prev.mismatches.push(...result.mismatches);
      } else {
        if (cell) LABEL_CELLS.set(result, cell);
        group.results.push(result);
      }
    } else if (org) {
      // a CLUSTER around an isolate names the germ; a BATTERY names the panel
      const isolate = specimenOf(org, ids);
      const label = isolate ?? codeOf(firstChild(org, 'code'), ids)?.display;
      const sub = newGroup(label ? [...titles, label] : titles, codeOf(firstChild(org, 'code'), ids));
      const spec = specimen ?? group.specimen;
      if (spec) sub.specimen = spec;
      groups.push(sub);
      walkContainer(org, 'component', label ? [...titles, label] : titles, sub, groups, ids, spec);
    } else if (proc) {
      // specimen collection procedure (microbiology): names the specimen of the whole entry
      const s = codeOf(firstChild(proc, 'code'), ids)?.display;
      const site = codeOf(firstChild(proc, 'targetSiteCode'), ids)?.display;
      const spec = [s, site].filter(Boolean).join(', ');
      if (spec) group.specimen = spec;
    } else if (act && attr(firstChild(act, 'code'), 'code') === COMMENT_CODE) {
      const t = resolvedText(firstChild(act, 'text'), ids);
      if (t) group.comments.push(t);
    }
  }
}

/** The narrative cell naming each result, to join the rows of one analysis given in two units. */
const LABEL_CELLS = new WeakMap<LabResult, Element>();

function specimenOf(el: Element, ids: Map<string, Element>): string | undefined {
  const entity = path(el, 'specimen', 'specimenRole', 'specimenPlayingEntity');
  return entity ? codeOf(firstChild(entity, 'code'), ids)?.display : undefined;
}

function observation(obs: Element, ids: Map<string, Element>, specimen: string | undefined): { result: LabResult; labelCell?: Element } | undefined {
  const codeEl = firstChild(obs, 'code');
  const code = codeOf(codeEl, ids);
  const valueEl = firstChild(obs, 'value');
  if (!valueEl) return undefined;
  const value = valueOf(valueEl, ids);
  if (!value) return undefined;
  const range = rangeOf(firstChild(firstChild(firstChild(obs, 'referenceRange'), 'observationRange'), 'value'), firstChild(firstChild(obs, 'referenceRange'), 'observationRange'), ids);
  const flag = attr(firstChild(obs, 'interpretationCode'), 'code');
  const computedFlag = computeFlag(value, range, flag);
  const refEl = referenced(firstChild(codeEl, 'originalText'), ids);
  const row = refEl ? ancestor(refEl, 'tr') : undefined;
  const label = labelOf(refEl, row, value) ?? code?.display ?? code?.code ?? 'Résultat';
  const comments: string[] = [];
  let previous: ResultValue | undefined;
  for (const rel of childElements(obs, 'entryRelationship')) {
    const act = firstChild(rel, 'act');
    if (act && attr(firstChild(act, 'code'), 'code') === COMMENT_CODE) {
      const t = resolvedText(firstChild(act, 'text'), ids);
      if (t) comments.push(t);
    }
    const prev = firstChild(rel, 'observation');
    if (prev && attr(rel, 'typeCode') === 'REFR') {
      const v = firstChild(prev, 'value');
      previous = v ? valueOf(v, ids) : undefined;
    }
  }
  const date = isoTime(attr(firstChild(obs, 'effectiveTime'), 'value'));
  const status = attr(firstChild(obs, 'statusCode'), 'code');
  const spec = specimenOf(obs, ids) ?? specimen;
  const cell = row ? labelCell(row) : undefined;
  const result: LabResult = {
    label,
    ...(code?.code ? { code: { ...code, code: code.code } as ResultCode } : {}),
    value,
    ...(range ? { range } : {}),
    ...(flag ? { flag } : {}),
    ...(computedFlag ? { computedFlag } : {}),
    comments,
    ...(spec ? { specimen: spec } : {}),
    ...(date ? { date } : {}),
    ...(status ? { status } : {}),
    ...(previous ? { previous } : {}),
    mismatches: row ? compareWithNarrative(row, value, range) : [],
  };
  return { result, ...(cell ? { labelCell: cell } : {}) };
}

function valueOf(el: Element, ids: Map<string, Element>): ResultValue | undefined {
  const type = (el.getAttributeNS(XSI, 'type') ?? attr(el, 'xsi:type') ?? '').replace(/^.*:/, '');
  if (type === 'PQ' || type === 'REAL' || type === 'INT' || type === 'MO') {
    const t = attr(el, 'value');
    const n = parseDecimal(t);
    if (n === undefined || t === undefined) return undefined;
    const unit = ucum(attr(el, 'unit'));
    return { kind: 'numeric', value: n, text: t, ...(unit ? { unit } : {}) };
  }
  if (type === 'IVL_PQ') {
    // a value given as a bound only (CMI "≤ 0.128")
    const low = firstChild(el, 'low');
    const high = firstChild(el, 'high');
    const bound = high ?? low;
    const t = attr(bound, 'value');
    const n = parseDecimal(t);
    if (!bound || n === undefined || t === undefined) return undefined;
    if (low && high) return { kind: 'text', text: `${attr(low, 'value')} – ${attr(high, 'value')}${attr(high, 'unit') ? ` ${attr(high, 'unit')}` : ''}` };
    const inclusive = attr(bound, 'inclusive') !== 'false';
    const comparator = high ? (inclusive ? '<=' : '<') : inclusive ? '>=' : '>';
    const unit = ucum(attr(bound, 'unit'));
    return { kind: 'numeric', value: n, text: t, comparator, ...(unit ? { unit } : {}) };
  }
  if (type === 'CD' || type === 'CE' || type === 'CV' || type === 'CO') {
    const c = codeOf(el, ids);
    const display = c?.display ?? c?.code;
    if (!display) return undefined;
    return { kind: 'coded', display, ...(c?.code ? { code: c.code } : {}), ...(c?.system ? { codeSystem: c.system } : {}) };
  }
  if (type === 'BL') {
    const v = attr(el, 'value');
    return v ? { kind: 'text', text: v === 'true' ? 'oui' : 'non' } : undefined;
  }
  const t = resolvedText(el, ids);
  return t ? { kind: 'text', text: t } : undefined;
}

function rangeOf(ivl: Element | undefined, observationRange: Element | undefined, ids: Map<string, Element>): ReferenceRange | undefined {
  const low = firstChild(ivl, 'low');
  const high = firstChild(ivl, 'high');
  const lowText = attr(low, 'value');
  const highText = attr(high, 'value');
  const unit = ucum(attr(high, 'unit') ?? attr(low, 'unit'));
  const rangeText = resolvedText(firstChild(observationRange, 'text'), ids) ?? (ivl && !low && !high ? text(ivl) : undefined);
  const lowN = parseDecimal(lowText);
  const highN = parseDecimal(highText);
  if (lowN === undefined && highN === undefined && !rangeText) return undefined;
  return {
    ...(lowN !== undefined ? { low: lowN, lowText: lowText! } : {}),
    ...(highN !== undefined ? { high: highN, highText: highText! } : {}),
    ...(unit ? { unit } : {}),
    ...(rangeText ? { text: rangeText } : {}),
  };
}

/** UCUM "1" means dimensionless: not worth showing. */
function ucum(unit: string | undefined): string | undefined {
  return unit && unit !== '1' ? unit : undefined;
}

function codeOf(el: Element | undefined, ids: Map<string, Element>): (ResultCode & { code?: string }) | undefined {
  if (!el) return undefined;
  // no code of its own (a local code only): the translation carries it
  const translation = firstChild(el, 'translation');
  const source = attr(el, 'code') ? el : (translation ?? el);
  const code = attr(source, 'code');
  const system = attr(source, 'codeSystem');
  const display = attr(el, 'displayName') ?? resolvedText(firstChild(el, 'originalText'), ids) ?? attr(translation, 'displayName');
  if (!code && !display) return undefined;
  return {
    code: code ?? '',
    ...(system ? { system } : {}),
    ...(system === LOINC ? { systemName: 'LOINC' } : attr(source, 'codeSystemName') ? { systemName: attr(source, 'codeSystemName')! } : {}),
    ...(display ? { display } : {}),
  };
}

// ---- narrative: ID targets, labels, and the structure/text comparison

function narrativeIds(root: Element): Map<string, Element> {
  const map = new Map<string, Element>();
  const body = path(root, 'component', 'structuredBody');
  if (!body) return map;
  for (const section of descendants(body, 'section')) {
    const t = firstChild(section, 'text');
    if (!t) continue;
    const stack: Element[] = [t];
    while (stack.length) {
      const el = stack.pop()!;
      const id = attr(el, 'ID');
      if (id && !map.has(id)) map.set(id, el);
      stack.push(...childElements(el));
    }
  }
  return map;
}

function referenced(el: Element | undefined, ids: Map<string, Element>): Element | undefined {
  const ref = attr(firstChild(el, 'reference'), 'value');
  return ref ? ids.get(ref.replace(/^#/, '')) : undefined;
}

/** Text of an element, or of the narrative element its <reference> points to. */
function resolvedText(el: Element | undefined, ids: Map<string, Element>): string | undefined {
  if (!el) return undefined;
  const target = referenced(el, ids);
  if (target) return text(target);
  return firstChild(el, 'reference') ? undefined : text(el);
}

function ancestor(el: Element, localName: string): Element | undefined {
  for (let p = el.parentNode; p; p = p.parentNode) if (p.nodeType === 1 && (p as Element).localName === localName) return p as Element;
  return undefined;
}

/** The analysis name: the referenced text when it names the analysis, else the first cell of its row. */
function labelOf(refEl: Element | undefined, row: Element | undefined, value: ResultValue): string | undefined {
  if (!refEl) return undefined;
  const cell = ancestor(refEl, 'td') ?? ancestor(refEl, 'th');
  const refIsFirstCell = cell !== undefined && row !== undefined && labelCell(row) === cell;
  if (refIsFirstCell || !row) return leadText(refIsFirstCell ? cell : refEl) ?? text(refEl);
  const own = text(refEl);
  if (own && !(value.kind === 'numeric' && numbersIn(own).includes(value.value))) return own;
  // the reference points to the value cell: the label is the row's first cell, or the cell spanning it from above
  const first = labelCell(row);
  return first ? leadText(first) : undefined;
}

function cellsOf(row: Element): Element[] {
  return childElements(row).filter((c) => c.localName === 'td' || c.localName === 'th');
}

function labelCell(row: Element): Element | undefined {
  const cells = cellsOf(row);
  const width = Math.max(...childElements(row.parentNode as Element, 'tr').map((r) => cellsOf(r).length));
  if (cells.length >= width) return cells[0];
  for (let p = row.previousSibling; p; p = p.previousSibling) {
    if (p.nodeType !== 1) continue;
    const first = cellsOf(p as Element)[0];
    if (first && Number(attr(first, 'rowspan') ?? '1') > 1) return first;
  }
  return undefined;
}

/** Text up to the first <br/> ("Glycémie à jeun" without the method line under it). */
function leadText(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  let out = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === 'br') {
      if (out.trim()) break;
      continue;
    }
    out += c.textContent ?? '';
  }
  const t = out.replace(/\s+/g, ' ').trim();
  return t || text(el);
}

function numbersIn(s: string): number[] {
  // "120 000" is one number (French thousands separator)
  return [...s.replace(/(\d)[\s\u00a0\u202f](?=\d{3}\b)/g, '$1').matchAll(/-?\d+(?:[.,]\d+)?/g)].map((m) => Number(m[0].replace(',', '.')));
}

function compareWithNarrative(row: Element, value: ResultValue, range: ReferenceRange | undefined): NarrativeMismatch[] {
  const cells = cellsOf(row);
  const label = labelCell(row);
  const rest = cells.filter((c) => c !== label).map((c) => text(c) ?? '');
  const out: NarrativeMismatch[] = [];
  if (value.kind === 'numeric') {
    const numbers = rest.flatMap(numbersIn);
    if (numbers.length && !numbers.includes(value.value)) out.push({ field: 'value', structured: value.text, narrative: rest.join(' ') });
  }
  if (range && (range.low !== undefined || range.high !== undefined)) {
    const m = rest.map((c) => /(-?\d+(?:[.,]\d+)?)\s*[-–à]\s*(-?\d+(?:[.,]\d+)?)/.exec(c)).find(Boolean);
    if (m) {
      const [lo, hi] = [Number(m[1]!.replace(',', '.')), Number(m[2]!.replace(',', '.'))];
      if (range.low !== undefined && range.low !== lo) out.push({ field: 'low', structured: range.lowText!, narrative: m[1]! });
      if (range.high !== undefined && range.high !== hi) out.push({ field: 'high', structured: range.highText!, narrative: m[2]! });
    }
  }
  return out;
}

// ---- small helpers

function party(key: 'prescriber' | 'laboratory' | 'biologist', p: ResultsParty | undefined): Partial<ResultsReport> {
  return p && p.name ? { [key]: p } : {};
}

function opt<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v ? ({ [key]: v } as Record<K, string>) : {};
}

function compact<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}
