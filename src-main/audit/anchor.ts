// Anchors of the journal outside the chain's own rows:
// - the head file `<home>/journal-head.json` (seq + hash of the last entry),
//   rewritten atomically after each command that appended; truncating or
//   rewriting the journal in the database no longer matches it;
// - a checkpoint signed with the CPS card when one is logged in: a
//   'journal.checkpoint' entry carrying the card's signature over the head.
import { createPublicKey, verify as verifySignature, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { identityFromCertificate } from '../card/identity.js';
import { AppError } from '../errors/index.js';
import { canonicalJson } from './canonical.js';
import type { ChainPoint } from './chain.js';
import type { JournalEventData, JournalRecord } from './events.js';
import type { Journal } from './journal.js';

const HEAD_FILE = 'journal-head.json';

export const headFile = (home: string): string => join(home, HEAD_FILE);

export interface HeadAnchor extends ChainPoint {
  version: 1;
  at: string;
}

/** The head file, or null when there is none yet. A present but unreadable file is AUDIT_ANCHOR_INVALID. */
export function readHeadAnchor(home: string): HeadAnchor | null {
  let text: string;
  try {
    text = readFileSync(headFile(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('AUDIT_ANCHOR_INVALID', 'cannot read the journal head file', { cause: err });
  }
  try {
    const v = JSON.parse(text) as Partial<HeadAnchor>;
    if (v.version !== 1 || !Number.isSafeInteger(v.seq) || typeof v.hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.hash)) throw new Error('bad shape');
    return v as HeadAnchor;
  } catch (err) {
    throw new AppError('AUDIT_ANCHOR_INVALID', 'the journal head file is malformed', { cause: err });
  }
}

/**
 * Writes the journal's head outside the database. Never moves the anchor
 * backwards (two processes finishing in the wrong order keep the newest).
 */
export function writeHeadAnchor(home: string, journal: Journal): ChainPoint {
  const head = journal.head();
  let current: HeadAnchor | null;
  try {
    current = readHeadAnchor(home);
  } catch {
    current = null; // a damaged file is replaced by the true head
  }
  if (current) {
    const reached = current.seq <= journal.base().seq || journal.hashAt(current.seq) === current.hash;
    // never paper over a journal that no longer reaches its anchor: verify must keep seeing it
    if (!reached || current.seq >= head.seq) return current;
  }
  const file = headFile(home);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, seq: head.seq, hash: head.hash, at: new Date().toISOString() } satisfies HeadAnchor) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot write the journal head file', { cause: err });
  }
  return head;
}

/** The signer part the checkpoint needs (the card's CardSigner fits). */
export interface CheckpointSigner {
  certificateChain(): Promise<Buffer[]>;
  supportedSchemes(): Promise<number[]>;
  sign(scheme: number, data: Buffer): Promise<Buffer>;
}

// TLS SignatureScheme codes we can verify with node:crypto without extra parameters.
const RSA_PKCS1_SHA256 = 0x0401;
const ECDSA_SECP256R1_SHA256 = 0x0403;
const RSA_PSS_RSAE_SHA256 = 0x0804;

export const checkpointPayload = (p: ChainPoint): Buffer => Buffer.from(canonicalJson({ seq: p.seq, hash: p.hash }), 'utf8');

/**
 * Where a checkpoint is read and written: a Journal over this thread's connection (CLI),
 * or the store thread's journal service reached by messages (the app: audit/port.ts).
 */
export interface CheckpointTarget {
  head(): ChainPoint | Promise<ChainPoint>;
  append(records: JournalRecord[]): unknown;
}

/** Signs the current head with the card and appends it as a 'journal.checkpoint' entry. */
export async function signCheckpoint(journal: CheckpointTarget, signer: CheckpointSigner, holder: { nationalId: string | null }): Promise<JournalEventData['journal.checkpoint'] | null> {
  const schemes = await signer.supportedSchemes();
  const scheme = [RSA_PKCS1_SHA256, ECDSA_SECP256R1_SHA256, RSA_PSS_RSAE_SHA256].find((s) => schemes.includes(s));
  const [leaf] = await signer.certificateChain();
  if (scheme === undefined || !leaf) return null;
  const head = await journal.head();
  if (head.seq === 0) return null;
  const signature = await signer.sign(scheme, checkpointPayload(head));
  const data = { seq: head.seq, hash: head.hash, signature: signature.toString('base64'), scheme, certificate: leaf.toString('base64'), nationalId: holder.nationalId };
  await journal.append([{ action: 'journal.checkpoint', data, actor: holder.nationalId }]);
  return data;
}

/**
 * What a card session does with the journal while the card is still logged
 * in (end of `mssante sync`; the app's unlock, lock and quit): signs the head,
 * the holder's national id read from the signer's own certificate.
 */
export async function signSessionCheckpoint(journal: CheckpointTarget, signer: CheckpointSigner): Promise<JournalEventData['journal.checkpoint'] | null> {
  const [leaf] = await signer.certificateChain();
  const nationalId = leaf ? (identityFromCertificate(leaf).holder?.nationalId ?? null) : null;
  return signCheckpoint(journal, signer, { nationalId });
}

/** Checks a checkpoint's card signature against the certificate it carries. */
export function checkpointSignatureValid(d: JournalEventData['journal.checkpoint']): boolean {
  try {
    const cert = new X509Certificate(Buffer.from(d.certificate, 'base64'));
    const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
    const data = checkpointPayload(d);
    const sig = Buffer.from(d.signature, 'base64');
    if (d.scheme === RSA_PKCS1_SHA256) return verifySignature('sha256', data, key, sig);
    if (d.scheme === ECDSA_SECP256R1_SHA256) return verifySignature('sha256', data, { key, dsaEncoding: 'der' }, sig);
    if (d.scheme === RSA_PSS_RSAE_SHA256) return verifySignature('sha256', data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, sig);
    return false;
  } catch {
    return false;
  }
}
