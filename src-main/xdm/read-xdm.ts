// Opens an IHE_XDM.ZIP attachment in memory: finds the subset(s) by their
// METADATA.XML wherever they sit (with or without the IHE_XDM/ root, with
// backslash names), matches each document entry to its file, checks size and
// SHA-1 against the metadata, and evaluates the patient's INS status.
import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../errors/index.js';
import { parseCdaBytes, type CdaDocument } from './cda.js';
import { evaluateIns, type PatientIdentity } from './ins-status.js';
import type { Cx } from './hl7v2.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './limits.js';
import { parseXdsMetadataBytes, type XdsDocumentEntry, type XdsSubmissionSet } from './xds-metadata.js';
import { readZipSafely, type ZipFile } from './zip-reader.js';

export type CheckResult = 'ok' | 'mismatch' | 'absent';

export interface XdmDocument {
  /** the XDS metadata of the entry, as declared */
  entry: XdsDocumentEntry;
  /** the subset folder holding the METADATA.XML that lists it ('' at the root) */
  subset: string;
  /** path of the matched file in the archive */
  path?: string;
  /** how the file was found: the URI slot, the entry id as file name, or the only payload of its subset */
  matchedBy: 'uri' | 'id' | 'sole-file' | 'missing';
  bytes?: Uint8Array;
  actualSize?: number;
  actualSha1?: string;
  sizeCheck: CheckResult;
  hashCheck: CheckResult;
  /** 'ok' needs at least one declared check that passes and none that fails */
  integrity: 'ok' | 'mismatch' | 'unverified' | 'missing';
  patient: PatientIdentity;
}

export interface XdmPackage {
  files: { path: string; size: number }[];
  submissionSet?: XdsSubmissionSet;
  documents: XdmDocument[];
  /** the patient of the submission (the first document's, else the submission set's) */
  patient: PatientIdentity;
  warnings: XdmWarning[];
}

export type XdmWarning =
  | { code: 'patient-mismatch'; detail: string }
  | { code: 'cda-patient-mismatch'; documentId: string }
  | { code: 'cda-unreadable'; documentId: string }
  | { code: 'unlisted-file'; path: string }
  | { code: 'unsafe-uri'; documentId: string };

const METADATA_NAME = /(^|\/)metadata\.xml$/i;
const NOT_PAYLOAD = /(^|\/)(metadata\.xml|[^/]+\.xslt?)$/i;

export function readXdm(zipBytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): XdmPackage {
  const files = readZipSafely(zipBytes, limits);
  const metadataFiles = files.filter((f) => METADATA_NAME.test(f.path));
  if (metadataFiles.length === 0) throw new AppError('XDM_NO_METADATA', 'no METADATA.XML in archive');

  const byLowerPath = new Map(files.map((f) => [f.path.toLowerCase(), f]));
  const warnings: XdmWarning[] = [];
  const documents: XdmDocument[] = [];
  let submissionSet: XdsSubmissionSet | undefined;
  const used = new Set<string>();

  for (const meta of metadataFiles.sort((a, b) => a.path.localeCompare(b.path))) {
    const subset = meta.path.includes('/') ? meta.path.slice(0, meta.path.lastIndexOf('/')) : '';
    const metadata = parseXdsMetadataBytes(meta.bytes);
    submissionSet ??= metadata.submissionSet;
    const payloads = files.filter((f) => dirOf(f.path) === subset && !NOT_PAYLOAD.test(f.path));
    for (const entry of metadata.documents) {
      const match = matchFile(entry, subset, payloads, byLowerPath, metadata.documents.length, warnings);
      if (match.file) used.add(match.file.path);
      documents.push(checkDocument(entry, subset, match));
    }
  }
  // A payload beside a METADATA.XML that no entry describes: shown, so nothing is silently dropped.
  const subsetDirs = new Set(metadataFiles.map((m) => dirOf(m.path)));
  for (const f of files) {
    if (!used.has(f.path) && subsetDirs.has(dirOf(f.path)) && !NOT_PAYLOAD.test(f.path)) {
      warnings.push({ code: 'unlisted-file', path: f.path });
    }
  }

  const patient = documents[0]?.patient ?? evaluateIns({ ids: submissionSet?.patientId ? [submissionSet.patientId] : [] });
  checkSamePatient(documents, submissionSet, warnings);
  for (const d of documents) checkCdaPatient(d, warnings);
  return {
    files: files.map((f) => ({ path: f.path, size: f.bytes.length })),
    ...(submissionSet ? { submissionSet } : {}),
    documents,
    patient,
    warnings,
  };
}

function dirOf(p: string): string {
  return p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
}

