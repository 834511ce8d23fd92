// French formatting of dates and sizes (fr-FR, the workstation's time zone).

const time = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short' });
const shortDate = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric' });
const full = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'full', timeStyle: 'short' });

/** List column: "14:05" today, "12 mars" this year, "12/03/2023" before. */
export function listDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (d.toDateString() === now.toDateString()) return time.format(d);
  if (d.getFullYear() === now.getFullYear()) return dayMonth.format(d);
  return shortDate.format(d);
}

/** "jeudi 26 novembre 2026 à 14:05". */
export function fullDate(iso: string): string {
  return full.format(new Date(iso));
}

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** "850 o", "12 Ko", "1,4 Mo". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${number.format(Math.round(bytes / 1024))} Ko`;
  return `${number.format(bytes / (1024 * 1024))} Mo`;
}

export function displayName(a: { address: string; name?: string | undefined }): string {
  return a.name?.trim() || a.address || '(expéditeur inconnu)';
}

// C0/C1 controls and bidi overrides/isolates are invisible in a page, and the bidi ones reorder
// what follows ("facture<U+202E>fdp.exe" reads "facture" + "exe.pdf"): shown as visible text.
// eslint-disable-next-line no-control-regex -- matching controls is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Untrusted one-line text (subject, name, file name) with its controls shown, e.g. "␀" → "\x00", U+202E → "<U+202E>". */
export function visibleControls(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const cp = ch.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** A long file name cut in the middle, its extension kept: "Compte-rendu-opé…-final.pdf". */
export function middleEllipsis(name: string, max = 48): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? Array.from(name.slice(dot)).length : 0;
  const tail = Math.max(ext + 6, Math.floor(max / 3));
  return `${chars.slice(0, max - tail - 1).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/**
 * A file name as a head that may be ellipsised by CSS and a tail that always shows (the end of
 * the name and its extension): in a narrow pane "Compte-rendu-opé…final.pdf", never "Compte-rendu-opé…".
 */
export function splitTail(name: string): { head: string; tail: string } {
  const chars = Array.from(name);
  // a short name fits anyway: one piece (its text reads as one word to innerText and screen readers)
  if (chars.length <= 24) return { head: '', tail: name };
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? Array.from(name.slice(dot)).length : 0;
  const keep = Math.min(chars.length, ext + 6);
  return { head: chars.slice(0, chars.length - keep).join(''), tail: chars.slice(chars.length - keep).join('') };
}
