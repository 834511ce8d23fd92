// Internationalised sender domains (IDN): what a doctor should see of "xn--hpital-exemple-0ob.fr".
// A label written in one script is shown in Unicode ("hôpital-exemple.fr"); a label mixing
// scripts ("hоpital" with a Cyrillic "о") or written wholly in a script whose UTS #39 skeleton
// is plain Latin ("раураl" → "paypal") is a spoofing cue: shown as punycode and flagged.
// Skeletons come from unhomoglyph (Unicode confusables.txt); script detection from the
// regular expression Script property (Common and Inherited characters take any script).
import { domainToUnicode } from 'node:url';
import unhomoglyph from 'unhomoglyph';

export type IdnVerdict = 'ascii' | 'single_script' | 'mixed_script' | 'confusable';

export interface DomainView {
  /** the domain as it should be shown: Unicode when safe, else the ASCII (punycode) form */
  shown: string;
  ascii: string;
  verdict: IdnVerdict;
}

const SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
];
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/** Scripts of a label's letters ("Other" for a script not listed: never taken for Latin). */
function scriptsOf(label: string): Set<string> {
  const out = new Set<string>();
  for (const ch of label) {
    if (NEUTRAL.test(ch)) continue;
    out.add(SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? 'Other');
  }
  return out;
}

// Japanese mixes Han and kana legitimately (UTS #39 "highly restrictive" sets).
const ALLOWED_MIXES = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Hangul'])];

function labelVerdict(label: string): IdnVerdict {
  if (/^[\x20-\x7e]*$/.test(label)) return 'ascii';
  const scripts = scriptsOf(label);
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.has(s)))) return 'mixed_script';
  // a whole non-Latin label that reads as Latin letters (Cyrillic "раураl")
  if (!scripts.has('Latin') && /^[a-z0-9-]+$/.test(unhomoglyph(label).toLowerCase())) return 'confusable';
  return 'single_script';
}

/** How to show a (possibly punycode) domain, and whether it is a spoofing cue. */
export function domainView(domain: string): DomainView {
  const ascii = domain.toLowerCase();
  const unicode = ascii.includes('xn--') ? domainToUnicode(ascii) : ascii;
  // domainToUnicode gives '' for an invalid punycode label: shown as received, flagged
  if (unicode === '') return { shown: ascii, ascii, verdict: 'mixed_script' };
  let verdict: IdnVerdict = 'ascii';
  for (const label of unicode.split('.')) {
    const v = labelVerdict(label);
    if (v === 'mixed_script' || v === 'confusable') return { shown: ascii, ascii, verdict: v };
    if (v === 'single_script') verdict = v;
  }
  return { shown: unicode, ascii, verdict };
}

/** An address with its domain as domainView shows it. */
export function addressView(address: string): { shown: string; verdict: IdnVerdict } {
  const at = address.lastIndexOf('@');
  if (at < 0) return { shown: address, verdict: 'ascii' };
  const d = domainView(address.slice(at + 1));
  return { shown: `${address.slice(0, at)}@${d.shown}`, verdict: d.verdict };
}
