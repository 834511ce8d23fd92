// The X-MSS headers of a message we send (Référentiel socle MSSanté #2, ECO.2.4.1/2),
// derived from the attachments themselves, never typed by hand: every attachment that is an
// IHE_XDM archive is opened, and each CDA in it gives its header `code` and its patient's INS
// status. No IHE_XDM CDA → no X-MSS-CODECDA and no X-MSS-INS.
import { isAppError } from '../errors/index.js';
import {
  CODE_CDA_SEPARATOR,
  HEADER_CODE_CDA,
  HEADER_INS,
  HEADER_MES,
  HEADER_NIL,
  INS_CARRIED,
  INS_NOT_CARRIED,
  MES_END_OF_TREATMENT,
} from '../rules/messaging.js';
import { parseCdaBytes } from './cda.js';
import { readXdm } from './read-xdm.js';

export interface MssAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface XdmCdaFacts {
  /** the `code` of each CDA header, in archive order (LOINC) */
  codes: string[];
  /** true when every CDA names a patient whose INS is qualified (matricule + OID + 4 traits) */
  insQualified: boolean;
  /** number of CDA documents found in IHE_XDM archives */
  cdaCount: number;
}

const looksLikeZip = (a: MssAttachment) =>
  /\.zip$/i.test(a.filename) || /zip/i.test(a.contentType) || (a.content[0] === 0x50 && a.content[1] === 0x4b);

/** What the IHE_XDM attachments hold; an attachment that is not an XDM archive is ignored. */
function xdmCdaFacts(attachments: readonly MssAttachment[]): XdmCdaFacts {
  const codes: string[] = [];
  let cdaCount = 0;
  let qualified = true;
  for (const a of attachments) {
    if (!looksLikeZip(a)) continue;
    let pkg;
    try {
      pkg = readXdm(a.content);
    } catch (err) {
      if (isAppError(err)) continue; // a plain zip, or a damaged archive: not an IHE_XDM CDA
      throw err;
    }
    for (const doc of pkg.documents) {
      if (!doc.bytes) continue;
      let cda;
      try {
        cda = parseCdaBytes(doc.bytes, { headerOnly: true });
      } catch {
        continue; // a PDF or another non-CDA payload
      }
      cdaCount++;
      if (cda.type?.code) codes.push(cda.type.code);
      if (!(cda.patient.qualified && cda.patient.ins)) qualified = false;
    }
  }
  return { codes, insQualified: cdaCount > 0 && qualified, cdaCount };
}

export interface MssHeaderOptions {
  /** the product's conformity reference (rules PRODUCT_NIL); empty → no X-MSS-NIL */
  productNil?: string;
  /** "message de fin de traitement" (only towards patients: checked by the caller) */
  endOfTreatment?: boolean;
}

/** The X-MSS headers for these attachments, as name → value (insertion order kept). */
export function mssHeaders(attachments: readonly MssAttachment[], opts: MssHeaderOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const facts = xdmCdaFacts(attachments);
  if (facts.cdaCount > 0) {
    if (facts.codes.length) out[HEADER_CODE_CDA] = facts.codes.join(CODE_CDA_SEPARATOR);
    out[HEADER_INS] = facts.insQualified ? INS_CARRIED : INS_NOT_CARRIED;
  }
  const nil = opts.productNil?.trim();
  if (nil) out[HEADER_NIL] = nil;
  if (opts.endOfTreatment) out[HEADER_MES] = MES_END_OF_TREATMENT;
  return out;
}
