// Hostile and malformed message sets of the bench: what a doctor's client must read safely
// and legibly (issue 15). Each message names what it tests; `expect` states what a reader
// must show (decoded subject/body excerpt) so tests can check legibility, not only safety.
//
//   hostileSet(recipient)    → terminal escapes, bidi, huge lines/subjects/file names, spoofed senders, hostile HTML
//   malformedSet(recipient)  → undeclared/mis-declared charsets, broken encoded-words, undecodable bodies, binary as text
import { unzipSync, zipSync } from 'fflate';
import { ORG_DOMAIN } from './config.js';
import { Rng, makePdf, makeXdmZip, patient } from './corpus-content.js';

export interface EdgeMessage {
  /** short stable name (test output, screenshots) */
  name: string;
  raw: Buffer;
  messageId: string;
  /** what a legible reading contains (substring of the decoded subject), when known */
  subject?: string;
  /** substring the decoded body must contain; null when the body cannot be decoded (placeholder expected) */
  body?: string | null;
  /** attachment file name a reader must list, when the case is about one */
  attachment?: string;
}

const CRLF = '\r\n';
/** one minute apart in set order, so a list sorted by date shows them in a known order */
const dateOf = (n: number): string => new Date(Date.UTC(2026, 11, 1, 9, n)).toUTCString().replace('GMT', '+0000');
const b64w = (s: string): string => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;

function lines(b64: string): string {
  return b64.replace(/.{76}/g, `$&${CRLF}`);
}

interface Build {
  name: string;
  from?: string;
  /** raw header lines (already encoded) after From/To/Date */
  headers: string[];
  /** body bytes after the blank line */
  body: Buffer | string;
}