function matchFile(
  entry: XdsDocumentEntry,
  subset: string,
  payloads: ZipFile[],
  byLowerPath: Map<string, ZipFile>,
  entryCount: number,
  warnings: XdmWarning[],
): { file?: ZipFile; matchedBy: XdmDocument['matchedBy'] } {
  if (entry.uri) {
    const rel = entry.uri.replace(/\\/g, '/');
    if (rel.split('/').includes('..') || rel.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(rel)) {
      warnings.push({ code: 'unsafe-uri', documentId: entry.id });
    } else {
      const f = byLowerPath.get((subset ? `${subset}/${rel}` : rel).toLowerCase());
      if (f) return { file: f, matchedBy: 'uri' };
    }
  }
  const byId = payloads.find((f) => baseName(f.path).replace(/\.[^.]*$/, '').toLowerCase() === entry.id.toLowerCase());
  if (byId) return { file: byId, matchedBy: 'id' };
  // Direct-project zips name the single document DOCUMENT.xml while its entry is "Document01".
  if (entryCount === 1 && payloads.length === 1) return { file: payloads[0]!, matchedBy: 'sole-file' };
  return { matchedBy: 'missing' };
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function checkDocument(entry: XdsDocumentEntry, subset: string, match: { file?: ZipFile; matchedBy: XdmDocument['matchedBy'] }): XdmDocument {
  const patient = patientOfEntry(entry);
  if (!match.file) {
    return { entry, subset, matchedBy: 'missing', sizeCheck: 'absent', hashCheck: 'absent', integrity: 'missing', patient };
  }
  const bytes = match.file.bytes;
  const actualSha1 = createHash('sha1').update(bytes).digest('hex');
  const sizeCheck: CheckResult = entry.size === undefined ? 'absent' : entry.size === bytes.length ? 'ok' : 'mismatch';
  const hashCheck: CheckResult = entry.hash === undefined ? 'absent' : entry.hash === actualSha1 ? 'ok' : 'mismatch';
  const integrity =
    sizeCheck === 'mismatch' || hashCheck === 'mismatch' ? 'mismatch' : sizeCheck === 'ok' || hashCheck === 'ok' ? 'ok' : 'unverified';
  return {
    entry,
    subset,
    path: match.file.path,
    matchedBy: match.matchedBy,
    bytes,
    actualSize: bytes.length,
    actualSha1,
    sizeCheck,
    hashCheck,
    integrity,
    patient,
  };
}

/** The patient of a document entry: patientId + sourcePatientInfo traits (PID-5 of type L is the birth name). */
function patientOfEntry(entry: XdsDocumentEntry): PatientIdentity {
  const ids: Cx[] = [];
  for (const cx of [entry.patientId, ...entry.sourcePatientInfo.ids, entry.sourcePatientId]) {
    if (cx && !ids.some((x) => x.id === cx.id && x.oid === cx.oid)) ids.push(cx);
  }
  const names = entry.sourcePatientInfo.names;
  const birth = names.find((n) => n.type === 'L') ?? names.find((n) => n.type === undefined);
  return evaluateIns({
    ids: ids.map((x) => ({ id: x.id, ...(x.oid ? { oid: x.oid } : {}) })),
    ...(birth?.family ? { birthName: birth.family } : {}),
    ...(birth?.given ? { firstGivenName: birth.given } : {}),
    ...(entry.sourcePatientInfo.birthDate ? { birthDate: entry.sourcePatientInfo.birthDate } : {}),
    ...(entry.sourcePatientInfo.sex ? { sex: entry.sourcePatientInfo.sex } : {}),
  });
}

function patientKey(p: { ins?: string; oid?: string; otherIds: { id: string }[] }): string {
  return p.ins ? `${p.ins}@${p.oid}` : (p.otherIds[0]?.id ?? '');
}

// One XDM should concern one patient: a mix is worth a visible warning.
function checkSamePatient(documents: XdmDocument[], ss: XdsSubmissionSet | undefined, warnings: XdmWarning[]): void {
  const keys = new Set(documents.map((d) => patientKey(d.patient)).filter(Boolean));
  if (keys.size > 1) warnings.push({ code: 'patient-mismatch', detail: 'documents concern different patients' });
  const first = documents[0]?.entry.patientId;
  if (ss?.patientId && first && (ss.patientId.id !== first.id || (ss.patientId.oid ?? '') !== (first.oid ?? ''))) {
    warnings.push({ code: 'patient-mismatch', detail: 'submission set and document patient ids differ' });
  }
}

// The patient in the CDA header must be the patient of the metadata: a mix-up
// here files a result in the wrong record.
function checkCdaPatient(d: XdmDocument, warnings: XdmWarning[]): void {
  if (!d.bytes || d.integrity === 'mismatch' || !/xml/i.test(d.entry.mimeType ?? d.path ?? '')) return;
  let cda: CdaDocument;
  try {
    cda = parseCdaBytes(d.bytes, { headerOnly: true });
  } catch (err) {
    if (!isAppError(err)) throw err;
    warnings.push({ code: 'cda-unreadable', documentId: d.entry.id });
    return;
  }
  const m = d.patient;
  const c = cda.patient;
  const sameIns = m.ins && c.ins ? m.ins === c.ins && m.oid === c.oid : undefined;
  const sameTraits =
    m.traits.birthName && c.traits.birthName && m.traits.birthDate && c.traits.birthDate
      ? m.traits.birthName.toUpperCase() === c.traits.birthName.toUpperCase() && m.traits.birthDate === c.traits.birthDate
      : undefined;
  if (sameIns === false || (sameIns === undefined && sameTraits === false)) warnings.push({ code: 'cda-patient-mismatch', documentId: d.entry.id });
}

/** XDS DTM "YYYYMMDDhhmmss" (UTC, truncatable) → ISO 8601; undefined when malformed. */
export function xdsTimeToIso(value: string | undefined): string | undefined {
  const m = value ? /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  if (!mo) return y;
  if (!d) return `${y}-${mo}`;
  if (!h) return `${y}-${mo}-${d}`;
  return `${y}-${mo}-${d}T${h}:${mi ?? '00'}:${s ?? '00'}Z`;
}
