// Parses untrusted XML (METADATA.XML, CDA). No DTD is ever processed: a
// DOCTYPE is refused before parsing, so external entities (XXE) and entity
// expansion (billion laughs) cannot happen whatever the parser would do; the
// parser itself (xmldom) expands no entity and fetches nothing.
import { TextDecoder } from 'node:util';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { AppError } from '../errors/index.js';
import type { XmlLimits } from './limits.js';

/** Decodes XML bytes per BOM / XML declaration (UTF-8 by default, strictly). */
function decodeXmlBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strictDecode('utf-8', bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return strictDecode('utf-16le', bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return strictDecode('utf-16be', bytes.subarray(2));
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase() ?? 'utf-8';
  const label = ['utf-8', 'utf8'].includes(declared) ? 'utf-8' : declared;
  return strictDecode(label, bytes);
}

function strictDecode(label: string, bytes: Uint8Array): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new AppError('XML_INVALID', `unsupported XML encoding ${label}`);
  }
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new AppError('XML_INVALID', `bytes are not valid ${label}`, { cause: err });
  }
}

/** Parses XML text into a DOM, refusing DTDs, malformed XML and oversized or too deep trees. */
export function parseXmlSafely(text: string, limits: XmlLimits): Document {
  if (text.length > limits.maxBytes) throw new AppError('XML_TOO_LARGE', `XML of ${text.length} characters, limit ${limits.maxBytes}`);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new AppError('XML_DTD_FORBIDDEN', 'DOCTYPE or ENTITY declaration');
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw new AppError('XML_INVALID', `malformed XML: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`, { cause: err });
  }
  if (!doc.documentElement) throw new AppError('XML_INVALID', 'no root element');
  checkDepth(doc.documentElement, limits.maxDepth);
  return doc;
}

/** Decodes then parses XML bytes. */
export function parseXmlBytesSafely(bytes: Uint8Array, limits: XmlLimits): Document {
  if (bytes.length > limits.maxBytes) throw new AppError('XML_TOO_LARGE', `XML of ${bytes.length} bytes, limit ${limits.maxBytes}`);
  return parseXmlSafely(decodeXmlBytes(bytes), limits);
}

// Iterative, so a hostile depth cannot overflow our own stack while measuring it.
function checkDepth(root: Element, maxDepth: number): void {
  const stack: { el: Element; depth: number }[] = [{ el: root, depth: 1 }];
  while (stack.length) {
    const { el, depth } = stack.pop()!;
    if (depth > maxDepth) throw new AppError('XML_TOO_LARGE', `element nesting deeper than ${maxDepth}`);
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1) stack.push({ el: c as Element, depth: depth + 1 });
    }
  }
}

// ---- small namespace-agnostic DOM helpers (XDS and CDA files use varied prefixes)

export function childElements(el: Element, localName?: string): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (localName === undefined || (c as Element).localName === localName)) out.push(c as Element);
  }
  return out;
}

export function firstChild(el: Element | undefined, localName: string): Element | undefined {
  if (!el) return undefined;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).localName === localName) return c as Element;
  }
  return undefined;
}

/** Follows a path of local names through first children: path(el, 'a', 'b'). */
export function path(el: Element | undefined, ...names: string[]): Element | undefined {
  let cur = el;
  for (const n of names) cur = firstChild(cur, n);
  return cur;
}

export function descendants(el: Element, localName: string): Element[] {
  const out: Element[] = [];
  const stack: Element[] = childElements(el).reverse();
  while (stack.length) {
    const cur = stack.pop()!;
    if (cur.localName === localName) out.push(cur);
    stack.push(...childElements(cur).reverse());
  }
  return out;
}

export function attr(el: Element | undefined, name: string): string | undefined {
  if (!el || !el.hasAttribute(name)) return undefined;
  return el.getAttribute(name) ?? undefined;
}

export function text(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  const t = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  return t === '' ? undefined : t;
}
