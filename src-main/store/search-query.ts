/**
 * Turns what a user types into a safe FTS5 MATCH expression: every word must
 * match (AND), as a prefix, with FTS5 syntax characters neutralised. Accents
 * are handled by the tokenizer (remove_diacritics 2) on both sides.
 * Returns null when nothing searchable is left.
 */
export function ftsQuery(input: string): string | null {
  const words = input.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}
