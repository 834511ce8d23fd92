// Finds the laboratory results a file or a message carries: CDA biology
// reports inside an IHE_XDM.ZIP or on their own, and HPRIM files. Pure over
// bytes; the caller reads the files or the store.
import { AppError, isAppError } from '../errors/index.js';
import { parseCda } from '../xdm/cda.js';
import { CDA_XML_LIMITS } from '../xdm/limits.js';
import { readXdm } from '../xdm/read-xdm.js';
import { parseXmlBytesSafely } from '../xdm/safe-xml.js';
import { isBiologyCda, parseCdaResults } from './cda-results.js';
import { looksLikeHprim, parseHprim } from './hprim.js';
import type { ResultsReport } from './model.js';
import type { TextEncodingName } from './text-encoding.js';

export interface ResultsDocument {
  report: ResultsReport;
  /** where it came from: the attachment's file name, and the document number inside an XDM archive */
  origin: { kind: 'xdm' | 'cda' | 'hprim'; filename?: string; documentNumber?: number; attachmentIndex?: number };
  /** the laboratory's own PDF of the report (embedded in the CDA): shown first, next to the table */
  pdf?: { filename: string; bytes: Uint8Array };
  encoding?: TextEncodingName;
}

const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

function looksLikeXml(b: Uint8Array): boolean {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : b[0] === 0xff || b[0] === 0xfe ? 2 : 0;
  while (i < b.length && i < 64 && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09 || b[i] === 0x00)) i++;
  return b[i] === 0x3c;
}

/** The results in one file (XDM archive, CDA document, HPRIM file); [] when it holds none. */
export function resultsFromFile(filename: string | undefined, bytes: Uint8Array): ResultsDocument[] {
  if (isZip(bytes)) {
    const pkg = readXdm(bytes);
    const out: ResultsDocument[] = [];
    pkg.documents.forEach((doc, i) => {
      // an altered or missing document is never shown as if it were the one described
      if (!doc.bytes || doc.integrity === 'mismatch') return;
      const found = cdaResults(doc.bytes, { kind: 'xdm', ...(filename ? { filename } : {}), documentNumber: i + 1 });
      if (found) out.push(found);
    });
    return out;
  }
  if (looksLikeXml(bytes) && !looksLikeHprim(filename, bytes)) {
    const found = cdaResults(bytes, { kind: 'cda', ...(filename ? { filename } : {}) });
    return found ? [found] : [];
  }
  if (looksLikeHprim(filename, bytes)) {
    const h = parseHprim(bytes);
    return [{ report: h.report, origin: { kind: 'hprim', ...(filename ? { filename } : {}) }, encoding: h.encoding }];
  }
  return [];
}

function cdaResults(bytes: Uint8Array, origin: ResultsDocument['origin']): ResultsDocument | undefined {
  const root = parseXmlBytesSafely(bytes, CDA_XML_LIMITS).documentElement!;
  if (root.localName !== 'ClinicalDocument' || !isBiologyCda(root)) return undefined;
  const cda = parseCda(root);
  const { report } = parseCdaResults(root, cda);
  const pdf = cda.attachments.find((a) => a.mediaType === 'application/pdf' && !a.mediaTypeMismatch);
  return { report, origin, ...(pdf ? { pdf: { filename: pdf.filename, bytes: pdf.bytes } } : {}) };
}

export interface AttachmentBytes {
  filename: string | null;
  mimeType: string;
  bytes: Uint8Array;
}

/** The laboratory PDF of the n-th results document of one attachment (its "part" id `<attachment>/pdf/<n>`). */
export function resultsPdfOf(filename: string | undefined, bytes: Uint8Array, n: number): { filename: string; bytes: Uint8Array } {
  const pdf = resultsFromFile(filename, bytes)[n]?.pdf;
  if (!pdf) throw new AppError('NOT_FOUND', 'no laboratory PDF at this place');
  return pdf;
}

/** True when an attachment may hold results (checked before loading its content). */
export function mayHoldResults(a: { filename: string | null; mimeType: string }): boolean {
  const name = (a.filename ?? '').toLowerCase();
  return /\.(zip|xml|hpr|hpm|hprim|hpr2|hp2)$/.test(name) || /zip|xml|hprim/.test(a.mimeType.toLowerCase());
}

/**
 * The results of a message's attachments. One unreadable attachment does not hide the others: its
 * error is returned next to the results found.
 */
export function resultsFromAttachments(list: readonly AttachmentBytes[]): { documents: ResultsDocument[]; errors: { filename: string | null; error: AppError }[] } {
  const documents: ResultsDocument[] = [];
  const errors: { filename: string | null; error: AppError }[] = [];
  for (const [index, a] of list.entries()) {
    try {
      documents.push(...resultsFromFile(a.filename ?? undefined, a.bytes).map((d) => ({ ...d, origin: { ...d.origin, attachmentIndex: index } })));
    } catch (err) {
      if (!isAppError(err)) throw err;
      errors.push({ filename: a.filename, error: err });
    }
  }
  return { documents, errors };
}
