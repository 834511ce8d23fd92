// CDA R2 header and body, read from an untrusted document into a plain model:
// who the patient is (with INS status), who wrote it, when, what type; the
// narrative sections; and the embedded files (PDF of a level-1 document, or
// observationMedia copies), kept in memory as attachment objects.
import { Buffer } from 'node:buffer';
import type { Element } from '@xmldom/xmldom';
import { AppError } from '../errors/index.js';
import { evaluateIns, type PatientIdentity } from './ins-status.js';
import { CDA_XML_LIMITS } from './limits.js';
import { attr, childElements, descendants, firstChild, parseXmlBytesSafely, path, text } from './safe-xml.js';

const HL7_V3_NS = 'urn:hl7-org:v3';

export interface CdaCode {
  code?: string;
  codeSystem?: string;
  display?: string;
}

export interface CdaPerson {
  name: string;
  /** identifier and its OID (RPPS: 1.2.250.1.71.4.2.1) */
  id?: { root?: string; extension?: string };
  role?: string;
  organisation?: string;
  /** HL7 TS as written */
  time?: string;
}

export interface CdaPatient extends PatientIdentity {
  /** name used in daily life (qualifier CL), when different from the birth name */
  usedName?: string;
  /** all birth given names, when listed */
  givenNames?: string;
}

export interface CdaAttachment {
  /** stable id within the document: the observationMedia ID, or "document" for a level-1 body */
  id: string;
  filename: string;
  mediaType: string;
  bytes: Uint8Array;
  /** the declared media type does not match the content's magic bytes */
  mediaTypeMismatch: boolean;
}

export interface CdaDocument {
  title?: string;
  type?: CdaCode;
  /** HL7 TS of the document's effectiveTime */
  effectiveTime?: string;
  confidentiality?: CdaCode;
  languageCode?: string;
  patient: CdaPatient;
  authors: CdaPerson[];
  custodian?: string;
  legalAuthenticator?: CdaPerson;
  /** 'structured' (level 2/3), 'non-structured' (level 1, nonXMLBody), or 'empty' */
  bodyKind: 'structured' | 'non-structured' | 'empty';
  /** the <structuredBody> element, for the renderer */
  structuredBody?: Element;
  /** level-1 body shown as text (text/plain, not base64) */
  nonXmlText?: string;
  /** level-1 body that only points elsewhere: never fetched */
  nonXmlReference?: string;
  attachments: CdaAttachment[];
}

export function parseCdaBytes(bytes: Uint8Array, opts: { headerOnly?: boolean } = {}): CdaDocument {
  const doc = parseXmlBytesSafely(bytes, CDA_XML_LIMITS);
  return parseCda(doc.documentElement!, opts);
}

/** `headerOnly`: skip decoding embedded files (patient checks on every listing). */
export function parseCda(root: Element, opts: { headerOnly?: boolean } = {}): CdaDocument {
  if (root.localName !== 'ClinicalDocument' || root.namespaceURI !== HL7_V3_NS) {
    throw new AppError('CDA_INVALID', `root element is ${root.localName} in ${root.namespaceURI ?? 'no namespace'}`);
  }
  const title = text(firstChild(root, 'title'));
  const type = code(firstChild(root, 'code'));
  const effectiveTime = attr(firstChild(root, 'effectiveTime'), 'value');
  const confidentiality = code(firstChild(root, 'confidentialityCode'));
  const languageCode = attr(firstChild(root, 'languageCode'), 'code');
  const custodian = text(path(root, 'custodian', 'assignedCustodian', 'representedCustodianOrganization', 'name'));
  const legal = firstChild(root, 'legalAuthenticator');
  const legalAuthenticator = legal ? person(firstChild(legal, 'assignedEntity'), attr(firstChild(legal, 'time'), 'value')) : undefined;
  const component = firstChild(root, 'component');
  const structuredBody = firstChild(component, 'structuredBody');
  const nonXml = firstChild(component, 'nonXMLBody');
  const attachments: CdaAttachment[] = [];
  let nonXmlText: string | undefined;
  let nonXmlReference: string | undefined;
  if (nonXml) {
    const t = firstChild(nonXml, 'text');
    const ref = attr(firstChild(t, 'reference'), 'value');
    if (ref) nonXmlReference = ref;
    else if (t && attr(t, 'representation') === 'B64') {
      if (!opts.headerOnly) attachments.push(decodeAttachment('document', t, title));
    }
    else if (t) nonXmlText = t.textContent ?? '';
  }
  if (structuredBody && !opts.headerOnly) {
    for (const media of descendants(structuredBody, 'observationMedia')) {
      const value = firstChild(media, 'value');
      if (value && attr(value, 'representation') === 'B64') {
        attachments.push(decodeAttachment(attr(media, 'ID') ?? `media-${attachments.length + 1}`, value, title));
      }
    }
  }
  return {
    ...(title ? { title } : {}),
    ...(type ? { type } : {}),
    ...(effectiveTime ? { effectiveTime } : {}),
    ...(confidentiality ? { confidentiality } : {}),
    ...(languageCode ? { languageCode } : {}),
    patient: patient(path(root, 'recordTarget', 'patientRole')),
    authors: childElements(root, 'author').map((a) => person(firstChild(a, 'assignedAuthor'), attr(firstChild(a, 'time'), 'value'))),
    ...(custodian ? { custodian } : {}),
    ...(legalAuthenticator ? { legalAuthenticator } : {}),
    bodyKind: structuredBody ? 'structured' : nonXml ? 'non-structured' : 'empty',
    ...(structuredBody ? { structuredBody } : {}),
    ...(nonXmlText !== undefined ? { nonXmlText } : {}),
    ...(nonXmlReference ? { nonXmlReference } : {}),
    attachments,
  };
}

