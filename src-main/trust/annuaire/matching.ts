import { foldLatin, isPlainAscii } from '../fold.js';

// Query side of the annuaire search. FTS5 answers a prefix query quickly only when a prefix
// index of that exact length exists (we build 2 and 3); a longer prefix ("cardio*") makes it
// merge every matching doclist first (tens of ms on common words). So the index is asked for
// the first 3 letters of each word, and candidates are checked here against the whole words.

/** Longest prefix length the FTS index has a prefix index for (schema: prefix='2 3'). */
const INDEXED_PREFIX = 3;

/** Case- and accent-folded words, split like the unicode61 tokenizer (letters and digits). */
export function foldedWords(text: string): string[] {
  const lower = foldLatin(text);
  if (isPlainAscii(lower)) return lower.match(/[a-z0-9]+/g) ?? [];
  return (
    lower
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** The FTS5 MATCH expression for query words: each word's indexed prefix, quoted (inert syntax). */
export function indexedMatch(words: readonly string[]): string {
  return words.map((w) => `"${w.slice(0, INDEXED_PREFIX)}"*`).join(' ');
}

/**
 * What a user may type, in this order, with the weight of a match in each (names and address
 * first): last name, first name, address, structure (raison sociale, enseigne, service),
 * profession, specialty, city, postal code. reader.ts selects exactly these columns.
 */
export type SearchTexts = readonly (string | null)[];
const WEIGHTS = [10, 6, 6, 3, 2, 2, 1, 1] as const;

/** Folds a text for prefix tests: " word word …" (leading space, single spaces). */
function foldedLine(text: string): string {
  return ' ' + foldedWords(text).join(' ');
}

/**
 * Score of an entry for query words: 0 when some word is not the beginning of a word of the
 * entry, otherwise the sum of the best field weight per word (doubled for a whole-word match).
 * The all-fields test comes first and is one fold of one string: most candidates stop there.
 */
export function matchScore(texts: SearchTexts, words: readonly string[]): number {
  const all = foldedLine(texts.join(' '));
  if (!words.every((w) => all.includes(' ' + w))) return 0;
  let score = 0;
  const lines = texts.map((t) => foldedLine(t ?? '') + ' ');
  for (const w of words) {
    let best = 0;
    lines.forEach((line, i) => {
      const weight = WEIGHTS[i] ?? 1;
      if (line.includes(' ' + w + ' ')) best = Math.max(best, weight * 2);
      else if (line.includes(' ' + w)) best = Math.max(best, weight);
    });
    score += best;
  }
  return score;
}

/**
 * Rank tier of a word match (lower first): a professional (PER) whose last or first name one of
 * the words begins comes before structures and secretariat mailboxes, however many other fields
 * those match ("secretariat.martin.cardio@…" must not come before Dr MARTIN for "martin cardio").
 */
export function matchTier(type: string, texts: SearchTexts, words: readonly string[]): 1 | 2 {
  if (type !== 'PER') return 2;
  const names = foldedLine(`${texts[0] ?? ''} ${texts[1] ?? ''}`);
  return words.some((w) => names.includes(' ' + w)) ? 1 : 2;
}
