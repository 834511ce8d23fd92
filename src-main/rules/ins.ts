// Identifiant National de Santé (INS): the national patient identity rules that
// structured documents (CDA, XDS metadata of IHE_XDM.ZIP) are checked against.

/**
 * Assigning authorities of the INS matricule (OIDs). Checked against the ANS
 * "FR Core Patient INS" profile: .8 INS-NIR, .9 INS-NIA (temporary), .10 INS-NIR
 * of fictitious TEST patients, .11 INS-NIR of fictitious DEMO patients.
 */
export const INS_OIDS = {
  '1.2.250.1.213.1.4.8': { kind: 'INS-NIR', label: 'INS-NIR', test: false },
  '1.2.250.1.213.1.4.9': { kind: 'INS-NIA', label: 'INS-NIA (temporaire)', test: false },
  '1.2.250.1.213.1.4.10': { kind: 'INS-NIR', label: 'INS-NIR de test', test: true },
  '1.2.250.1.213.1.4.11': { kind: 'INS-NIR', label: 'INS-NIR de démonstration', test: true },
} as const;

export type InsOid = keyof typeof INS_OIDS;

export function isInsOid(oid: string): oid is InsOid {
  return Object.hasOwn(INS_OIDS, oid);
}

/** The four identity traits an INS is only "qualifiée" with (besides matricule + OID). */
export const INS_TRAITS = ['birthName', 'firstGivenName', 'birthDate', 'sex'] as const;
export type InsTrait = (typeof INS_TRAITS)[number];

/** French names of the traits, for "INS non qualifiée : … manquant". */
export const INS_TRAIT_LABELS_FR: Record<InsTrait | 'matricule' | 'oid', string> = {
  matricule: 'matricule INS',
  oid: 'OID de l’autorité d’affectation INS',
  birthName: 'nom de naissance',
  firstGivenName: 'premier prénom de naissance',
  birthDate: 'date de naissance',
  sex: 'sexe',
};

/**
 * A NIR/NIA matricule: 13 characters (sex, year, month, department — 2A/2B in
 * Corsica —, commune, order) and a 2-digit key = 97 - (number mod 97), where
 * Corsica's 2A/2B count as 19/18.
 */
export function isValidInsMatricule(value: string): boolean {
  if (!/^[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{8}$/i.test(value)) return false;
  const body = value.slice(0, 13).toUpperCase();
  const numeric = body.slice(0, 5) + body.slice(5, 7).replace('2A', '19').replace('2B', '18') + body.slice(7);
  return Number(value.slice(13)) === 97 - Number(BigInt(numeric) % 97n);
}