function code(el: Element | undefined): CdaCode | undefined {
  if (!el) return undefined;
  const c = attr(el, 'code');
  const cs = attr(el, 'codeSystem');
  const d = attr(el, 'displayName') ?? text(firstChild(el, 'originalText'));
  if (!c && !d) return undefined;
  return { ...(c ? { code: c } : {}), ...(cs ? { codeSystem: cs } : {}), ...(d ? { display: d } : {}) };
}

/** "M Marcel CAMPARINI" from <name><prefix/><given/><family/></name>. */
export function personName(name: Element | undefined): string {
  if (!name) return '';
  const parts = ['prefix', 'given', 'family']
    .map((n) => childElements(name, n).filter((e) => !attr(e, 'qualifier') || attr(e, 'qualifier') === 'BR').map((e) => text(e))[0])
    .filter((x): x is string => !!x);
  return parts.length ? parts.join(' ') : (text(name) ?? '');
}

function person(entity: Element | undefined, time: string | undefined): CdaPerson {
  const id = firstChild(entity, 'id');
  const name = personName(path(entity, 'assignedPerson', 'name')) || text(path(entity, 'assignedAuthoringDevice', 'softwareName')) || '';
  const role = code(firstChild(entity, 'code'))?.display;
  const org = text(path(entity, 'representedOrganization', 'name'));
  return {
    name,
    ...(id && (attr(id, 'root') || attr(id, 'extension'))
      ? { id: { ...(attr(id, 'root') ? { root: attr(id, 'root')! } : {}), ...(attr(id, 'extension') ? { extension: attr(id, 'extension')! } : {}) } }
      : {}),
    ...(role ? { role } : {}),
    ...(org ? { organisation: org } : {}),
    ...(time ? { time } : {}),
  };
}

function patient(role: Element | undefined): CdaPatient {
  const ids = (role ? childElements(role, 'id') : [])
    .map((i) => ({ id: attr(i, 'extension') ?? '', ...(attr(i, 'root') ? { oid: attr(i, 'root')! } : {}) }))
    .filter((x) => x.id);
  const p = firstChild(role, 'patient');
  const name = firstChild(p, 'name');
  const families = name ? childElements(name, 'family') : [];
  const givens = name ? childElements(name, 'given') : [];
  const birthName = text(families.find((f) => attr(f, 'qualifier') === 'BR') ?? families.find((f) => !attr(f, 'qualifier')));
  const firstGiven = text(givens.find((g) => attr(g, 'qualifier') === 'BR') ?? givens.find((g) => !attr(g, 'qualifier')));
  const usedName = text(families.find((f) => attr(f, 'qualifier') === 'CL' || attr(f, 'qualifier') === 'SP'));
  const givenNames = text(givens.find((g) => !attr(g, 'qualifier')));
  const identity = evaluateIns({
    ids,
    ...(birthName ? { birthName } : {}),
    ...(firstGiven ? { firstGivenName: firstGiven } : {}),
    ...(attr(firstChild(p, 'birthTime'), 'value') ? { birthDate: attr(firstChild(p, 'birthTime'), 'value')! } : {}),
    ...(attr(firstChild(p, 'administrativeGenderCode'), 'code') ? { sex: attr(firstChild(p, 'administrativeGenderCode'), 'code')! } : {}),
  });
  return {
    ...identity,
    ...(usedName && usedName !== birthName ? { usedName } : {}),
    ...(givenNames && givenNames !== firstGiven ? { givenNames } : {}),
  };
}

const MAGIC: Record<string, (b: Uint8Array) => boolean> = {
  'application/pdf': (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8,
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
};
const EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'text/plain': 'txt', 'text/rtf': 'rtf' };

function decodeAttachment(id: string, el: Element, title: string | undefined): CdaAttachment {
  const mediaType = (attr(el, 'mediaType') ?? 'application/octet-stream').toLowerCase();
  const b64 = (el.textContent ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new AppError('CDA_INVALID', 'embedded file is not valid base64');
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  const sniff = MAGIC[mediaType];
  const base = safeFileName(title ?? 'document') + (id === 'document' ? '' : `-${safeFileName(id)}`);
  return { id, filename: `${base}.${EXTENSIONS[mediaType] ?? 'bin'}`, mediaType, bytes, mediaTypeMismatch: sniff ? !sniff(bytes) : false };
}

/** A file name safe on every OS (the user may later save the attachment). */
function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '_').replace(/^[.\s]+|[.\s]+$/g, '').slice(0, 100);
  return cleaned || 'document';
}
