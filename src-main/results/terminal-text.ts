// Untrusted text (from a laboratory's file) made safe for a terminal: control
// characters, escape sequences and bidirectional overrides are shown as visible
// tokens instead of acting on the terminal or reordering what the doctor reads.
// Minimal and local to the results CLI; a general neutraliser may replace it.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

export function neutraliseForTerminal(s: string): string {
  return s.replace(UNSAFE, (ch) => `\u2039U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}\u203a`);
}
