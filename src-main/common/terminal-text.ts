// Untrusted text (mail headers, bodies, file names, annuaire and XDM fields) on its way to a
// terminal. A terminal acts on C0/C1 controls (ESC[2J clears the screen, OSC sets the title,
// BEL rings) and the Unicode bidi controls reorder what follows (U+202E turns "gpj.exe" into
// "exe.jpg"): every such character is shown as visible text instead. Written here because the
// npm packages in this space (strip-ansi, …) delete escape sequences, which hides the attack,
// and leave C1 and bidi controls alone. `--json` output never goes through this: JSON.stringify
// already escapes controls and the real value is kept.

/** C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F). */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidi embeddings/overrides/isolates and marks, line/paragraph separators. */
const BIDI = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_IN_LINE = new RegExp(`${CONTROL.source}|${BIDI.source}`, 'gu');
// Blocks keep their line breaks and tabs; a lone CR (which rewrites the line) is shown.
const UNSAFE_IN_BLOCK = new RegExp(`(?![\\n\\t])${CONTROL.source}|${BIDI.source}`, 'gu');

/** Longest untrusted field (subject, name, file name) printed whole; longer ones end with "…". */
const FIELD_MAX = 200;
/** Longest line of a message body printed in text mode (the JSON keeps the whole text). */
const BODY_LINE_MAX = 2000;

function visible(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

function cut(s: string, max: number, where: 'end' | 'middle' = 'end'): string {
  // by code points, before escaping, so a cut never splits a surrogate pair or an escape
  const cps = Array.from(s);
  if (cps.length <= max) return s;
  if (where === 'end') return `${cps.slice(0, max).join('')}…`;
  const tail = Math.min(Math.floor(max / 3), 40);
  return `${cps.slice(0, max - tail).join('')}…${cps.slice(cps.length - tail).join('')}`;
}

/** One untrusted value on one line: every control shown (line breaks included), cut at `max` code points. */
export function termField(value: string | null | undefined, max = FIELD_MAX): string {
  if (value === null || value === undefined) return '';
  return cut(value, max).replace(UNSAFE_IN_LINE, visible);
}

/** An untrusted file name: like termField, but a long name is cut in the middle so its extension stays. */
export function termFileName(value: string | null | undefined, max = FIELD_MAX): string {
  if (value === null || value === undefined) return '';
  return cut(value, max, 'middle').replace(UNSAFE_IN_LINE, visible);
}

/** Untrusted multi-line text (a body): line breaks and tabs kept, other controls shown, long lines cut. */
export function termBlock(value: string, lineMax = BODY_LINE_MAX): string {
  return value
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => cut(line, lineMax).replace(UNSAFE_IN_BLOCK, visible))
    .join('\n');
}

/**
 * Last line of defence for whatever text the CLI writes (results, progress, errors): controls
 * that slipped through a formatter are shown, line breaks and tabs kept. Idempotent on text
 * already neutralised (it only contains printable characters).
 */
export function termSafe(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, visible);
}
