// INS status of a patient identity found in a structured document: "qualifiée"
// only with a valid matricule, an INS assigning-authority OID and the four
// identity traits; otherwise "non qualifiée" with what is missing.
import { INS_OIDS, INS_TRAIT_LABELS_FR, INS_TRAITS, isInsOid, isValidInsMatricule, type InsTrait } from '../rules/ins.js';

export interface InsTraits {
  birthName?: string;
  firstGivenName?: string;
  /** ISO date YYYY-MM-DD */
  birthDate?: string;
  sex?: 'M' | 'F';
}

export type InsMissing = 'matricule' | 'oid' | InsTrait;
export type InsProblem = 'oid-not-ins' | 'matricule-invalid' | 'birth-date-invalid' | 'sex-invalid';

export interface PatientIdentity {
  /** INS matricule (NIR/NIA), when an identifier with an INS OID was found */
  ins?: string;
  oid?: string;
  /** 'INS-NIR', 'INS-NIR de test', … */
  oidLabel?: string;
  /** identifier of a fictitious test/demo patient */
  test?: boolean;
  traits: InsTraits;
  qualified: boolean;
  status: 'qualifiée' | 'non qualifiée';
  missing: InsMissing[];
  problems: InsProblem[];
  /** other identifiers (local IPP, foreign ids), for display */
  otherIds: { id: string; oid?: string }[];
}

export interface RawIdentity {
  ids: { id: string; oid?: string }[];
  birthName?: string;
  firstGivenName?: string;
  /** HL7 TS (YYYYMMDD…) or ISO date */
  birthDate?: string;
  /** HL7 administrative sex */
  sex?: string;
}

export function evaluateIns(raw: RawIdentity): PatientIdentity {
  const problems: InsProblem[] = [];
  const insId = raw.ids.find((x) => x.oid !== undefined && isInsOid(x.oid));
  const otherIds = raw.ids.filter((x) => x !== insId).map((x) => ({ id: x.id, ...(x.oid ? { oid: x.oid } : {}) }));
  const traits: InsTraits = {};
  if (raw.birthName?.trim()) traits.birthName = raw.birthName.trim();
  if (raw.firstGivenName?.trim()) traits.firstGivenName = raw.firstGivenName.trim();
  if (raw.birthDate?.trim()) {
    const iso = hl7DateToIso(raw.birthDate.trim());
    if (iso) traits.birthDate = iso;
    else problems.push('birth-date-invalid');
  }
  if (raw.sex?.trim()) {
    const s = raw.sex.trim().toUpperCase();
    if (s === 'M' || s === 'F') traits.sex = s;
    else problems.push('sex-invalid');
  }

  const missing: InsMissing[] = [];
  let ins: string | undefined;
  let oid: string | undefined;
  if (insId) {
    ins = insId.id;
    oid = insId.oid;
    if (!isValidInsMatricule(ins)) problems.push('matricule-invalid');
  } else {
    missing.push('matricule', 'oid');
    if (raw.ids.some((x) => x.oid)) problems.push('oid-not-ins');
  }
  for (const t of INS_TRAITS) if (traits[t] === undefined) missing.push(t);

  const qualified = missing.length === 0 && !problems.includes('matricule-invalid');
  const oidInfo = oid && isInsOid(oid) ? INS_OIDS[oid] : undefined;
  return {
    ...(ins ? { ins } : {}),
    ...(oid ? { oid } : {}),
    ...(oidInfo ? { oidLabel: oidInfo.label, test: oidInfo.test } : {}),
    traits,
    qualified,
    status: qualified ? 'qualifiée' : 'non qualifiée',
    missing,
    problems,
    otherIds,
  };
}

/** "19790328", "197903281200+0100" or "1979-03-28" → "1979-03-28"; undefined when not a real date. */
export function hl7DateToIso(value: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

const PROBLEM_FR: Record<InsProblem, string> = {
  'oid-not-ins': 'identifiant présent mais son OID n’est pas une autorité INS',
  'matricule-invalid': 'matricule INS invalide (format ou clé)',
  'birth-date-invalid': 'date de naissance invalide',
  'sex-invalid': 'sexe invalide (M ou F attendu)',
};

/** One French line: "INS qualifiée (INS-NIR de test)" or "INS non qualifiée : manque …". */
export function describeInsFr(p: PatientIdentity): string {
  if (p.qualified) return `INS qualifiée${p.oidLabel ? ` (${p.oidLabel})` : ''}`;
  const parts: string[] = [];
  if (p.missing.length) parts.push(`manque ${p.missing.map((m) => INS_TRAIT_LABELS_FR[m]).join(', ')}`);
  parts.push(...p.problems.map((x) => PROBLEM_FR[x]));
  return `INS non qualifiée : ${parts.join(' ; ')}`;
}
