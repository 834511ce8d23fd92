// XDS metadata (ebRIM SubmitObjectsRequest) of an XDM subset: the submission set
// and its document entries. Namespace-agnostic: real files use the rim namespace
// as default, as "ns2:", or under the xds-b namespace.
import type { Element } from '@xmldom/xmldom';
import { AppError } from '../errors/index.js';
import { parseCx, parseSourcePatientInfo, parseXcn, parseXon, type Cx, type SourcePatientInfo, type Xcn, type Xon } from './hl7v2.js';
import { METADATA_XML_LIMITS } from './limits.js';
import { attr, childElements, descendants, firstChild, parseXmlBytesSafely, path } from './safe-xml.js';

/** ebXML classification schemes and identification schemes of XDS (IHE ITI TF-3 4.2.5). */
export const XDS_UUID = {
  documentEntry: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSet: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  docAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  healthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  practiceSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  docPatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  docUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssContentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
} as const;

export interface CodedValue {
  code: string;
  scheme?: string;
  display?: string;
}

export interface XdsAuthor {
  person?: Xcn;
  institutions: Xon[];
  roles: string[];
  specialties: string[];
  telecom: string[];
}

export interface XdsDocumentEntry {
  /** ebRIM id, e.g. "Document01" or "urn:uuid:…" */
  id: string;
  mimeType?: string;
  uniqueId?: string;
  title?: string;
  description?: string;
  creationTime?: string;
  serviceStartTime?: string;
  serviceStopTime?: string;
  languageCode?: string;
  /** SHA-1, lowercase hex, as declared */
  hash?: string;
  /** bytes, as declared */
  size?: number;
  /** file name relative to the subset folder (XDM) */
  uri?: string;
  patientId?: Cx;
  sourcePatientId?: Cx;
  sourcePatientInfo: SourcePatientInfo;
  classCode?: CodedValue;
  typeCode?: CodedValue;
  formatCode?: CodedValue;
  confidentialityCodes: CodedValue[];
  healthcareFacilityTypeCode?: CodedValue;
  practiceSettingCode?: CodedValue;
  authors: XdsAuthor[];
  legalAuthenticator?: Xcn;
}

export interface XdsSubmissionSet {
  id: string;
  uniqueId?: string;
  sourceId?: string;
  title?: string;
  description?: string;
  submissionTime?: string;
  patientId?: Cx;
  contentTypeCode?: CodedValue;
  authors: XdsAuthor[];
  intendedRecipients: string[];
}

export interface XdsMetadata {
  submissionSet?: XdsSubmissionSet;
  documents: XdsDocumentEntry[];
}

export function parseXdsMetadataBytes(bytes: Uint8Array): XdsMetadata {
  const doc = parseXmlBytesSafely(bytes, METADATA_XML_LIMITS);
  return parseXdsMetadata(doc.documentElement!);
}

function parseXdsMetadata(root: Element): XdsMetadata {
  if (!['SubmitObjectsRequest', 'ProvideAndRegisterDocumentSetRequest', 'RegistryObjectList'].includes(root.localName ?? '')) {
    throw new AppError('XDM_METADATA_INVALID', `unexpected root element ${root.localName}`);
  }
  const extrinsic = descendants(root, 'ExtrinsicObject');
  const packages = descendants(root, 'RegistryPackage');
  const ssIds = new Set(
    descendants(root, 'Classification')
      .filter((c) => attr(c, 'classificationNode') === XDS_UUID.submissionSet)
      .map((c) => attr(c, 'classifiedObject')),
  );
  const ssElement =
    packages.find((p) => ssIds.has(attr(p, 'id'))) ??
    packages.find((p) => externalIds(p).some((x) => x.scheme === XDS_UUID.ssUniqueId)) ??
    (packages.length === 1 ? packages[0] : undefined);
  const documents = extrinsic.map(parseDocumentEntry);
  if (documents.length === 0) throw new AppError('XDM_METADATA_INVALID', 'no document entry');
  return { ...(ssElement ? { submissionSet: parseSubmissionSet(ssElement) } : {}), documents };
}

function slots(el: Element): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of childElements(el, 'Slot')) {
    const name = attr(s, 'name');
    if (!name) continue;
    const values = childElements(path(s, 'ValueList') ?? s, 'Value').map((v) => v.textContent ?? '');
    m.set(name, [...(m.get(name) ?? []), ...values]);
  }
  return m;
}

function first(m: Map<string, string[]>, name: string): string | undefined {
  const v = m.get(name)?.[0]?.trim();
  return v ? v : undefined;
}

function localized(el: Element | undefined): string | undefined {
  const v = attr(firstChild(el, 'LocalizedString'), 'value')?.trim();
  return v ? v : undefined;
}

function externalIds(el: Element): { scheme?: string; name?: string; value: string }[] {
  return childElements(el, 'ExternalIdentifier').map((x) => ({
    ...(attr(x, 'identificationScheme') ? { scheme: attr(x, 'identificationScheme')! } : {}),
    ...(localized(firstChild(x, 'Name')) ? { name: localized(firstChild(x, 'Name'))! } : {}),
    value: attr(x, 'value') ?? '',
  }));
}

function externalId(el: Element, scheme: string, name: string): string | undefined {
  const x = externalIds(el).find((e) => e.scheme === scheme) ?? externalIds(el).find((e) => e.name === name);
  return x?.value.trim() || undefined;
}

