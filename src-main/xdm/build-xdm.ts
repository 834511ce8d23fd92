// Builds an IHE_XDM.ZIP (one submission set, SUBSET01) for CDA and/or PDF
// documents: METADATA.XML with SHA-1 hashes and sizes as XDS wants them, the
// patient's INS and traits, the card holder as author; INDEX.HTM; README.TXT.
// The patient INS must be qualified: a matricule only travels with its traits.
import { createHash, randomUUID } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { AppError } from '../errors/index.js';
import { isInsOid, isValidInsMatricule } from '../rules/ins.js';
import { parseCdaBytes, type CdaDocument } from './cda.js';
import { escapeHl7, formatCx } from './hl7v2.js';
import { XDS_UUID } from './xds-metadata.js';

export interface XdsCode {
  code: string;
  scheme: string;
  display: string;
}

export interface XdmAuthor {
  lastName: string;
  firstName: string;
  /** national id of the professional (RPPS-based "8…" idNat, or plain RPPS) */
  idNat?: string;
  /** e.g. { code: 'G15_10/SM54', scheme: '1.2.250.1.213.1.1.4.5', display: 'Médecin - Médecine générale (SM)' } */
  role?: XdsCode;
  organisation?: { name: string; idNat?: string };
  /** MSSanté address */
  address?: string;
}

export interface XdmPatient {
  ins: string;
  oid: string;
  traits: { birthName: string; firstGivenName: string; /** YYYY-MM-DD */ birthDate: string; sex: 'M' | 'F' };
}

export interface XdmInputDocument {
  /** a CDA R2 document (its header fills the title, type and date unless given) */
  cdaXml?: string | Uint8Array;
  pdf?: Uint8Array;
  title?: string;
  classCode?: XdsCode;
  typeCode?: XdsCode;
  formatCode?: XdsCode;
  confidentialityCode?: XdsCode;
  healthcareFacilityTypeCode?: XdsCode;
  practiceSettingCode?: XdsCode;
  creationTime?: Date;
}

export interface BuildXdmInput {
  documents: XdmInputDocument[];
  patient: XdmPatient;
  author: XdmAuthor;
  /** MSSanté addresses of the recipients (intendedRecipient) */
  recipients?: string[];
  /** submission set title, defaults to the first document's */
  title?: string;
  /** OID of the sending system; a UUID-derived OID when absent */
  sourceId?: string;
  now?: Date;
}

/** French defaults (ANS terminologies); callers override per document. */
const XDS_DEFAULT_CODES = {
  classCode: { code: '10', scheme: '1.2.250.1.213.1.1.4.1', display: 'Compte rendu' },
  confidentialityCode: { code: 'N', scheme: '2.16.840.1.113883.5.25', display: 'Normal' },
  healthcareFacilityTypeCode: { code: 'SA07', scheme: '1.2.250.1.71.4.2.4', display: 'Cabinet individuel' },
  practiceSettingCode: { code: 'AMBULATOIRE', scheme: '1.2.250.1.213.1.1.4.9', display: 'Ambulatoire' },
  formatCodePdf: { code: 'urn:ihe:iti:xds-sd:pdf:2008', scheme: '1.3.6.1.4.1.19376.1.2.3', display: 'Document à corps non structuré en Pdf/A-1' },
  formatCodeCda: { code: 'urn:ihe:iti:xds:2017:mimeTypeSufficient', scheme: '1.3.6.1.4.1.19376.1.2.3', display: 'Format de document suffisamment décrit par son type MIME' },
  typeCodeUnknown: { code: '11488-4', scheme: '2.16.840.1.113883.6.1', display: 'Note de consultation' },
} as const satisfies Record<string, XdsCode>;

const RPPS_OID = '1.2.250.1.71.4.2.1';
const STRUCTURE_OID = '1.2.250.1.71.4.2.2';
const LOINC = '2.16.840.1.113883.6.1';

