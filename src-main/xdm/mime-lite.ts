// Just enough RFC 5322 / MIME to build and recognise read receipts: header
// unfolding, parameters, addresses, encoded words, and multipart splitting that
// tolerates the quirks of real MDNs (missing blank lines, junk after a
// boundary). Not a general MIME parser: the mail module owns that.
import { Buffer } from 'node:buffer';

export interface HeaderField {
  name: string;
  value: string;
}

export interface MimeEntity {
  headers: HeaderField[];
  /** body as a latin1 string (byte-preserving) */
  body: string;
}

/**
 * Splits a raw entity into headers and body. The header block ends at the
 * first empty line, or (tolerance for hand-made messages such as the ANS MDN
 * examples) at the first line that is neither a field nor a continuation.
 */
export function splitEntity(raw: string): MimeEntity {
  const lineRe = /\r?\n/g;
  let start = 0;
  let end = raw.length;
  let bodyStart = raw.length;
  for (;;) {
    const m = lineRe.exec(raw);
    const lineEnd = m ? m.index : raw.length;
    const line = raw.slice(start, lineEnd);
    const next = m ? m.index + m[0].length : raw.length;
    if (line === '') {
      end = start;
      bodyStart = next;
      break;
    }
    if (!HEADER_LINE.test(line) && !(/^[ \t]/.test(line) && start > 0)) {
      end = start;
      bodyStart = start;
      break;
    }
    if (!m) break;
    start = next;
  }
  return { headers: parseHeaderBlock(raw.slice(0, end)), body: raw.slice(bodyStart) };
}

const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

export function parseHeaderBlock(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const m = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(line);
    if (m) fields.push({ name: m[1]!, value: m[2]!.trim() });
  }
  return fields;
}

export function header(fields: readonly HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

/** "multipart/report; report-type=x; boundary=\"b\"" → { type, params } (names lowercased). */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const [type, ...rest] = splitOutsideQuotes(value, ';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    const k = p.slice(0, i).trim().toLowerCase();
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[k] = v;
  }
  return { type: (type ?? '').trim().toLowerCase(), params };
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' && s[i - 1] !== '\\') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Bare addresses of an address-list header ("Dr B <b@x.fr>, c@y.fr" → ["b@x.fr", "c@y.fr"]), lowercased domain. */
export function addresses(value: string | undefined): string[] {
  if (!value) return [];
  const noComments = value.replace(/\([^()]*\)/g, ' ');
  return splitOutsideQuotes(noComments, ',')
    .map((part) => {
      const angle = /<([^<>]*)>/.exec(part);
      const addr = (angle ? angle[1]! : part.replace(/"[^"]*"/g, '')).trim();
      return /^[^\s@]+@[^\s@]+$/.test(addr) ? normaliseAddress(addr) : '';
    })
    .filter(Boolean);
}

export function normaliseAddress(addr: string): string {
  const at = addr.lastIndexOf('@');
  return at < 0 ? addr : `${addr.slice(0, at)}@${addr.slice(at + 1).toLowerCase()}`;
}

/** "<a.b@c>" with stray spaces (seen in the ANS examples) → "<a.b@c>". */
export function normaliseMessageId(value: string | undefined): string | undefined {
  const m = value ? /<([^<>]*)>/.exec(value) : null;
  if (!m) return value?.trim() ? `<${value.trim()}>` : undefined;
  const inner = m[1]!.replace(/\s+/g, '');
  return inner ? `<${inner}>` : undefined;
}

/** Decodes RFC 2047 encoded words (B and Q; UTF-8, ISO-8859-x, windows-125x). */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g, (all, charset: string, enc: string, data: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return all;
      }
    });
}

/** A header value as RFC 2047 B-encoded UTF-8 words when it is not plain ASCII. */
export function encodeHeaderValue(value: string): string {
   
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/**
 * Parts of a multipart body. Real MDNs put junk after a delimiter
 * ("--b—") and omit the blank line after part headers: a delimiter is any line
 * starting with "--boundary"; `splitEntity` then finds no blank line and the
 * caller reads fields from the headers.
 */
export function multipartParts(body: string, boundary: string): MimeEntity[] {
  const lines = body.split(/\r?\n/);
  const parts: string[][] = [];
  let current: string[] | undefined;
  const delimiter = `--${boundary}`;
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (current) parts.push(current);
      if (line.startsWith(`${delimiter}--`)) {
        current = undefined;
        break;
      }
      current = [];
    } else if (current) current.push(line);
  }
  if (current) parts.push(current);
  return parts.map((p) => splitEntity(p.join('\r\n')));
}

/** RFC 5322 date: "Thu, 26 Nov 2026 10:00:00 +0000". */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** Parses an RFC 5322 date, tolerating "(EDT)"-style comments; undefined when unreadable. */
export function parseMailDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const cleaned = value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  const t = Date.parse(cleaned);
  return Number.isNaN(t) ? undefined : new Date(t);
}
