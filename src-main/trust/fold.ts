// Lower case without diacritics for Latin-1 letters (é → e, ç → c, ø → o), through a table:
// several times faster than Unicode normalisation on French text, which is what the annuaire
// import and every search keystroke fold. Ligatures (œ, æ) are kept, as the FTS tokenizer keeps them.

const LATIN: Record<string, string> = {};
for (const [base, accented] of Object.entries({ a: 'àáâãäå', c: 'ç', e: 'èéêë', i: 'ìíîï', n: 'ñ', o: 'òóôõöø', u: 'ùúûü', y: 'ýÿ' })) {
  for (const ch of accented) LATIN[ch] = base;
}

/** Lower case, Latin-1 diacritics removed. Other characters are left as they are. */
export function foldLatin(text: string): string {
  return text.toLowerCase().replace(/[\u00e0-\u00ff]/g, (ch) => LATIN[ch] ?? ch);
}

/** True when the text is printable ASCII only (no further folding needed). */
export function isPlainAscii(text: string): boolean {
  return /^[ -~]*$/.test(text);
}
