// Name comparison for look-alike detection: a display name that claims to be a professional
// ("Dr Jean Dupont" <someone-else@…>) is compared with annuaire names after folding case,
// accents, titles and the characters commonly used to imitate Latin letters.

import { foldLatin, isPlainAscii } from './fold.js';

const TITLES = new Set(['dr', 'docteur', 'doctor', 'pr', 'professeur', 'prof', 'mme', 'madame', 'mlle', 'mademoiselle', 'm', 'mr', 'monsieur', 'me', 'maitre']);

// Cyrillic and Greek letters that render like Latin ones, and digits used as letters.
const CONFUSABLES: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ӏ: 'l', һ: 'h', ԛ: 'q', ԝ: 'w',
  α: 'a', ο: 'o', ρ: 'p', ν: 'v', τ: 't', ι: 'i', κ: 'k', χ: 'x', υ: 'u', ε: 'e',
  '0': 'o', '1': 'l', '3': 'e', '5': 's', '@': 'a', '$': 's',
};

/** Folds a string to its "skeleton": lower case, no accents, confusables mapped to Latin. */
function skeleton(text: string): string {
  const latin = foldLatin(text);
  const lower = isPlainAscii(latin) ? latin : latin.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  let out = '';
  for (const ch of lower) out += CONFUSABLES[ch] ?? ch;
  return out;
}

/** Folded key of an annuaire name (no title removal): "Lefèvre-Dupont" → "lefevre dupont". */
export function nameKey(name: string): string {
  return skeleton(name)
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0)
    .join(' ');
}

/** Words of a person's name, folded, without titles: "Dr. Jean-Marc DUPONT" → [jean, marc, dupont]. */
export function nameWords(name: string): string[] {
  return skeleton(name)
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0 && !TITLES.has(w));
}

/** Name words folded for case and accents only (confusables kept: they are what differs). */
function plainWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && !TITLES.has(w));
}

/** Do two names consist of the same words (any order, ignoring case and accents)? */
export function sameName(a: string, b: string): boolean {
  const wa = plainWords(a).sort();
  const wb = plainWords(b).sort();
  return wa.length > 0 && wa.length === wb.length && wa.every((w, i) => w === wb[i]);
}

/** Levenshtein distance, bounded: returns max+1 as soon as it is exceeded. */
function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Does `displayName` imitate `realName` without being it? Same words after folding confusables
 * (e.g. Cyrillic "а" for "a"), or the same words up to one typo in the whole name, while the
 * plain (unfolded) text differs or the address is not that person's.
 */
export function looksLike(displayName: string, realName: string): boolean {
  const shown = nameWords(displayName).sort();
  const real = nameWords(realName).sort();
  if (shown.length < 2 || shown.length !== real.length) return false;
  return editDistance(shown.join(' '), real.join(' '), 1) <= 1;
}

/**
 * Does the display name carry the whole of `realName` among other words ("Dr Jean DUPONT -
 * Cardiologie CHU Brest")? Folded words (confusables too unless told), any order; at least two name words.
 */
export function embedsName(displayName: string, realName: string, foldConfusables = true): boolean {
  const words = foldConfusables ? nameWords : plainWords;
  const shown = words(displayName);
  const real = words(realName);
  if (real.length < 2 || shown.length <= real.length) return false;
  return real.every((w) => shown.includes(w));
}

/** Full display name of an annuaire person: "Jean DUPONT". */
export function personName(firstName: string | null, lastName: string | null): string {
  return [firstName, lastName].filter(Boolean).join(' ');
}

/** Addresses written inside a display name ("jean.dupont@chu.fr" <other@x.fr>). */
export function addressesInDisplayName(displayName: string): string[] {
  return displayName.match(/[^\s<>"'()@,;]+@[^\s<>"'()@,;]+\.[^\s<>"'()@,;]+/g) ?? [];
}