function build(recipient: string, b: Build, n: number): { raw: Buffer; messageId: string } {
  const messageId = `<edge.${b.name}@${ORG_DOMAIN}>`;
  const head = [
    `Date: ${dateOf(n)}`,
    `From: ${b.from ?? `"Dr Claire Bernard" <claire.bernard@${ORG_DOMAIN}>`}`,
    `To: ${recipient}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    ...b.headers,
  ].join(CRLF);
  const body = typeof b.body === 'string' ? Buffer.from(b.body, 'utf8') : b.body;
  return { raw: Buffer.concat([Buffer.from(`${head}${CRLF}${CRLF}`, 'latin1'), body, Buffer.from(CRLF)]), messageId };
}

const PLAIN_UTF8 = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'];

function attachmentMultipart(boundary: string, text: string, attHeaders: string[], attBody: string): string {
  return [
    `--${boundary}`, ...PLAIN_UTF8, '', text,
    `--${boundary}`, ...attHeaders, '', attBody,
    `--${boundary}--`, '',
  ].join(CRLF);
}

export function hostileSet(recipient: string): EdgeMessage[] {
  const out: EdgeMessage[] = [];
  const add = (b: Build, expect: Omit<EdgeMessage, 'name' | 'raw' | 'messageId'>): void => {
    out.push({ name: b.name, ...build(recipient, b, out.length), ...expect });
  };
  // terminal escapes in a raw header, in an encoded-word, in the From name and in the body
  add({ name: 'ansi-subject', headers: ['Subject: Bilan \x1b[2J\x1b[H\x07 sanguin', ...PLAIN_UTF8], body: 'Texte \x1b]0;pwned\x07 du bilan.' }, { subject: 'sanguin', body: 'du bilan' });
  add({ name: 'osc-encoded-word', from: `${b64w('Dr \x1b]0;Banque\x07Martin')} <martin@${ORG_DOMAIN}>`, headers: [`Subject: ${b64w('Résultats \x1b[31mURGENT\x1b[0m \x9b2J')}`, ...PLAIN_UTF8], body: 'Résultats joints.' }, { subject: 'URGENT', body: 'Résultats joints' });
  // U+202E in a file name: "facture<RLO>fdp.exe" reads "facture" + "exe.pdf" reversed
  add({
    name: 'bidi-filename',
    headers: [`Subject: ${b64w('Facture \u202Eelbaborp\u202C consultation')}`, 'Content-Type: multipart/mixed; boundary="b1"'],
    body: attachmentMultipart('b1', 'Veuillez trouver la facture.', ['Content-Type: application/octet-stream', `Content-Disposition: attachment; filename*=UTF-8''facture%E2%80%AEfdp.exe`, 'Content-Transfer-Encoding: base64'], Buffer.from('MZ not really').toString('base64')),
  }, { subject: 'consultation', body: 'facture', attachment: 'facture\u202Efdp.exe' });
  // a 1 MB line (no space to break on)
  add({ name: 'megabyte-line', headers: ['Subject: Ligne de 1 Mo', ...PLAIN_UTF8], body: `Début ${'A'.repeat(1024 * 1024)} fin` }, { subject: 'Ligne de 1 Mo', body: 'Début' });
  // a 100 KB subject (folded in encoded words)
  const longSubject = `Objet très long ${'compte rendu '.repeat(8000)}`.slice(0, 100_000);
  const words: string[] = [];
  for (let i = 0; i < longSubject.length; i += 40) words.push(b64w(longSubject.slice(i, i + 40)));
  add({ name: 'huge-subject', headers: [`Subject: ${words.join(`${CRLF} `)}`, ...PLAIN_UTF8], body: 'Corps court.' }, { subject: 'Objet très long', body: 'Corps court' });
  // a 300-character file name with a NUL
  const longName = `${'Compte-rendu-operatoire-'.repeat(12)}\u0000fin.pdf`.slice(-300);
  add({
    name: 'long-filename-nul',
    headers: [`Subject: ${b64w('Pièce jointe au nom très long')}`, 'Content-Type: multipart/mixed; boundary="b2"'],
    body: attachmentMultipart('b2', 'Voir la pièce jointe.', ['Content-Type: application/pdf', `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(longName)}`, 'Content-Transfer-Encoding: base64'], Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64')),
  }, { subject: 'nom très long', body: 'Voir la pièce jointe', attachment: longName });
  // IDN sender domains: single-script (hôpital) and mixed-script (Cyrillic "о" in "hоpital")
  add({ name: 'idn-single-script', from: `${b64w('Secrétariat')} <secretariat@xn--hpital-exemple-0ob.fr>`, headers: ['Subject: Convocation', ...PLAIN_UTF8], body: 'Votre patient est convoqué.' }, { subject: 'Convocation', body: 'convoqué' });
  add({ name: 'idn-mixed-script', from: `${b64w('Secrétariat')} <secretariat@xn--hpital-exemple-vzl.fr>`, headers: ['Subject: Convocation urgente', ...PLAIN_UTF8], body: 'Merci de rappeler.' }, { subject: 'Convocation urgente', body: 'rappeler' });
  // display names pretending to be someone else
  add({ name: 'display-name-other-pro', from: `"Dr Jean Dupont" <jean.dupont@exemple-hors-sante.fr>`, headers: ['Subject: Demande de dossier', ...PLAIN_UTF8], body: 'Pouvez-vous m’envoyer le dossier ?' }, { subject: 'Demande de dossier', body: 'dossier' });
  add({ name: 'display-name-address', from: `"jean.dupont@medecin.mssante.fr" <contact@exemple-hors-sante.fr>`, headers: ['Subject: Dossier patient', ...PLAIN_UTF8], body: 'Merci de répondre.' }, { subject: 'Dossier patient', body: 'répondre' });
  // an IHE_XDM.ZIP whose document no longer matches the METADATA size and hash (altered after signing)
  const p = patient(new Rng(15));
  const zip = unzipSync(makeXdmZip({ p, title: 'Compte rendu de biologie', pdf: makePdf('CR', ['Glycémie 5,2 mmol/l']), author: { name: 'Dr Claire Bernard', address: `claire.bernard@${ORG_DOMAIN}` }, rpps: '99700100099', recipient, when: '20261201090000', n: 1, seed: 15 }));
  const doc = Buffer.from(zip['IHE_XDM/SUBSET01/DOC0001.XML']!).toString('utf8').replace('5,2', '9,8');
  zip['IHE_XDM/SUBSET01/DOC0001.XML'] = new Uint8Array(Buffer.from(`${doc}<!-- modifié -->`));
  const altered = Buffer.from(zipSync(zip, { level: 6, mtime: new Date('2024-01-01T00:00:00Z') }));
  add({
    name: 'xdm-altered',
    headers: ['Subject: Resultats biologie (document altere)', 'Content-Type: multipart/mixed; boundary="b3"'],
    body: attachmentMultipart('b3', 'Ci-joint le compte rendu.', ['Content-Type: application/zip; name="IHE_XDM.ZIP"', 'Content-Disposition: attachment; filename="IHE_XDM.ZIP"', 'Content-Transfer-Encoding: base64'], lines(altered.toString('base64'))),
  }, { subject: 'document altere', body: 'Ci-joint le compte rendu', attachment: 'IHE_XDM.ZIP' });
  // hostile HTML only (script, remote images, plain http)
  add({
    name: 'html-script-remote',
    headers: ['Subject: Lettre HTML', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
    body: '<html><body onload="window.top.__pwned=1"><script>window.top.__pwned=2</script><p>Lettre de liaison.</p><img src="http://127.0.0.1:9/pixel.png"><img src="https://127.0.0.1:9/https.png"><a href="javascript:alert(1)">x</a></body></html>',
  }, { subject: 'Lettre HTML', body: 'Lettre de liaison' });
  return out;
}

export function malformedSet(recipient: string): EdgeMessage[] {
  const out: EdgeMessage[] = [];
  const add = (b: Build, expect: Omit<EdgeMessage, 'name' | 'raw' | 'messageId'>): void => {
    // dated after the hostile set: both sets in one folder keep a known order
    out.push({ name: b.name, ...build(recipient, b, 100 + out.length), ...expect });
  };
  const cp1252 = (s: string): Buffer => Buffer.from(s, 'latin1');
  // 8-bit text with no charset at all (windows-1252 bytes)
  add({ name: 'undeclared-cp1252', headers: ['Subject: Resultat sans charset', 'Content-Type: text/plain', 'Content-Transfer-Encoding: 8bit'], body: cp1252('Le résultat est normal. Dr Éloïse Garçon') }, { subject: 'Resultat sans charset', body: 'Le résultat est normal. Dr Éloïse Garçon' });
  // 8-bit UTF-8 with no charset
  add({ name: 'undeclared-utf8', headers: ['Subject: Resultat utf8 non declare', 'Content-Type: text/plain', 'Content-Transfer-Encoding: 8bit'], body: 'Le résultat est normal.' }, { subject: 'utf8 non declare', body: 'Le résultat est normal.' });
  // declared UTF-8, bytes are windows-1252 ("r�sultat")
  add({ name: 'utf8-declared-cp1252', headers: ['Subject: Resultat mal declare', ...PLAIN_UTF8], body: cp1252('Le résultat de Mme Hélène Lefèvre est arrivé.') }, { body: 'Le résultat de Mme Hélène Lefèvre est arrivé.' });
  // declared ISO-8859-1, bytes are UTF-8 ("rÃ©sultat")
  add({ name: 'latin1-declared-utf8', headers: ['Subject: Resultat latin1 declare', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'], body: 'Le résultat de Mme Hélène Lefèvre est arrivé.' }, { body: 'Le résultat de Mme Hélène Lefèvre est arrivé.' });
  // declared US-ASCII with 8-bit bytes
  add({ name: 'ascii-declared-8bit', headers: ['Subject: Resultat ascii declare', 'Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 8bit'], body: cp1252('Créatininémie à contrôler.') }, { body: 'Créatininémie à contrôler.' });
  // unknown charset name
  add({ name: 'unknown-charset', headers: ['Subject: Charset inconnu', 'Content-Type: text/plain; charset=x-mac-inconnu', 'Content-Transfer-Encoding: 8bit'], body: 'Échographie prévue lundi.' }, { body: 'Échographie prévue lundi.' });
  // raw 8-bit headers: windows-1252 and UTF-8
  add({ name: 'raw-8bit-header-cp1252', from: `Dr \xc9lo\xefse Garnier <eloise.garnier@${ORG_DOMAIN}>`, headers: ['Subject: R\xe9sultat biologie', 'Content-Type: text/plain; charset=windows-1252', 'Content-Transfer-Encoding: 8bit'], body: cp1252('Bien confraternellement.') }, { subject: 'Résultat biologie', body: 'Bien confraternellement.' });
  add({ name: 'raw-8bit-header-utf8', headers: [`Subject: ${Buffer.from('Résultat échographie', 'utf8').toString('latin1')}`, ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Résultat échographie', body: 'Texte.' });
  // encoded-words malformed in common ways
  add({ name: 'ew-space-in-q', headers: ['Subject: =?utf-8?Q?R=C3=A9sultat biologie?=', ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Résultat biologie', body: 'Texte.' });
  add({ name: 'ew-glued', headers: ['Subject: Dr=?UTF-8?Q?_=C3=89lo=C3=AFse?=Garnier', ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Éloïse', body: 'Texte.' });
  add({ name: 'ew-no-padding', headers: [`Subject: =?UTF-8?B?${Buffer.from('Compte rendu opératoire', 'utf8').toString('base64').replace(/=+$/, '')}?=`, ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Compte rendu opératoire', body: 'Texte.' });
  add({ name: 'ew-split-utf8', headers: [`Subject: =?UTF-8?Q?R=C3?= =?UTF-8?Q?=A9sultat_scanner?=`, ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Résultat scanner', body: 'Texte.' });
  add({ name: 'ew-in-quoted-name', from: `"=?UTF-8?Q?Dr_H=C3=A9l=C3=A8ne_Martin?=" <helene.martin@${ORG_DOMAIN}>`, headers: ['Subject: Nom encode entre guillemets', ...PLAIN_UTF8], body: 'Texte.' }, { subject: 'Nom encode', body: 'Texte.' });
  // undecodable bodies: garbage base64, unknown transfer encoding
  add({ name: 'base64-garbage', headers: ['Subject: Corps base64 illisible', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], body: '!!!! ceci n’est pas du base64 @@@@ ####' }, { subject: 'base64 illisible', body: null });
  add({ name: 'unknown-cte', headers: ['Subject: Encodage inconnu', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: x-uuencode'], body: 'begin 644 cr.txt\r\nM0V]M<&5T92!R96YD=0``\r\nend' }, { subject: 'Encodage inconnu', body: 'begin 644' });
  // multipart with a wrong boundary: the text is in the source but no part is found
  add({ name: 'wrong-boundary', headers: ['Subject: Frontiere fausse', 'Content-Type: multipart/mixed; boundary="annonce"'], body: ['--reelle', ...PLAIN_UTF8, '', 'Le compte rendu est joint.', '--reelle--', ''].join(CRLF) }, { subject: 'Frontiere fausse', body: null });
  add({ name: 'multipart-no-boundary', headers: ['Subject: Sans frontiere', 'Content-Type: multipart/mixed'], body: ['--x', ...PLAIN_UTF8, '', 'Texte perdu.', '--x--', ''].join(CRLF) }, { subject: 'Sans frontiere', body: null });
  // binary declared as text: shown as an attachment, never as text
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x01\x02\x03\xff\xfe\x00\x00binary\x00\x00%%EOF\n', 'latin1');
  add({ name: 'binary-as-text', headers: ['Subject: Binaire en texte', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], body: lines(pdf.toString('base64')) }, { subject: 'Binaire en texte', body: null });
  // the body is application/octet-stream only
  add({ name: 'octet-stream-only', headers: ['Subject: Seulement une piece', 'Content-Type: application/octet-stream; name="cr.bin"', 'Content-Transfer-Encoding: base64'], body: lines(Buffer.from('\x00\x01binaire').toString('base64')) }, { subject: 'Seulement une piece', body: null });
  // missing MIME headers entirely, 8-bit cp1252
  add({ name: 'no-mime-8bit', headers: ['Subject: Sans en-tetes MIME'], body: cp1252('Résultat : hémoglobine 13,2 g/dl.') }, { subject: 'Sans en-tetes MIME', body: 'Résultat : hémoglobine 13,2 g/dl.' });
  // quoted-printable with broken escapes
  add({ name: 'qp-broken', headers: ['Subject: QP abime', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: 'Cr=C3=A9atinine =ZZ normale =\r\nsuite =C3' }, { subject: 'QP abime', body: 'Créatinine' });
  return out;
}
