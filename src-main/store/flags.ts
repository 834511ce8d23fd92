import type { FlagChange, Flags } from './types.js';

const SYSTEM: Record<string, keyof Omit<Flags, 'keywords'>> = {
  '\\seen': 'seen',
  '\\flagged': 'flagged',
  '\\answered': 'answered',
  '\\deleted': 'deleted',
  '\\draft': 'draft',
};

/** Splits IMAP flags into the five system flags and the rest (keywords, \Recent dropped). */
export function classifyFlags(flags: Iterable<string>): Flags {
  const out: Flags = { seen: false, flagged: false, answered: false, deleted: false, draft: false, keywords: [] };
  for (const f of flags) {
    const sys = SYSTEM[f.toLowerCase()];
    if (sys) out[sys] = true;
    else if (f.toLowerCase() !== '\\recent') out.keywords.push(f);
  }
  out.keywords.sort();
  return out;
}

export const IMAP_FLAG: Record<keyof FlagChange, string> = {
  seen: '\\Seen',
  flagged: '\\Flagged',
  answered: '\\Answered',
  deleted: '\\Deleted',
};

/** Display form: IMAP names of the flags that are set. */
export function flagList(f: Flags): string[] {
  const out: string[] = [];
  if (f.seen) out.push('\\Seen');
  if (f.answered) out.push('\\Answered');
  if (f.flagged) out.push('\\Flagged');
  if (f.deleted) out.push('\\Deleted');
  if (f.draft) out.push('\\Draft');
  return [...out, ...f.keywords];
}
