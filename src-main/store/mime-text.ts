// Reading French mail that lies about its charset, for postal-mime.
// postal-mime decodes a text part with the declared charset (UTF-8 when none) and raw 8-bit
// headers as UTF-8: undeclared windows-1252 bodies and headers come out as "r�sultat", UTF-8
// declared ISO-8859-1 as "rÃ©sultat", and a binary part declared text/plain is shown as text.
// The rule here is the one French mail needs: trust a declaration the bytes agree with; else
// UTF-8 when the bytes are valid UTF-8, else windows-1252. A "text" part whose bytes are not
// text (NUL, many controls) becomes an attachment. postal-mime has no hook for any of it (a
// charset-detection library would guess among dozens of charsets where two are plausible), so
// its prototypes are patched the way mime-base64.ts does it; if their shape changes nothing is
// patched and parsing stays as before.
import iconv from 'iconv-lite';
import PostalMime from 'postal-mime';

// Node 20's TextDecoder('windows-1252') decodes as ISO-8859-1 (0x80 → U+0080, not €): iconv-lite.
const cp1252 = { decode: (bytes: Uint8Array): string => iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'windows-1252') };
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const utf8Lossy = new TextDecoder('utf-8');

const UTF8 = new Set(['utf-8', 'utf8']);
/** Declared Latin charsets: often a default of the sender's software for what is really UTF-8. */
const LATIN = new Set(['iso-8859-1', 'latin1', 'iso8859-1', 'iso_8859-1', 'windows-1252', 'cp1252', 'iso-8859-15', 'latin9']);

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

function validUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return null;
  }
}

function knownCharset(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * UTF-8 when the bytes mostly are (a stray broken sequence in real UTF-8 text stays one "�"),
 * else windows-1252 (every byte is a character there).
 */
function utf8ElseCp1252(bytes: Uint8Array): string {
  const lossy = utf8Lossy.decode(bytes);
  let good = 0;
  let bad = 0;
  for (const ch of lossy) {
    if (ch === '\uFFFD') bad++;
    else if (ch.charCodeAt(0) > 0x7f) good++;
  }
  return good > 0 && good >= bad ? lossy : cp1252.decode(bytes);
}

/**
 * Text of a part's bytes when the declared charset is wrong or missing, or null when the
 * declaration agrees with the bytes (postal-mime's reading is then kept).
 */
export function decodeText(bytes: Uint8Array, declared: string | undefined): string | null {
  if (isAscii(bytes)) return null;
  const label = (declared ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
  const utf8 = validUtf8(bytes);
  if (UTF8.has(label)) return utf8 === null ? utf8ElseCp1252(bytes) : null;
  // valid multi-byte UTF-8 is almost never real Latin-1 text; ISO-8859-1 is read as windows-1252
  // (WHATWG), through iconv-lite so that 0x80–0x9F give € ’ œ … on Node 20 too
  if (LATIN.has(label)) return utf8 ?? (label === 'iso-8859-15' || label === 'latin9' ? null : cp1252.decode(bytes));
  // none, US-ASCII with 8-bit bytes, or a name no decoder knows: UTF-8 first, then windows-1252
  if (label === '' || label === 'us-ascii' || label === 'ascii' || !knownCharset(label)) return utf8 ?? utf8ElseCp1252(bytes);
  return null;
}

/**
 * Bytes that are not text in any reading: a NUL; more than 10 % of C0 controls other than TAB,
 * LF, FF, CR, ESC, BEL (text full of terminal escapes is still text, shown with its controls
 * visible); or, when not UTF-8, more than 30 % of 8-bit bytes (French windows-1252 text has a
 * few accented letters, random bytes half).
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 64 * 1024);
  if (n === 0) return false;
  let controls = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b && b !== 0x07) controls++;
    else if (b > 0x7f) high++;
  }
  if (controls / n > 0.1) return true;
  return high / n > 0.3 && validUtf8(bytes.subarray(0, n)) === null;
}

/**
 * The header section of a message with each raw 8-bit line that is not UTF-8 re-encoded from
 * windows-1252 to UTF-8 (postal-mime reads header bytes as UTF-8). Returns the input itself
 * when nothing needs it (the common case: no copy).
 */
export function fixRawHeaders(raw: Uint8Array): Uint8Array {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let end = buf.indexOf('\r\n\r\n');
  if (end < 0) end = buf.indexOf('\n\n');
  if (end < 0) end = buf.length;
  const head = buf.subarray(0, end);
  if (isAscii(head) || validUtf8(head) !== null) return raw;
  const lines = head.toString('latin1').split('\n');
  const fixed = lines.map((line) => {
    const bytes = Buffer.from(line, 'latin1');
    return isAscii(bytes) || validUtf8(bytes) !== null ? bytes : Buffer.from(cp1252.decode(bytes), 'utf8');
  });
  const parts: Buffer[] = [];
  fixed.forEach((b, i) => parts.push(i ? Buffer.from('\n') : Buffer.alloc(0), b));
  parts.push(buf.subarray(end));
  return Buffer.concat(parts);
}

interface MimeNodeLike {
  content: ArrayBuffer | Uint8Array | null;
  contentType: { parsed: { value: string; params: Record<string, string | undefined> } };
  getTextContent(): string;
  decodeFlowedText?(str: string, delSp: boolean): string;
}

interface ParserLike {
  root?: MimeNodeLike;
  isInlineTextNode?(node: MimeNodeLike): boolean;
}

const asBytes = (c: ArrayBuffer | Uint8Array): Uint8Array => (c instanceof Uint8Array ? c : new Uint8Array(c));

let installed = false;

/** Makes every postal-mime parse in this thread use the rules above. Returns whether they are on. */
export function useFrenchTextRules(): boolean {
  if (installed) return true;
  const parser = new PostalMime() as unknown as ParserLike;
  const nodeProto = parser.root ? (Object.getPrototypeOf(parser.root) as MimeNodeLike) : null;
  const parserProto = Object.getPrototypeOf(parser) as ParserLike;
  if (!nodeProto || typeof nodeProto.getTextContent !== 'function' || typeof parserProto.isInlineTextNode !== 'function') return false;
  const originalText = nodeProto.getTextContent;
  nodeProto.getTextContent = function (this: MimeNodeLike): string {
    const text = this.content ? decodeText(asBytes(this.content), this.contentType.parsed.params.charset) : null;
    if (text === null) return originalText.call(this);
    const params = this.contentType.parsed.params;
    if (/^flowed$/i.test(params.format ?? '') && this.decodeFlowedText) return this.decodeFlowedText(text, /^yes$/i.test(params.delsp ?? ''));
    return text;
  };
  const originalInline = parserProto.isInlineTextNode;
  parserProto.isInlineTextNode = function (this: ParserLike, node: MimeNodeLike): boolean {
    if (!originalInline.call(this, node)) return false;
    // binary declared as text: listed as an attachment, never shown as text
    return !(node.content && looksBinary(asBytes(node.content)));
  };
  installed = true;
  return true;
}
