import { normaliseAddress, normaliseDomain } from '../address.js';
import { foldedWords } from './matching.js';

// What an annuaire query is (pure). Doctors type names, but they also paste an address they read
// elsewhere ("Dr Jean Kerdraon <jean.kerdraon@medecin.mssante.fr>") or a domain ("ch-brest.mssante.fr",
// "@ch-brest"): the full-text index holds the local part of addresses only (schema.ts), so those
// go through the address and domain B-trees instead, and their words still search the names.

export type AnnuaireQuery =
  /** a complete, valid address: the exact entry first, then the names its local part spells */
  | { kind: 'address'; address: string; words: string[] }
  /** an address being typed ("jean.ker@", "jean.kerdraon@medecin.ms"): an address prefix */
  | { kind: 'address-prefix'; prefix: string; words: string[] }
  /** "@domain…" or a bare domain ("ch-brest.mssante.fr"): entries of that domain (prefix) */
  | { kind: 'domain'; domain: string; words: string[] }
  /** anything else: words matched against names, structure, profession, city… */
  | { kind: 'words'; words: string[] };

// Separators around an address pasted with its display name or from a list.
const TOKEN_SPLIT = /[\s<>"',;()[\]]+/;
// A bare domain: dot-separated labels whose last one is alphabetic (a TLD), no "@".
const BARE_DOMAIN = /^[a-z0-9\u00a0-\uffff_-]+(?:\.[a-z0-9\u00a0-\uffff_-]+)*\.[a-z\u00a0-\uffff]{2,}\.?$/i;

/** Lower-cased ASCII form of a (possibly partial, possibly Unicode) domain for a B-tree prefix. */
function domainPrefix(text: string): string {
  const lower = text.toLowerCase().replace(/\.$/, '');
  return normaliseDomain(lower) ?? lower;
}

export function classifyQuery(query: string): AnnuaireQuery {
  const tokens = query.trim().split(TOKEN_SPLIT).filter(Boolean);
  const at = tokens.find((t) => t.includes('@'));
  if (at !== undefined) {
    const cut = at.lastIndexOf('@');
    const local = at.slice(0, cut);
    const domain = at.slice(cut + 1);
    const words = foldedWords(local);
    if (local === '') return domain ? { kind: 'domain', domain: domainPrefix(domain), words: [] } : { kind: 'words', words: [] };
    const full = normaliseAddress(at);
    if (full) return { kind: 'address', address: full.address, words };
    return { kind: 'address-prefix', prefix: `${local.toLowerCase()}@${domain.toLowerCase()}`, words };
  }
  if (tokens.length === 1 && BARE_DOMAIN.test(tokens[0]!)) {
    const domain = normaliseDomain(tokens[0]!);
    if (domain) return { kind: 'domain', domain, words: foldedWords(query) };
  }
  return { kind: 'words', words: foldedWords(query) };
}
