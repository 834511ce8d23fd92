// Corpus generator: realistic French medical mail for tests and benchmarks.
// Deterministic by seed (same seed → byte-identical messages). Kinds: plain,
// HTML, multipart/alternative, PDF attachment, IHE_XDM.ZIP (+ PDF); accents in
// headers, bodies and file names; threads (In-Reply-To/References); senders
// holding test-PKI cards and senders from outside.
//
//   generateCorpus({ count, seed })                 → iterable of { raw, messageId, … }
//   loadCorpusIntoMailbox(state, address, options)  → Maildir files + doveadm index
import { mkdir, writeFile, chown, stat } from 'node:fs/promises';
import { openSync, writeSync, fchownSync, futimesSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_SPECS, ORG_CLIENT, cardAddress } from './config.js';
import { Rng, OUTSIDE_SENDERS, SUBJECTS, patient, letter, escapeHtml, makePdf, makeXdmZip, type Patient, type Person } from './corpus-content.js';
import { doveadm, mailboxMaildir } from './dovecot.js';
import type { TestbedState } from '../support/testbed.js';

export type CorpusKind = 'plain' | 'html' | 'alternative' | 'pdf' | 'xdm';

export interface CorpusMessage {
  /** the RFC 822 message, CRLF line ends */
  raw: Buffer;
  index: number;
  messageId: string;
  date: Date;
  from: string;
  to: string;
  /** decoded subject (never log it in product code; test data only) */
  subject: string;
  kind: CorpusKind;
  inReplyTo?: string;
  /** attachment file names */
  attachments: string[];
}

export interface CorpusOptions {
  count: number;
  seed?: number;
  /** the To: address (default doctor A's) */
  recipient?: string;
  /** date of the first message (default 2024-01-02T08:00Z); later ones follow, minutes to hours apart */
  start?: Date;
}

function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s-])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** Senders holding a card or certificate of the bench's PKI. */
export function pkiSenders(): (Person & { rpps: string })[] {
  return [
    ...CARD_SPECS.map((s) => ({ name: `Dr ${titleCase(s.firstName)} ${titleCase(s.lastName)}`, address: cardAddress(s), rpps: s.rpps })),
    { name: 'Secrétariat du centre de santé', address: ORG_CLIENT.address, rpps: '99700199999' },
  ];
}

// --- MIME encoding ------------------------------------------------------------------

const CRLF = '\r\n';

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/** RFC 2047 encoded words (B), split on character boundaries to keep lines short. */
export function encodeWords(s: string): string {
  if (isAscii(s)) return s;
  const words: string[] = [];
  let chunk = '';
  for (const ch of s) {
    if (Buffer.byteLength(chunk + ch) > 42) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(`${CRLF} `);
}

function mailbox(p: Person): string {
  if (isAscii(p.name)) return `"${p.name.replace(/["\\]/g, '')}" <${p.address}>`;
  return `${encodeWords(p.name)} <${p.address}>`;
}

const QP_BYTE = Array.from({ length: 256 }, (_, b) =>
  (b >= 33 && b <= 126 && b !== 61) || b === 32 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`);

/** quoted-printable (RFC 2045) of UTF-8 text, CRLF lines, soft breaks at 76. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let enc = '';
    const bytes = Buffer.from(line, 'utf8');
    for (let i = 0; i < bytes.length; i++) enc += QP_BYTE[bytes[i]!];
    // a trailing space must be encoded
    if (enc.endsWith(' ')) enc = `${enc.slice(0, -1)}=20`;
    let rest = enc;
    while (rest.length > 76) {
      let cut = 75;
      // never split an =XX escape
      const eq = rest.lastIndexOf('=', cut);
      if (eq > cut - 3) cut = eq;
      out.push(`${rest.slice(0, cut)}=`);
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out.join(CRLF);
}

function base64Lines(buf: Buffer): string {
  const b = buf.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 76) lines.push(b.slice(i, i + 76));
  return lines.join(CRLF);
}

/** filename parameter, RFC 2231 when not ASCII. */
function filenameParam(name: string, param = 'filename'): string {
  return isAscii(name) ? `${param}="${name}"` : `${param}*=UTF-8''${encodeURIComponent(name)}`;
}

interface Part {
  headers: string[];
  body: string;
}

function textPart(text: string, subtype: 'plain' | 'html'): Part {
  return { headers: [`Content-Type: text/${subtype}; charset=utf-8`, 'Content-Transfer-Encoding: quoted-printable'], body: quotedPrintable(text) };
}

function attachmentPart(name: string, type: string, data: Buffer): Part {
  return {
    headers: [`Content-Type: ${type}; ${filenameParam(name, 'name')}`, 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; ${filenameParam(name)}`],
    body: base64Lines(data),
  };
}

