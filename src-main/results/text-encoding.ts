// Decodes a text file of unknown encoding (HPRIM files carry no declaration):
// BOM first (UTF-8, UTF-16), then strict UTF-8, else a choice between
// windows-1252 (most files) and MacRoman scored on French letters. Hand-written
// because the npm detectors (chardet, jschardet) guess from statistics tuned for
// long texts and do not report MacRoman; our files are short and French.
import { TextDecoder } from 'node:util';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'macintosh';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  bom: boolean;
}

export function decodeUnknownText(bytes: Uint8Array): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: decode('utf-8', bytes.subarray(3)), encoding: 'utf-8', bom: true };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: decode('utf-16le', bytes.subarray(2)), encoding: 'utf-16le', bom: true };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: decode('utf-16be', bytes.subarray(2)), encoding: 'utf-16be', bom: true };
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return { text: decode(utf16, bytes), encoding: utf16, bom: false };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8', bom: false };
  } catch {
    // not UTF-8: a single-byte code page
  }
  const cp1252 = decode('windows-1252', bytes);
  const mac = decode('macintosh', bytes);
  return score(mac) > score(cp1252) ? { text: mac, encoding: 'macintosh', bom: false } : { text: cp1252, encoding: 'windows-1252', bom: false };
}

function decode(label: TextEncodingName, bytes: Uint8Array): string {
  return new TextDecoder(label).decode(bytes);
}

/** Mostly-ASCII text in UTF-16 without a BOM shows a zero byte in every other position. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

const FRENCH = new Set('éèêëàâäçîïôöùûüÉÈÊËÀÂÇÎÏÔÖÙÛÜœŒ°«»’'.split(''));

/** French accented letters count for a candidate; symbols that French text never holds count against it. */
function score(text: string): number {
  let s = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) continue;
    if (FRENCH.has(ch)) s += 2;
    else s -= 1;
  }
  return s;
}
