// HPRIM Médecins result files (.hpr, .hpm, .hprim), as French laboratories
// still attach them to mails: a fixed header (lab reference, patient name,
// first name, address, birth date, NIR, request, date, sender, recipient), a
// free-text report, then a `****LAB****` block of `RES|` and `TEX|` lines up to
// `****FIN****`. Written here because no maintained npm parser exists. Pure:
// bytes in, model out; anything unreadable is an AppError('HPRIM_INVALID').
import { AppError } from '../errors/index.js';
import { evaluateIns } from '../xdm/ins-status.js';
import { computeFlag, parseDecimal, type AlternateMeasure, type LabResult, type ReferenceRange, type ResultsReport, type ResultValue } from './model.js';
import { decodeUnknownText, type TextEncodingName } from './text-encoding.js';

const HPRIM_MAX_BYTES = 4 * 1024 * 1024;
const HPRIM_EXTENSIONS = /\.(hpr|hpm|hprim|hpr2|hp2)$/i;
const DATE = /^(\d{2})\/?(\d{2})\/?(\d{4})$/;

export interface HprimFile {
  report: ResultsReport;
  encoding: TextEncodingName;
  /** no RES line: the file is a text report to show as is */
  textOnly: boolean;
}

/** By name or by content: the markers of the format. */
export function looksLikeHprim(filename: string | undefined, bytes: Uint8Array): boolean {
  if (filename && HPRIM_EXTENSIONS.test(filename)) return true;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64 * 1024));
  return head.includes('****LAB****') || /(^|\n)RES\|[^|\n]*\|/.test(head);
}

export function parseHprim(bytes: Uint8Array): HprimFile {
  if (bytes.length > HPRIM_MAX_BYTES) throw new AppError('HPRIM_INVALID', `HPRIM file of ${bytes.length} bytes, limit ${HPRIM_MAX_BYTES}`);
  const { text, encoding } = decodeUnknownText(bytes);
  // a text file has no NUL; binary content is not HPRIM whatever its name
  if (text.includes('\u0000')) throw new AppError('HPRIM_INVALID', 'binary content');
  const lines = text.split(/\r\n|\r|\n/);
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop();

  const header = readHeader(lines);
  const freeText: string[] = [];
  const results: LabResult[] = [];
  const comments: string[] = [];
  let inLab = false;
  for (let i = header.end; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = line.trim();
    if (marker === '****LAB****') {
      inLab = true;
      continue;
    }
    if (marker === '****FIN****' || marker === '****FINFICHIER****') {
      inLab = false;
      continue;
    }
    if (line.startsWith('RES|')) {
      results.push(resLine(line));
      continue;
    }
    if (line.startsWith('TEX|')) {
      const t = line.slice(4).trim();
      if (t) (results.at(-1)?.comments ?? comments).push(t);
      continue;
    }
    if (!inLab) freeText.push(line);
  }
  const body = freeText.join('\n').replace(/^\n+|\s+$/g, '');
  const patient = evaluateIns({
    ids: header.nir ? [{ id: header.nir }] : [],
    ...(header.name ? { birthName: header.name } : {}),
    ...(header.firstName ? { firstGivenName: header.firstName } : {}),
    ...(header.birthDate ? { birthDate: header.birthDate } : {}),
  });
  const displayName = [header.name, header.firstName].filter(Boolean).join(' ');
  const report: ResultsReport = {
    source: 'hprim',
    patient: { ...patient, ...(displayName ? { displayName } : {}) },
    ...(header.sender ? { laboratory: { name: header.sender } } : {}),
    ...(header.requestNumber ? { requestNumber: header.requestNumber } : {}),
    ...(header.sender ? { sender: header.sender } : {}),
    ...(header.recipient ? { recipient: header.recipient } : {}),
    dates: header.date ? { report: header.date } : {},
    groups: results.length ? [{ title: 'Résultats', results, comments: [] }] : [],
    comments,
    ...(body ? { freeText: body } : {}),
  };
  return { report, encoding, textOnly: results.length === 0 };
}

interface Header {
  end: number;
  labRef?: string;
  name?: string;
  firstName?: string;
  birthDate?: string;
  nir?: string;
  requestNumber?: string;
  date?: string;
  sender?: string;
  recipient?: string;
}