function multipart(subtype: string, parts: Part[], boundary: string): Part {
  const body = [...parts.map((p) => `--${boundary}${CRLF}${p.headers.join(CRLF)}${CRLF}${CRLF}${p.body}`), `--${boundary}--`, ''].join(CRLF);
  return { headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"`], body: `This is a multi-part message in MIME format.${CRLF}${CRLF}${body}` };
}

function rfc2822Date(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function htmlOf(lines: string[]): string {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body style="font-family: Arial, sans-serif">\n${lines.map((l) => (l ? `<p>${escapeHtml(l)}</p>` : '')).join('\n')}\n</body></html>`;
}

// --- generator ------------------------------------------------------------------------

const KINDS: readonly [CorpusKind, number][] = [['plain', 0.3], ['html', 0.08], ['alternative', 0.27], ['pdf', 0.2], ['xdm', 0.15]];

function pickKind(rng: Rng): CorpusKind {
  let x = rng.next();
  for (const [k, w] of KINDS) {
    if ((x -= w) < 0) return k;
  }
  return 'plain';
}

interface ThreadHead {
  messageId: string;
  subject: string;
  references: string[];
}

/** A document (patient, PDF, IHE_XDM.ZIP) sent by one author; a small pool is reused across the corpus. */
interface Document {
  from: Person & { rpps: string };
  p: Patient;
  title: string;
  pdf: Buffer;
  pdfName: string;
  xdm: Buffer;
}

const DOCUMENT_POOL = 24;

function makeDocuments(rng: Rng, seed: number, authors: readonly (Person & { rpps: string })[], recipient: string, start: Date): Document[] {
  const docs: Document[] = [];
  for (let n = 0; n < DOCUMENT_POOL; n++) {
    const from = authors[n % authors.length]!;
    const p = patient(rng);
    const title = `${rng.pick(SUBJECTS)} – ${p.givenName} ${p.birthName}`;
    const pdfLines: string[] = [];
    const pages = rng.int(4, 16);
    for (let i = 0; i < pages; i++) pdfLines.push(...letter(rng, p, from.name, 6));
    const pdf = makePdf(title, pdfLines);
    const pdfName = `${rng.pick(['Compte-rendu', 'Résultats', 'Lettre de liaison', 'Ordonnance'])} ${p.birthName}.pdf`;
    const when = start.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const xdm = makeXdmZip({ p, title, pdf, author: from, rpps: from.rpps, recipient, when, n, seed });
    docs.push({ from, p, title, pdf, pdfName, xdm });
  }
  return docs;
}

export function* generateCorpus(o: CorpusOptions): Generator<CorpusMessage> {
  const seed = o.seed ?? 1;
  const rng = new Rng(seed);
  const recipient = o.recipient ?? cardAddress(CARD_SPECS[0]!);
  const outside = OUTSIDE_SENDERS.map((p, i) => ({ ...p, rpps: `997002${String(i).padStart(5, '0')}` }));
  const senders = pkiSenders().filter((s) => s.address !== recipient);
  const recent: ThreadHead[] = [];
  const start = o.start ?? new Date('2024-01-02T08:00:00Z');
  let t = start.getTime();
  let documents: Document[] | undefined;

  for (let index = 0; index < o.count; index++) {
    t += rng.int(5, 240) * 60_000;
    const date = new Date(t);
    const kind = pickKind(rng);
    let doc: Document | undefined;
    if (kind === 'pdf' || kind === 'xdm') {
      documents ??= makeDocuments(new Rng(seed ^ 0x5eed), seed, [...senders, ...outside], recipient, start);
      doc = rng.pick(documents);
    }
    const from = doc?.from ?? rng.pick(rng.chance(0.6) ? senders : outside);
    const p = doc?.p ?? patient(rng);
    const replyTo = recent.length > 0 && rng.chance(0.3) ? rng.pick(recent) : undefined;
    const baseSubject = replyTo ? replyTo.subject.replace(/^(RE ?: ?)+/i, '') : (doc?.title ?? `${rng.pick(SUBJECTS)} – ${p.givenName} ${p.birthName}`);
    const subject = replyTo ? `RE: ${baseSubject}` : baseSubject;
    const messageId = `<corpus.${seed}.${index}.${rng.int(100000, 999999)}@${from.address.split('@')[1]}>`;
    const lines = letter(rng, p, from.name, rng.int(3, 9));
    const text = lines.join('\n');
    const attachments: string[] = [];
    const boundary = (n: number) => `----=_corpus_${seed}_${index}_${n}`;

    let body: Part;
    if (kind === 'plain') body = textPart(text, 'plain');
    else if (kind === 'html') body = textPart(htmlOf(lines), 'html');
    else {
      const alt = multipart('alternative', [textPart(text, 'plain'), textPart(htmlOf(lines), 'html')], boundary(1));
      if (!doc) body = alt;
      else {
        const parts = [alt, attachmentPart(doc.pdfName, 'application/pdf', doc.pdf)];
        attachments.push(doc.pdfName);
        if (kind === 'xdm') {
          parts.push(attachmentPart('IHE_XDM.ZIP', 'application/zip', doc.xdm));
          attachments.push('IHE_XDM.ZIP');
        }
        body = multipart('mixed', parts, boundary(0));
      }
    }

    const headers = [
      `Return-Path: <${from.address}>`,
      `Received: from localhost (localhost [127.0.0.1]) by localhost (corpus) with ESMTPS; ${rfc2822Date(date)}`,
      `Date: ${rfc2822Date(date)}`,
      `From: ${mailbox(from)}`,
      `To: ${recipient}`,
      ...(rng.chance(0.1) ? [`Cc: ${mailbox(rng.pick(outside))}`] : []),
      `Subject: ${encodeWords(subject)}`,
      `Message-ID: ${messageId}`,
      ...(replyTo ? [`In-Reply-To: ${replyTo.messageId}`, `References: ${[...replyTo.references, replyTo.messageId].slice(-10).join(' ')}`] : []),
      ...(rng.chance(0.08) ? [`Disposition-Notification-To: ${from.address}`] : []),
      'MIME-Version: 1.0',
      ...body.headers,
    ];
    const raw = Buffer.from(`${headers.join(CRLF)}${CRLF}${CRLF}${body.body}${body.body.endsWith(CRLF) ? '' : CRLF}`, 'utf8');
    recent.push({ messageId, subject, references: replyTo ? [...replyTo.references, replyTo.messageId] : [] });
    if (recent.length > 40) recent.shift();
    yield { raw, index, messageId, date, from: from.address, to: recipient, subject, kind, ...(replyTo ? { inReplyTo: replyTo.messageId } : {}), attachments };
  }
}

// --- loading into the bench's Dovecot --------------------------------------------------------

export interface LoadOptions extends Omit<CorpusOptions, 'recipient'> {
  /** mailbox name (default INBOX); created as a Maildir++ folder if needed */
  folder?: string;
  /** share of messages flagged \Seen (default 0.7, the oldest ones) */
  seenRatio?: number;
}

export interface LoadResult {
  count: number;
  bytes: number;
  ms: number;
  /** of which generating and writing the files */
  writeMs: number;
  folder: string;
  messageIds: string[];
}

async function ensureMaildir(dir: string, uid: number, gid: number, isFolder: boolean): Promise<void> {
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    await mkdir(join(dir, sub), { recursive: true });
    await chown(join(dir, sub), uid, gid);
  }
  if (isFolder) {
    await writeFile(join(dir, 'maildirfolder'), '');
    await chown(join(dir, 'maildirfolder'), uid, gid);
  }
}

/**
 * Writes the corpus as Maildir files straight into `address`'s mailbox (cur/, with
 * flags and INTERNALDATE = Date), then lets Dovecot index them: 10,000 × ~20 KB in seconds.
 */
export async function loadCorpusIntoMailbox(state: TestbedState, address: string, o: LoadOptions): Promise<LoadResult> {
  const t0 = Date.now();
  if (!state.mailboxes.includes(address)) throw new Error(`no mailbox ${address} on the test bench`);
  const folder = o.folder ?? 'INBOX';
  const { uid, gid } = await stat(state.maildirRoot);
  const home = join(mailboxMaildir(state.maildirRoot, address), '..');
  await mkdir(home, { recursive: true });
  await chown(home, uid, gid);
  await ensureMaildir(mailboxMaildir(state.maildirRoot, address), uid, gid, false);
  const dir = mailboxMaildir(state.maildirRoot, address, folder);
  if (folder !== 'INBOX') await ensureMaildir(dir, uid, gid, true);
  const seenUntil = Math.floor(o.count * (o.seenRatio ?? 0.7));
  const messageIds: string[] = [];
  let bytes = 0;
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  for (const m of generateCorpus({ ...o, recipient: address })) {
    const flags = `${m.index % 37 === 0 ? 'F' : ''}${m.index < seenUntil ? 'S' : ''}`;
    const secs = Math.floor(m.date.getTime() / 1000);
    // Names sort in corpus order, so Dovecot gives UIDs in that order.
    const name = `${secs}.M${String(m.index).padStart(7, '0')}P${tag}.corpus,S=${m.raw.length},W=${m.raw.length}:2,${flags}`;
    // Synchronous on purpose: 10,000 small files, the async round trips cost more than the writes.
    const fd = openSync(join(dir, 'cur', name), 'wx', 0o600);
    try {
      writeSync(fd, m.raw);
      fchownSync(fd, uid, gid);
      futimesSync(fd, m.date, m.date);
    } finally {
      closeSync(fd);
    }
    messageIds.push(m.messageId);
    bytes += m.raw.length;
  }
  const tWritten = Date.now();
  await doveadm(state.dovecot.conf, ['index', '-u', address, folder]);
  return { count: o.count, bytes, ms: Date.now() - t0, writeMs: tWritten - t0, folder, messageIds };
}
