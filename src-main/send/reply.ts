// Reply, reply-all and forward of a stored message (pure): recipients, subject, threading
// headers (RFC 5322 §3.6.4: In-Reply-To = the parent's Message-ID; References = the parent's
// References, or its In-Reply-To, followed by its Message-ID) and the quoted text.
import type { MessageDetail } from '../store/types.js';
import type { ComposeAddress } from './compose.js';

export type ReplyMode = 'reply' | 'reply-all' | 'forward';

export interface ReplyFields {
  to: ComposeAddress[];
  cc: ComposeAddress[];
  subject: string;
  inReplyTo?: string;
  references: string[];
  /** to put under the user's text */
  quoted: string;
}

/** Header lines are limited to 998 octets; keep the most recent ancestors. */
const MAX_REFERENCES = 40;

/** French subject prefixes ("RE : ", "TR : "), never stacked: "RE : TR : Re: x" → "RE : x". */
export function subjectFor(original: string | null, mode: ReplyMode): string {
  const bare = (original ?? '').replace(/^(\s*(re|tr|fw|fwd|réf)\s*:\s*)+/i, '').trim();
  return `${mode === 'forward' ? 'TR' : 'RE'} : ${bare}`;
}

function referencesFor(original: Pick<MessageDetail, 'messageId' | 'inReplyTo' | 'references'>): string[] {
  const chain = original.references.length ? [...original.references] : original.inReplyTo ? [original.inReplyTo] : [];
  if (original.messageId) chain.push(original.messageId);
  return [...new Set(chain)].slice(-MAX_REFERENCES);
}

const frenchDate = (ms: number | null) =>
  ms === null ? 'date inconnue' : new Date(ms).toLocaleString('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
const shown = (a: { name?: string; address: string } | null) => (!a ? 'expéditeur inconnu' : a.name ? `${a.name} <${a.address}>` : a.address);
const lower = (s: string) => s.trim().toLowerCase();

export function replyFields(original: MessageDetail, mode: ReplyMode, me: string): ReplyFields {
  const body = original.text ?? '';
  if (mode === 'forward') {
    const header = [
      '-------- Message transféré --------',
      `De : ${shown(original.from)}`,
      `Date : ${frenchDate(original.date)}`,
      `Objet : ${original.subject ?? ''}`,
      `À : ${original.to.map(shown).join(', ')}`,
    ];
    return { to: [], cc: [], subject: subjectFor(original.subject, mode), references: [], quoted: `${header.join('\n')}\n\n${body}` };
  }
  const author = original.replyTo.length ? original.replyTo : original.from ? [original.from] : [];
  const to = author.map((a) => ({ address: a.address, ...(a.name ? { name: a.name } : {}) }));
  const seen = new Set([lower(me), ...to.map((a) => lower(a.address))]);
  const cc: ComposeAddress[] = [];
  if (mode === 'reply-all') {
    for (const a of [...original.to, ...original.cc]) {
      if (seen.has(lower(a.address))) continue;
      seen.add(lower(a.address));
      cc.push({ address: a.address, ...(a.name ? { name: a.name } : {}) });
    }
  }
  const quotedLines = body.replace(/\r\n/g, '\n').split('\n').map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`));
  return {
    to,
    cc,
    subject: subjectFor(original.subject, mode),
    ...(original.messageId ? { inReplyTo: original.messageId } : {}),
    references: referencesFor(original),
    quoted: `Le ${frenchDate(original.date)}, ${shown(original.from)} a écrit :\n${quotedLines.join('\n')}`,
  };
}