interface Prepared {
  file: string;
  bytes: Uint8Array;
  mimeType: string;
  entryUuid: string;
  uniqueId: string;
  title: string;
  classCode: XdsCode;
  typeCode: XdsCode;
  formatCode: XdsCode;
  confidentialityCode: XdsCode;
  healthcareFacilityTypeCode: XdsCode;
  practiceSettingCode: XdsCode;
  creationTime: Date;
  languageCode: string;
}

/** The IHE_XDM.ZIP bytes. Throws INVALID_ARGUMENT on unusable input (e.g. an INS that is not qualified). */
export function buildXdmZip(input: BuildXdmInput): Uint8Array {
  checkPatient(input.patient);
  if (!input.author.lastName?.trim() || !input.author.firstName?.trim()) throw new AppError('INVALID_ARGUMENT', 'author name missing');
  if (input.documents.length === 0) throw new AppError('INVALID_ARGUMENT', 'no document');
  const now = input.now ?? new Date();
  const prepared = input.documents.map((d, i) => prepare(d, i + 1, input.patient, now));
  const ss = {
    entryUuid: `urn:uuid:${randomUUID()}`,
    uniqueId: uuidOid(),
    sourceId: input.sourceId ?? uuidOid(),
    title: input.title ?? prepared[0]!.title,
  };
  const metadata = metadataXml(prepared, ss, input, now);
  const files: Zippable = {
    'README.TXT': [utf8(readme(input.author, now)), { level: 6 }],
    'INDEX.HTM': [utf8(indexHtml(prepared, input.author)), { level: 6 }],
    'IHE_XDM/SUBSET01/METADATA.XML': [utf8(metadata), { level: 6 }],
  };
  for (const p of prepared) files[`IHE_XDM/SUBSET01/${p.file}`] = [p.bytes, { level: p.mimeType === 'application/pdf' ? 0 : 6 }];
  return zipSync(files, { mtime: now });
}

function checkPatient(p: XdmPatient): void {
  const problems: string[] = [];
  if (!isInsOid(p.oid)) problems.push('OID is not an INS authority');
  if (!isValidInsMatricule(p.ins)) problems.push('invalid INS matricule');
  const t = p.traits ?? {};
  if (!t.birthName?.trim()) problems.push('birth name missing');
  if (!t.firstGivenName?.trim()) problems.push('first given name missing');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t.birthDate ?? '')) problems.push('birth date missing or not YYYY-MM-DD');
  if (t.sex !== 'M' && t.sex !== 'F') problems.push('sex must be M or F');
  if (problems.length) throw new AppError('INVALID_ARGUMENT', `patient INS not qualified: ${problems.join(', ')}`, { data: { problems } });
}

