import { domainToASCII } from 'node:url';

// Address and domain normalisation shared by the annuaire, the liste blanche and the
// decision: every comparison is made on the same canonical form (lower-case local part,
// ASCII/punycode domain), so "Dr@Hôpital.mssante.fr" and "dr@xn--hpital-bva.mssante.fr" match.

// ~5,000 distinct domains serve 540,000 annuaire lines: memoising saves most of the import's
// parsing time. Bounded so that hostile input cannot grow it without limit.
const domainCache = new Map<string, string | null>();
const DOMAIN_CACHE_LIMIT = 50_000;

/** Canonical ASCII (punycode) form of a domain, or null when it is not a valid domain name. */
export function normaliseDomain(domain: string): string | null {
  const cached = domainCache.get(domain);
  if (cached !== undefined) return cached;
  const result = computeDomain(domain);
  if (domainCache.size >= DOMAIN_CACHE_LIMIT) domainCache.clear();
  domainCache.set(domain, result);
  return result;
}

function computeDomain(domain: string): string | null {
  const trimmed = domain.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 253 || /[\s@/\\]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '' || !ascii.includes('.')) return null;
  if (!ascii.split('.').every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) return null;
  return ascii;
}

export interface NormalisedAddress {
  /** local@domain, local part lower-cased, domain in ASCII */
  address: string;
  local: string;
  domain: string;
}

// Local part: RFC 5321 dot-atom (quoted local parts are not used in MSSanté and are refused).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * Canonical form of a mailbox address, or null when its syntax is invalid. Local parts are
 * compared case-insensitively: the annuaire lists them in mixed case while operators deliver
 * case-insensitively.
 */
export function normaliseAddress(address: string): NormalisedAddress | null {
  const trimmed = address.trim().replace(/^<(.*)>$/, '$1');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return null;
  const local = trimmed.slice(0, at);
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const domain = normaliseDomain(trimmed.slice(at + 1));
  if (!domain) return null;
  const lowerLocal = local.toLowerCase();
  return { address: `${lowerLocal}@${domain}`, local: lowerLocal, domain };
}
