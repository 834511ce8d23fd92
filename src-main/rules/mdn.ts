// Read receipts (MDN, RFC 8098) as the ANS guide "transmission de documents
// CDA par messagerie MSSanté" shapes them.

/** Subject of an MDN reporting an integration error: "[KO Intégration système !][902] <subject>". */
export const MDN_ERROR_SUBJECT_PREFIX = '[KO Intégration système !]';

/** Subjects of messages carrying documents: "XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>". */
export const XDM_SUBJECT_PATTERN = /^XDM\/1\.0\/DDM\+/;

/**
 * The subject as a message list shows it: without the technical "XDM/1.0/DDM+" prefix (also after
 * an ANS error prefix such as "[KO Intégration système !][902] "). The stored subject is unchanged.
 */
export function listSubject(subject: string): string {
  return subject.replace(/^((?:\[[^\]]*\]\s*)*)XDM\/1\.0\/DDM\+\s*/, '$1');
}

/** Subject of a plain read receipt for an ordinary message. */
export const MDN_READ_SUBJECT_PREFIX = 'Accusé de lecture : ';

export const MDN_DISPOSITION_TYPES = ['displayed', 'deleted', 'dispatched', 'processed'] as const;
export type MdnDispositionType = (typeof MDN_DISPOSITION_TYPES)[number];

/** RFC 3503: IMAP keyword set on a message once its receipt was sent (by any client). */
export const MDN_SENT_KEYWORD = '$MDNSent';