function prepare(d: XdmInputDocument, n: number, patient: XdmPatient, now: Date): Prepared {
  const num = String(n).padStart(4, '0');
  if ((d.cdaXml === undefined) === (d.pdf === undefined)) throw new AppError('INVALID_ARGUMENT', `document ${n}: give exactly one of cdaXml or pdf`);
  const common = {
    entryUuid: `urn:uuid:${randomUUID()}`,
    classCode: d.classCode ?? XDS_DEFAULT_CODES.classCode,
    confidentialityCode: d.confidentialityCode ?? XDS_DEFAULT_CODES.confidentialityCode,
    healthcareFacilityTypeCode: d.healthcareFacilityTypeCode ?? XDS_DEFAULT_CODES.healthcareFacilityTypeCode,
    practiceSettingCode: d.practiceSettingCode ?? XDS_DEFAULT_CODES.practiceSettingCode,
  };
  if (d.pdf) {
    if (!(d.pdf[0] === 0x25 && d.pdf[1] === 0x50 && d.pdf[2] === 0x44 && d.pdf[3] === 0x46)) {
      throw new AppError('INVALID_ARGUMENT', `document ${n}: not a PDF file`);
    }
    return {
      ...common,
      file: `DOC${num}.PDF`,
      bytes: d.pdf,
      mimeType: 'application/pdf',
      uniqueId: uuidOid(),
      title: d.title ?? 'Document PDF',
      typeCode: d.typeCode ?? XDS_DEFAULT_CODES.typeCodeUnknown,
      formatCode: d.formatCode ?? XDS_DEFAULT_CODES.formatCodePdf,
      creationTime: d.creationTime ?? now,
      languageCode: 'fr-FR',
    };
  }
  const bytes = typeof d.cdaXml === 'string' ? utf8(d.cdaXml) : d.cdaXml!;
  const cda = parseCdaBytes(bytes);
  checkCdaPatient(cda, patient, n);
  const cdaType = cda.type?.code ? { code: cda.type.code, scheme: cda.type.codeSystem ?? LOINC, display: cda.type.display ?? cda.type.code } : undefined;
  const created = cda.effectiveTime ? hl7TsToDate(cda.effectiveTime) : undefined;
  return {
    ...common,
    file: `DOC${num}.XML`,
    bytes,
    mimeType: 'text/xml',
    uniqueId: cdaUniqueId(bytes) ?? uuidOid(),
    title: d.title ?? cda.title ?? cda.type?.display ?? 'Document CDA',
    typeCode: d.typeCode ?? cdaType ?? XDS_DEFAULT_CODES.typeCodeUnknown,
    formatCode: d.formatCode ?? XDS_DEFAULT_CODES.formatCodeCda,
    creationTime: d.creationTime ?? created ?? now,
    languageCode: cda.languageCode ?? 'fr-FR',
  };
}

// A document sent for one patient must not describe another.
function checkCdaPatient(cda: CdaDocument, patient: XdmPatient, n: number): void {
  if (cda.patient.ins && (cda.patient.ins !== patient.ins || cda.patient.oid !== patient.oid)) {
    throw new AppError('INVALID_ARGUMENT', `document ${n}: the CDA patient INS differs from the message patient`);
  }
}

// XDS uniqueId of a CDA = its ClinicalDocument/id as "root^extension" (or root alone).
function cdaUniqueId(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, 64 * 1024));
  const body = head.slice(head.search(/<(\w+:)?ClinicalDocument[\s>]/));
  const m = /<(?:\w+:)?id\b([^>]*)\/?>/.exec(body.replace(/<(?:\w+:)?(typeId|templateId)\b[^>]*>/g, ''));
  const root = m ? /\broot\s*=\s*"([^"]+)"/.exec(m[1]!)?.[1] : undefined;
  const ext = m ? /\bextension\s*=\s*"([^"]+)"/.exec(m[1]!)?.[1] : undefined;
  if (!root) return undefined;
  return ext ? `${root}^${ext}` : root;
}

