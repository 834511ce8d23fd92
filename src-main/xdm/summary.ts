// JSON-ready view of an IHE_XDM.ZIP for `xdm inspect --json`, `messages show
// --json` and the UI: what each document is, for which patient, and whether
// its bytes match the metadata. No document bytes, nothing to write to disk.
import { isAppError, messageFr, type ErrorCode } from '../errors/index.js';
import { describeInsFr, type PatientIdentity } from './ins-status.js';
import { readXdm, xdsTimeToIso, type CheckResult, type XdmPackage, type XdmWarning } from './read-xdm.js';
import type { CodedValue } from './xds-metadata.js';

export interface XdmDocumentSummary {
  id: string;
  uniqueId?: string;
  title?: string;
  mimeType?: string;
  classCode?: CodedValue;
  typeCode?: CodedValue;
  formatCode?: CodedValue;
  /** ISO 8601 (UTC, as XDS says) */
  creationTime?: string;
  authors: string[];
  path?: string;
  size?: number;
  sha1?: string;
  checks: { found: boolean; size: CheckResult; hash: CheckResult };
  integrity: 'ok' | 'mismatch' | 'unverified' | 'missing';
  /** confidentiality codes of the metadata, in French words ("Normale", "Non visible par le patient") */
  confidentiality: string[];
  /** "remplace le document du …" (set by the caller that knows the earlier documents: app/xdm-replacements.ts) */
  replaces?: string;
}

// HL7 v3 Confidentiality (2.16.840.1.113883.5.25) and the French DMP codes (1.2.250.1.213.1.1.4.13).
const CONFIDENTIALITY_FR: Record<string, string> = {
  N: 'Normale',
  R: 'Restreinte',
  V: 'Très restreinte',
  L: 'Faible',
  M: 'Modérée',
  U: 'Non restreinte',
  INVISIBLE_PATIENT: 'Non visible par le patient',
  MASQUE_PS: 'Masqué aux professionnels de santé',
  INVISIBLE_REPRESENTANTS_LEGAUX: 'Non visible par les représentants légaux',
};

/** A confidentiality code in French words; an unknown code keeps its display name or code. */
export function confidentialityFr(c: CodedValue): string {
  return CONFIDENTIALITY_FR[c.code] ?? c.display ?? c.code;
}

/** An INS (NIR/NIA, 15 digits) grouped as printed on cards: "1 84 12 75 108 155 15". */
export function formatIns(ins: string): string {
  const m = /^(\d)(\d{2})(\d{2})(\d{2}|2[AB])(\d{3})(\d{3})(\d{2})$/i.exec(ins.replace(/\s+/g, ''));
  return m ? m.slice(1).join(' ') : ins;
}

export interface XdmPatientSummary {
  ins?: string;
  oid?: string;
  oidLabel?: string;
  test?: boolean;
  traits: PatientIdentity['traits'];
  qualified: boolean;
  status: PatientIdentity['status'];
  missing: PatientIdentity['missing'];
  problems: PatientIdentity['problems'];
  /** one French line, e.g. "INS non qualifiée : manque date de naissance" */
  statusText: string;
}

export interface XdmSummary {
  documents: XdmDocumentSummary[];
  patient: XdmPatientSummary;
  warnings: XdmWarning[];
}

export function summarizeXdm(pkg: XdmPackage): XdmSummary {
  return {
    documents: pkg.documents.map((d) => {
      const e = d.entry;
      const created = xdsTimeToIso(e.creationTime);
      return {
        id: e.id,
        ...(e.uniqueId ? { uniqueId: e.uniqueId } : {}),
        ...(e.title ? { title: e.title } : {}),
        ...(e.mimeType ? { mimeType: e.mimeType } : {}),
        ...(e.classCode ? { classCode: e.classCode } : {}),
        ...(e.typeCode ? { typeCode: e.typeCode } : {}),
        ...(e.formatCode ? { formatCode: e.formatCode } : {}),
        ...(created ? { creationTime: created } : {}),
        authors: e.authors.map((a) => [a.person?.display, ...a.institutions.map((i) => i.name)].filter(Boolean).join(', ')).filter(Boolean),
        ...(d.path ? { path: d.path } : {}),
        ...(d.actualSize !== undefined ? { size: d.actualSize } : {}),
        ...(d.actualSha1 ? { sha1: d.actualSha1 } : {}),
        checks: { found: d.matchedBy !== 'missing', size: d.sizeCheck, hash: d.hashCheck },
        integrity: d.integrity,
        confidentiality: (e.confidentialityCodes ?? []).map(confidentialityFr),
      };
    }),
    patient: summarizePatient(pkg.patient),
    warnings: pkg.warnings,
  };
}

