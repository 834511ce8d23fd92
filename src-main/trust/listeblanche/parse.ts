import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { AppError } from '../../errors/index.js';
import { LISTE_BLANCHE_NAMESPACE } from '../../rules/mssante.js';
import { normaliseDomain } from '../address.js';

// Reads the liste blanche (listeblanchemssante.xml). The official file is well-formed and
// signed; the copy in the ANS repository is NOT well-formed (its root element is never
// closed). So: parse as XML when we can (needed to verify the signature), and otherwise fall
// back to a tolerant scan of <Domaine><Nom> elements, reporting that the file was malformed.

export interface ListeBlancheDomain {
  /** canonical ASCII (punycode) domain */
  domain: string;
  /** as written in the file (may be Unicode or mixed case) */
  name: string;
  description: string | null;
  operatorDn: string | null;
}

export interface ParsedListeBlanche {
  generatedAt: string | null;
  /** every <Domaine> entry, in file order (a domain may appear once per operator) */
  entries: ListeBlancheDomain[];
  /** distinct canonical domains */
  domains: string[];
  /** <Nom> values that are not domain names */
  invalidNames: string[];
  wellFormed: boolean;
  /** the parsed document, when well-formed (for signature verification) */
  document: Document | null;
}

/** Refuses DTDs outright: the liste blanche has none, and entities are an XXE / expansion risk. */
function refuseDtd(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new AppError('LISTE_BLANCHE_BAD_FILE', 'DTD or entity declaration in the liste blanche');
}

function parseDom(xml: string): Document | null {
  let fatal = false;
  try {
    const doc = new DOMParser({
      onError: (level) => {
        if (level === 'fatalError' || level === 'error') fatal = true;
      },
    }).parseFromString(xml, 'text/xml');
    return fatal ? null : doc;
  } catch {
    return null;
  }
}

function childText(parent: Element, localName: string): string | null {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === localName) return (n.textContent ?? '').trim() || null;
  }
  return null;
}

interface RawDomain {
  name: string;
  description: string | null;
  operatorDn: string | null;
}

function fromDom(doc: Document): { generatedAt: string | null; raw: RawDomain[] } {
  const root = doc.documentElement;
  if (!root || root.localName !== 'ListeBlancheMSSante' || root.namespaceURI !== LISTE_BLANCHE_NAMESPACE) {
    throw new AppError('LISTE_BLANCHE_BAD_FILE', 'root element is not ListeBlancheMSSante in the liste blanche namespace');
  }
  const generated = doc.getElementsByTagNameNS(LISTE_BLANCHE_NAMESPACE, 'DateDeGeneration')[0];
  const raw: RawDomain[] = [];
  const domaines = doc.getElementsByTagNameNS(LISTE_BLANCHE_NAMESPACE, 'Domaine');
  for (let i = 0; i < domaines.length; i++) {
    const d = domaines[i]!;
    const name = childText(d, 'Nom');
    if (name !== null) raw.push({ name, description: childText(d, 'Description'), operatorDn: childText(d, 'DNCertificatOperateur') });
  }
  return { generatedAt: generated?.textContent?.trim() || null, raw };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]!)
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .trim();
}

/** Tolerant scan for a file that is not well-formed: <Domaine> blocks, namespace prefixes allowed. */
function fromScan(xml: string): { generatedAt: string | null; raw: RawDomain[] } {
  if (!/<(?:\w+:)?ListeBlancheMSSante\b/.test(xml)) {
    throw new AppError('LISTE_BLANCHE_BAD_FILE', 'no ListeBlancheMSSante element');
  }
  const field = (block: string, name: string): string | null => {
    const m = new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(block);
    return m ? unescapeXml(m[1]!) || null : null;
  };
  const raw: RawDomain[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?Domaine>([\s\S]*?)<\/(?:\w+:)?Domaine>/g)) {
    const name = field(m[1]!, 'Nom');
    if (name !== null) raw.push({ name, description: field(m[1]!, 'Description'), operatorDn: field(m[1]!, 'DNCertificatOperateur') });
  }
  return { generatedAt: field(xml, 'DateDeGeneration'), raw };
}

export function parseListeBlanche(xml: string): ParsedListeBlanche {
  refuseDtd(xml);
  const document = parseDom(xml);
  const { generatedAt, raw } = document ? fromDom(document) : fromScan(xml);
  const entries: ListeBlancheDomain[] = [];
  const invalidNames: string[] = [];
  for (const r of raw) {
    const domain = normaliseDomain(r.name);
    if (domain) entries.push({ domain, ...r });
    else invalidNames.push(r.name);
  }
  const domains = [...new Set(entries.map((e) => e.domain))].sort();
  if (domains.length === 0) throw new AppError('LISTE_BLANCHE_BAD_FILE', 'no domain found in the liste blanche');
  return { generatedAt, entries, domains, invalidNames, wellFormed: document !== null, document };
}