function hl7TsToDate(ts: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', tz] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${tz ? `${tz.slice(0, 3)}:${tz.slice(3)}` : 'Z'}`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** XDS DTM, UTC: YYYYMMDDhhmmss. */
function xdsTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** An OID nobody else will mint: 2.25 + the UUID as an integer (ITU-T X.667). */
function uuidOid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function slot(name: string, values: string[]): string {
  return `<rim:Slot name="${xml(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${xml(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`;
}

function name(value: string): string {
  return `<rim:Name><rim:LocalizedString xml:lang="fr-FR" charset="UTF-8" value="${xml(value)}"/></rim:Name>`;
}

type NextId = (prefix: string) => string;

function classification(nextId: NextId, scheme: string, object: string, c: XdsCode): string {
  return (
    `<rim:Classification id="${nextId('cl')}" classificationScheme="${scheme}" classifiedObject="${xml(object)}" nodeRepresentation="${xml(c.code)}">` +
    slot('codingScheme', [c.scheme]) +
    name(c.display) +
    `</rim:Classification>`
  );
}

function externalIdentifier(nextId: NextId, scheme: string, object: string, value: string, label: string): string {
  return `<rim:ExternalIdentifier id="${nextId('ei')}" identificationScheme="${scheme}" registryObject="${xml(object)}" value="${xml(value)}">${name(label)}</rim:ExternalIdentifier>`;
}

function authorXcn(a: XdmAuthor): string {
  const id = a.idNat ? escapeHl7(a.idNat) : '';
  const authority = a.idNat ? `&${RPPS_OID}&ISO` : '';
  return `${id}^${escapeHl7(a.lastName.toUpperCase())}^${escapeHl7(a.firstName)}^^^^^^${authority}^D^^^${a.idNat ? 'IDNPS' : ''}`;
}

function authorClassification(nextId: NextId, scheme: string, object: string, a: XdmAuthor): string {
  const slots = [slot('authorPerson', [authorXcn(a)])];
  if (a.organisation) {
    const org = a.organisation;
    slots.push(slot('authorInstitution', [`${escapeHl7(org.name)}^^^^^${org.idNat ? `&${STRUCTURE_OID}&ISO^IDNST^^^${escapeHl7(org.idNat)}` : ''}`]));
  }
  if (a.role) slots.push(slot('authorRole', [`${escapeHl7(a.role.code)}^${escapeHl7(a.role.display)}^${a.role.scheme}`]));
  if (a.address) slots.push(slot('authorTelecommunication', [`^^Internet^${escapeHl7(a.address)}`]));
  return `<rim:Classification id="${nextId('cl')}" classificationScheme="${scheme}" classifiedObject="${xml(object)}" nodeRepresentation="">${slots.join('')}</rim:Classification>`;
}

function patientSlots(p: XdmPatient): { sourcePatientId: string; sourcePatientInfo: string[] } {
  const cx = formatCx({ id: p.ins, oid: p.oid, typeCode: 'NH' });
  return {
    sourcePatientId: cx,
    sourcePatientInfo: [
      `PID-3|${cx}`,
      `PID-5|${escapeHl7(p.traits.birthName)}^${escapeHl7(p.traits.firstGivenName)}^^^^^L`,
      `PID-7|${p.traits.birthDate.replace(/-/g, '')}`,
      `PID-8|${p.traits.sex}`,
    ],
  };
}

function metadataXml(docs: Prepared[], ss: { entryUuid: string; uniqueId: string; sourceId: string; title: string }, input: BuildXdmInput, now: Date): string {
  let counter = 0;
  const nextId: NextId = (prefix) => `${prefix}${++counter}`;
  const patientCx = formatCx({ id: input.patient.ins, oid: input.patient.oid, typeCode: 'NH' });
  const { sourcePatientId, sourcePatientInfo } = patientSlots(input.patient);
  const entries = docs.map((d) => {
    const hash = createHash('sha1').update(d.bytes).digest('hex');
    return (
      `<rim:ExtrinsicObject id="${d.entryUuid}" mimeType="${d.mimeType}" objectType="${XDS_UUID.documentEntry}" status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved">` +
      slot('creationTime', [xdsTime(d.creationTime)]) +
      slot('hash', [hash]) +
      slot('size', [String(d.bytes.length)]) +
      slot('languageCode', [d.languageCode]) +
      slot('sourcePatientId', [sourcePatientId]) +
      slot('sourcePatientInfo', sourcePatientInfo) +
      slot('URI', [d.file]) +
      name(d.title) +
      authorClassification(nextId, XDS_UUID.docAuthor, d.entryUuid, input.author) +
      classification(nextId, XDS_UUID.classCode, d.entryUuid, d.classCode) +
      classification(nextId, XDS_UUID.confidentialityCode, d.entryUuid, d.confidentialityCode) +
      classification(nextId, XDS_UUID.formatCode, d.entryUuid, d.formatCode) +
      classification(nextId, XDS_UUID.healthcareFacilityTypeCode, d.entryUuid, d.healthcareFacilityTypeCode) +
      classification(nextId, XDS_UUID.practiceSettingCode, d.entryUuid, d.practiceSettingCode) +
      classification(nextId, XDS_UUID.typeCode, d.entryUuid, d.typeCode) +
      externalIdentifier(nextId, XDS_UUID.docPatientId, d.entryUuid, patientCx, 'XDSDocumentEntry.patientId') +
      externalIdentifier(nextId, XDS_UUID.docUniqueId, d.entryUuid, d.uniqueId, 'XDSDocumentEntry.uniqueId') +
      `</rim:ExtrinsicObject>`
    );
  });
  // intendedRecipient is XON|XCN|XTN: an address alone goes in the XTN part.
  const recipients = (input.recipients ?? []).map((r) => `||^^Internet^${escapeHl7(r)}`);
  const pkg =
    `<rim:RegistryPackage id="${ss.entryUuid}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage">` +
    slot('submissionTime', [xdsTime(now)]) +
    (recipients.length ? slot('intendedRecipient', recipients) : '') +
    name(ss.title) +
    authorClassification(nextId, XDS_UUID.ssAuthor, ss.entryUuid, input.author) +
    classification(nextId, XDS_UUID.ssContentTypeCode, ss.entryUuid, docs[0]!.typeCode) +
    externalIdentifier(nextId, XDS_UUID.ssUniqueId, ss.entryUuid, ss.uniqueId, 'XDSSubmissionSet.uniqueId') +
    externalIdentifier(nextId, XDS_UUID.ssSourceId, ss.entryUuid, ss.sourceId, 'XDSSubmissionSet.sourceId') +
    externalIdentifier(nextId, XDS_UUID.ssPatientId, ss.entryUuid, patientCx, 'XDSSubmissionSet.patientId') +
    `</rim:RegistryPackage>` +
    `<rim:Classification id="${nextId('cl')}" classifiedObject="${ss.entryUuid}" classificationNode="${XDS_UUID.submissionSet}"/>`;
  const associations = docs.map(
    (d) =>
      `<rim:Association id="${nextId('as')}" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="${ss.entryUuid}" targetObject="${d.entryUuid}">` +
      slot('SubmissionSetStatus', ['Original']) +
      `</rim:Association>`,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">` +
    `<rim:RegistryObjectList>${entries.join('')}${pkg}${associations.join('')}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>\n`
  );
}

function indexHtml(docs: Prepared[], author: XdmAuthor): string {
  const items = docs.map((d) => `<li><a href="IHE_XDM/SUBSET01/${d.file}">${xml(d.title)}</a> (${d.mimeType})</li>`).join('');
  return (
    `<!DOCTYPE html>\n<html lang="fr"><head><meta charset="UTF-8"><title>Contenu IHE_XDM</title></head><body>` +
    `<h1>Documents de santé (IHE XDM)</h1>` +
    `<p>Envoyé par ${xml(`${author.firstName} ${author.lastName}`)}${author.address ? ` (${xml(author.address)})` : ''}.</p>` +
    `<ul><li><a href="README.TXT">README.TXT</a> : informations sur l’expéditeur</li>` +
    `<li><a href="IHE_XDM/SUBSET01/METADATA.XML">IHE_XDM/SUBSET01/METADATA.XML</a> : métadonnées XDS</li>${items}</ul></body></html>\n`
  );
}

function readme(author: XdmAuthor, now: Date): string {
  return [
    'Archive IHE XDM (IHE_XDM.ZIP) produite par Messagerie MSSanté.',
    `Expéditeur : ${author.firstName} ${author.lastName}${author.idNat ? ` (identifiant national ${author.idNat})` : ''}`,
    author.address ? `Adresse MSSanté : ${author.address}` : '',
    author.organisation ? `Structure : ${author.organisation.name}` : '',
    `Date de création : ${now.toISOString()}`,
    'Voir INDEX.HTM pour la liste des documents et IHE_XDM/SUBSET01/METADATA.XML pour les métadonnées.',
    '',
  ]
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .join('\r\n');
}