function summarizePatient(p: PatientIdentity): XdmPatientSummary {
  return {
    ...(p.ins ? { ins: p.ins } : {}),
    ...(p.oid ? { oid: p.oid } : {}),
    ...(p.oidLabel ? { oidLabel: p.oidLabel } : {}),
    ...(p.test !== undefined ? { test: p.test } : {}),
    traits: p.traits,
    qualified: p.qualified,
    status: p.status,
    missing: p.missing,
    problems: p.problems,
    statusText: describeInsFr(p),
  };
}

/** The `xdm` field of `messages show --json` for one IHE_XDM.ZIP attachment: never throws. */
export function xdmJsonForAttachment(bytes: Uint8Array): XdmSummary | { error: { code: ErrorCode; message: string } } {
  try {
    return summarizeXdm(readXdm(bytes));
  } catch (err) {
    if (!isAppError(err)) throw err; // a bug, not a bad attachment
    return { error: { code: err.code, message: messageFr(err.code) } };
  }
}

/** Whether a MIME attachment is an XDM package (ANS: "IHE_XDM.zip", any case). */
export function isXdmAttachment(filename: string | undefined): boolean {
  return !!filename && /^IHE_XDM\.ZIP$/i.test(filename.trim());
}

const CHECK_FR: Record<CheckResult, string> = { ok: 'conforme', mismatch: 'NON CONFORME', absent: 'non déclaré' };
const INTEGRITY_FR: Record<XdmDocumentSummary['integrity'], string> = {
  ok: 'intègre',
  mismatch: 'ALTÉRÉ : ne correspond pas aux métadonnées',
  unverified: 'non vérifiable (ni taille ni empreinte dans les métadonnées)',
  missing: 'FICHIER ABSENT de l’archive',
};
const WARNING_FR: Record<XdmWarning['code'], string> = {
  'patient-mismatch': 'les documents ne concernent pas tous le même patient',
  'unlisted-file': 'fichier présent dans l’archive mais absent des métadonnées',
  'unsafe-uri': 'chemin de document dangereux dans les métadonnées (ignoré)',
  'cda-patient-mismatch': 'le patient du document CDA n’est pas celui des métadonnées de l’archive (risque d’erreur de dossier)',
  'cda-unreadable': 'un document XML de l’archive n’est pas un CDA lisible',
};

/** One warning in French, for the UI and the terminal. */
export function xdmWarningFr(w: XdmWarning): string {
  return `${WARNING_FR[w.code]}${'path' in w ? ` (${w.path})` : ''}`;
}

/** The warning shown before a document whose bytes do not match its metadata. */
export const ALTERED_FR =
  'ATTENTION : document altéré ou métadonnées erronées (taille ou empreinte différentes de celles déclarées). Ne le classez pas dans le dossier du patient ; demandez un nouvel envoi à l’expéditeur.';

/** French text for the terminal. */
export function xdmSummaryTextFr(s: XdmSummary): string {
  const p = s.patient;
  const t = p.traits;
  const altered = s.documents.some((d) => d.integrity === 'mismatch' || d.integrity === 'missing');
  const lines = [
    `Patient : ${[t.birthName, t.firstGivenName].filter(Boolean).join(' ') || 'non renseigné'}` +
      `${t.birthDate ? `, né(e) le ${t.birthDate.split('-').reverse().join('/')}` : ''}${t.sex ? `, sexe ${t.sex}` : ''}`,
    `INS : ${p.ins ? `${formatIns(p.ins)} (OID ${p.oid}${p.oidLabel ? `, ${p.oidLabel}` : ''})` : 'absent'}`,
    `Statut : ${p.statusText}${altered ? ' (sur un document altéré : ne pas s’y fier)' : ''}`,
    `Documents (${s.documents.length}) :`,
  ];
  s.documents.forEach((d, i) => {
    lines.push(`  ${i + 1}. ${d.title ?? '(sans titre)'}${d.typeCode ? ` — ${d.typeCode.display ?? d.typeCode.code}` : ''}`);
    if (d.replaces) lines.push(`     Remplacement : ${d.replaces}`);
    if (d.classCode) lines.push(`     Classe : ${d.classCode.display ?? d.classCode.code}`);
    if (d.creationTime) lines.push(`     Créé le : ${d.creationTime}`);
    if (d.confidentiality.length) lines.push(`     Confidentialité : ${d.confidentiality.join(' ; ')}`);
    if (d.authors.length) lines.push(`     Auteur : ${d.authors.join(' ; ')}`);
    lines.push(`     Fichier : ${d.path ?? 'introuvable'}${d.size !== undefined ? ` (${d.size} octets, ${d.mimeType ?? 'type inconnu'})` : ''}`);
    lines.push(`     Taille : ${CHECK_FR[d.checks.size]} ; empreinte SHA-1 : ${CHECK_FR[d.checks.hash]} → ${INTEGRITY_FR[d.integrity]}`);
  });
  for (const w of s.warnings) lines.push(`Attention : ${xdmWarningFr(w)}`);
  if (altered) lines.unshift(ALTERED_FR, '');
  return lines.join('\n');
}