/** The header is there when line 7 is a birth date; lines 8–12 when line 10 is the request date. */
function readHeader(lines: string[]): Header {
  const at = (i: number): string | undefined => clean(lines[i]);
  if (lines.slice(0, 7).some((l) => /^(RES|TEX)\||^\*{4}/.test(l)) || !isoDate(at(6))) return { end: 0 };
  const h: Header = { end: 7, ...opt('labRef', at(0)), ...opt('name', at(1)), ...opt('firstName', at(2)), ...opt('birthDate', isoDate(at(6))) };
  if (isoDate(at(9)) && !lines.slice(7, 12).some((l) => /^(RES|TEX)\||^\*{4}/.test(l))) {
    const nir = at(7)?.replace(/\s+/g, '');
    h.end = 12;
    if (nir && /^[0-9]{13}([0-9]{2})?$/.test(nir)) h.nir = nir;
    Object.assign(h, opt('requestNumber', at(8)), opt('date', isoDate(at(9))), opt('sender', party(lines[10])), opt('recipient', party(lines[11])));
  }
  return h;
}

/** "SOLABIO    SOLABIO" / "MARTPA     MARTIN PAUL": a code, then the name. */
function party(line: string | undefined): string | undefined {
  const m = /^(\S+)\s{2,}(.+)$/.exec(line?.trim() ?? '');
  return m ? m[2]!.trim() : clean(line);
}

function clean(s: string | undefined): string | undefined {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

function isoDate(s: string | undefined): string | undefined {
  const m = s ? DATE.exec(s) : null;
  if (!m) return undefined;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[3]}-${m[2]}-${m[1]}`;
}

function opt<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v ? ({ [key]: v } as Record<K, string>) : {};
}

/** RES|label|code|type|value|unit|min|max|flag|status|value2|unit2|min2|max2 */
function resLine(line: string): LabResult {
  const f = line.split('|').map((x) => x.trim());
  const [, label, code, type, value, unit, min, max, flag, status, value2, unit2, min2, max2] = f;
  const v = valueOf(type, value, unit);
  const range = rangeOf(min, max, unit);
  const labFlag = flag ? flag.toUpperCase() : undefined;
  const computedFlag = computeFlag(v, range, labFlag);
  const alternate: AlternateMeasure[] = [];
  if (value2) {
    const v2 = valueOf(type, value2, unit2);
    const r2 = rangeOf(min2, max2, unit2);
    const c2 = computeFlag(v2, r2, undefined);
    alternate.push({ value: v2, ...(r2 ? { range: r2 } : {}), ...(c2 ? { computedFlag: c2 } : {}) });
  }
  return {
    label: label || code || 'Résultat',
    ...(code ? { code: { code, system: 'HPRIM' } } : {}),
    value: v,
    ...(range ? { range } : {}),
    ...(labFlag ? { flag: labFlag } : {}),
    ...(computedFlag ? { computedFlag } : {}),
    ...(alternate.length ? { alternate } : {}),
    comments: [],
    ...(status ? { status } : {}),
    mismatches: [],
  };
}

function valueOf(type: string | undefined, value: string | undefined, unit: string | undefined): ResultValue {
  const raw = value ?? '';
  const m = /^(<=|>=|<|>)?\s*(.+)$/.exec(raw);
  const n = parseDecimal(m?.[2]);
  if (type !== 'A' && n !== undefined && m) {
    const comparator = m[1] as '<' | '<=' | '>' | '>=' | undefined;
    return { kind: 'numeric', value: n, text: m[2]!, ...(unit ? { unit } : {}), ...(comparator ? { comparator } : {}) };
  }
  return { kind: 'text', text: raw };
}

/** min and max, or one packed range "2.20-2.60" / "-2 - 2" in the min field. */
function rangeOf(min: string | undefined, max: string | undefined, unit: string | undefined): ReferenceRange | undefined {
  let lowText = min;
  let highText = max;
  if (min && !max) {
    const packed = /^(-?\d+(?:[.,]\d+)?)\s*-\s*(-?\d+(?:[.,]\d+)?)$/.exec(min);
    if (packed) [lowText, highText] = [packed[1], packed[2]];
  }
  const low = parseDecimal(lowText);
  const high = parseDecimal(highText);
  if (low === undefined && high === undefined) {
    const text = [min, max].filter(Boolean).join(' – ');
    return text ? { text, ...(unit ? { unit } : {}) } : undefined;
  }
  return {
    ...(low !== undefined ? { low, lowText: lowText! } : {}),
    ...(high !== undefined ? { high, highText: highText! } : {}),
    ...(unit ? { unit } : {}),
  };
}
