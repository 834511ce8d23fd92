// What `mssante send … --xdm CDA_FILE [--patient-ins …]` (and the compose
// window) attach: IHE_XDM.ZIP built from a CDA whose header names a patient
// with a qualified INS, the readable PDF beside it, and the ANS subject.
import type { CardHolder } from '../rules/cps.js';
import { AppError } from '../errors/index.js';
import { buildXdmZip, type XdmAuthor, type XdmPatient } from './build-xdm.js';
import { parseCdaBytes, type CdaDocument } from './cda.js';

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface XdmMailParts {
  /** ANS convention: "XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de naissance>" */
  subject: string;
  /** IHE_XDM.ZIP first, then the PDF when the CDA carries one */
  attachments: MailAttachment[];
  patient: XdmPatient;
}

/** The author of an XDM: the card holder (RPPS-based national id) and the sending address. */
export function xdmAuthorFromCard(holder: CardHolder, address: string): XdmAuthor {
  return { lastName: holder.lastName, firstName: holder.firstName, idNat: holder.nationalId, address };
}

/** The XDM patient from a CDA header; only a qualified INS may be sent. */
function xdmPatientFromCda(cda: CdaDocument, expectedIns?: string): XdmPatient {
  const p = cda.patient;
  if (expectedIns !== undefined && p.ins !== expectedIns.replace(/\s+/g, '')) {
    throw new AppError('INVALID_ARGUMENT', 'the CDA patient INS differs from --patient-ins');
  }
  const t = p.traits;
  if (!p.qualified || !p.ins || !p.oid || !t.birthName || !t.firstGivenName || !t.birthDate || !t.sex) {
    throw new AppError('INVALID_ARGUMENT', `the CDA patient INS is not qualified (missing: ${[...p.missing, ...p.problems].join(', ')})`, {
      data: { missing: p.missing, problems: p.problems },
    });
  }
  return { ins: p.ins, oid: p.oid, traits: { birthName: t.birthName, firstGivenName: t.firstGivenName, birthDate: t.birthDate, sex: t.sex } };
}

function xdmMailSubject(title: string, patient: XdmPatient): string {
  const t = patient.traits;
  const date = t.birthDate.split('-').reverse().join('/');
  return `XDM/1.0/DDM+${title.replace(/\s+/g, ' ').trim()} ${t.birthName.toUpperCase()} ${t.firstGivenName.toUpperCase()} ${date}`;
}

export function xdmMailParts(input: { cdaXml: Uint8Array; author: XdmAuthor; recipients: string[]; patientIns?: string; now?: Date }): XdmMailParts {
  const cda = parseCdaBytes(input.cdaXml);
  const patient = xdmPatientFromCda(cda, input.patientIns);
  const zip = buildXdmZip({
    documents: [{ cdaXml: input.cdaXml }],
    patient,
    author: input.author,
    recipients: input.recipients,
    ...(input.now ? { now: input.now } : {}),
  });
  const title = cda.title ?? cda.type?.display ?? 'Document';
  const pdf = cda.attachments.find((a) => a.mediaType === 'application/pdf' && !a.mediaTypeMismatch);
  return {
    subject: xdmMailSubject(title, patient),
    attachments: [
      { filename: 'IHE_XDM.ZIP', contentType: 'application/zip', content: zip },
      ...(pdf ? [{ filename: pdf.filename, contentType: 'application/pdf', content: pdf.bytes }] : []),
    ],
    patient,
  };
}