function classifications(el: Element, scheme: string): Element[] {
  return childElements(el, 'Classification').filter((c) => attr(c, 'classificationScheme') === scheme);
}

function coded(c: Element | undefined): CodedValue | undefined {
  const code = attr(c, 'nodeRepresentation');
  if (!c || !code) return undefined;
  const scheme = first(slots(c), 'codingScheme');
  const display = localized(firstChild(c, 'Name'));
  return { code, ...(scheme ? { scheme } : {}), ...(display ? { display } : {}) };
}

function author(c: Element): XdsAuthor {
  const s = slots(c);
  const person = first(s, 'authorPerson');
  return {
    ...(person ? { person: parseXcn(person) } : {}),
    institutions: (s.get('authorInstitution') ?? []).filter((v) => v.trim()).map(parseXon),
    roles: (s.get('authorRole') ?? []).map((v) => v.split('^')[0]!.trim()).filter(Boolean),
    specialties: (s.get('authorSpecialty') ?? []).map((v) => v.split('^')[1]?.trim() || v.split('^')[0]!.trim()).filter(Boolean),
    telecom: (s.get('authorTelecommunication') ?? []).map((v) => v.trim()).filter(Boolean),
  };
}

function parseDocumentEntry(el: Element): XdsDocumentEntry {
  const id = attr(el, 'id');
  if (!id) throw new AppError('XDM_METADATA_INVALID', 'document entry without id');
  const s = slots(el);
  const size = first(s, 'size');
  const uri = uriSlot(s.get('URI') ?? []);
  const patientId = externalId(el, XDS_UUID.docPatientId, 'XDSDocumentEntry.patientId');
  const uniqueId = externalId(el, XDS_UUID.docUniqueId, 'XDSDocumentEntry.uniqueId');
  const sourcePatientId = first(s, 'sourcePatientId');
  const legal = first(s, 'legalAuthenticator');
  const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    id,
    ...opt('mimeType', attr(el, 'mimeType')),
    ...opt('uniqueId', uniqueId),
    ...opt('title', localized(firstChild(el, 'Name'))),
    ...opt('description', localized(firstChild(el, 'Description'))),
    ...opt('creationTime', first(s, 'creationTime')),
    ...opt('serviceStartTime', first(s, 'serviceStartTime')),
    ...opt('serviceStopTime', first(s, 'serviceStopTime')),
    ...opt('languageCode', first(s, 'languageCode')),
    ...opt('hash', first(s, 'hash')?.toLowerCase()),
    ...opt('size', size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined),
    ...opt('uri', uri),
    ...opt('patientId', patientId ? parseCx(patientId) : undefined),
    ...opt('sourcePatientId', sourcePatientId ? parseCx(sourcePatientId) : undefined),
    sourcePatientInfo: parseSourcePatientInfo(s.get('sourcePatientInfo') ?? []),
    ...opt('classCode', coded(classifications(el, XDS_UUID.classCode)[0])),
    ...opt('typeCode', coded(classifications(el, XDS_UUID.typeCode)[0])),
    ...opt('formatCode', coded(classifications(el, XDS_UUID.formatCode)[0])),
    confidentialityCodes: classifications(el, XDS_UUID.confidentialityCode).map(coded).filter((c): c is CodedValue => !!c),
    ...opt('healthcareFacilityTypeCode', coded(classifications(el, XDS_UUID.healthcareFacilityTypeCode)[0])),
    ...opt('practiceSettingCode', coded(classifications(el, XDS_UUID.practiceSettingCode)[0])),
    authors: classifications(el, XDS_UUID.docAuthor).map(author),
    ...opt('legalAuthenticator', legal ? parseXcn(legal) : undefined),
  };
}

// XDM allows a long URI split over numbered values: "1|part", "2|part".
function uriSlot(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1 && values.every((v) => /^\d+\|/.test(v))) {
    return values
      .map((v) => ({ n: Number(v.slice(0, v.indexOf('|'))), s: v.slice(v.indexOf('|') + 1) }))
      .sort((a, b) => a.n - b.n)
      .map((x) => x.s)
      .join('')
      .trim();
  }
  return values[0]!.trim() || undefined;
}

function parseSubmissionSet(el: Element): XdsSubmissionSet {
  const s = slots(el);
  const patientId = externalId(el, XDS_UUID.ssPatientId, 'XDSSubmissionSet.patientId');
  const uniqueId = externalId(el, XDS_UUID.ssUniqueId, 'XDSSubmissionSet.uniqueId');
  const sourceId = externalId(el, XDS_UUID.ssSourceId, 'XDSSubmissionSet.sourceId');
  const title = localized(firstChild(el, 'Name'));
  const description = localized(firstChild(el, 'Description'));
  const submissionTime = first(s, 'submissionTime');
  const contentType = coded(classifications(el, XDS_UUID.ssContentTypeCode)[0]);
  return {
    id: attr(el, 'id') ?? '',
    ...(uniqueId ? { uniqueId } : {}),
    ...(sourceId ? { sourceId } : {}),
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(submissionTime ? { submissionTime } : {}),
    ...(patientId && parseCx(patientId) ? { patientId: parseCx(patientId)! } : {}),
    ...(contentType ? { contentTypeCode: contentType } : {}),
    authors: classifications(el, XDS_UUID.ssAuthor).map(author),
    intendedRecipients: (s.get('intendedRecipient') ?? []).map((v) => v.trim()).filter(Boolean),
  };
}
