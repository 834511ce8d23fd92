// Who holds the card: derived from the authentication certificate alone
// (pure; no PKCS#11 here). Subject of a CPS authentication certificate:
// multi-valued RDN "CN=<national id>+SN=<last name>+GN=<first name>",
// then title=<profession>, C=FR.
import { createHash } from 'node:crypto';
import { x509, parseCertificate } from '../tls/pki/x509.js';
import {
  NATIONAL_ID_PREFIXES,
  ORGANISATION_ISSUER_PATTERN,
  PERSON_ISSUER_PATTERN,
  PROFESSIONAL_ID_TYPES,
  type CardHolder,
  type CardType,
  type NationalIdType,
} from '../rules/cps.js';

// The holder type lives with the CPS rules (rules/cps.ts): xdm/ and audit/ use it without importing card/.
export type { CardHolder } from '../rules/cps.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** CN of the issuing CA, e.g. "AC IGC-SANTE FORT PERSONNES" */
  issuerCommonName: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, lowercase hex */
  sha256: string;
}

export interface CardIdentity {
  cardType: CardType;
  /** null for certificates that name no person (ORG, OTHER) */
  holder: CardHolder | null;
  certificate: CertificateSummary;
}

const OID = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  GN: '2.5.4.42',
  TITLE: '2.5.4.12',
  OU: '2.5.4.11',
  O: '2.5.4.10',
} as const;

/** Every value of an attribute type anywhere in a name (multi-valued RDNs included). */
function values(name: x509.Name, oid: string): string[] {
  return name.getField(oid);
}

function first(name: x509.Name, oid: string): string {
  return values(name, oid)[0] ?? '';
}

export function nationalIdType(nationalId: string): NationalIdType {
  const prefix = nationalId.charAt(0) as keyof typeof NATIONAL_ID_PREFIXES;
  return NATIONAL_ID_PREFIXES[prefix] ?? 'UNKNOWN';
}

function summariseCertificate(cert: x509.X509Certificate): CertificateSummary {
  const der = Buffer.from(cert.rawData);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    issuerCommonName: first(cert.issuerName, OID.CN),
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sha256: createHash('sha256').update(der).digest('hex'),
  };
}

/** Identity from a DER certificate; an unreadable one is CERT_INVALID. */
export function identityFromCertificate(der: Uint8Array): CardIdentity {
  const cert = parseCertificate(der, 'card certificate');
  const certificate = summariseCertificate(cert);
  const issuerCn = certificate.issuerCommonName;
  if (ORGANISATION_ISSUER_PATTERN.test(issuerCn)) return { cardType: 'ORG', holder: null, certificate };

  const subject = cert.subjectName;
  const nationalId = first(subject, OID.CN);
  const lastName = first(subject, OID.SN);
  const firstName = first(subject, OID.GN);
  if (!PERSON_ISSUER_PATTERN.test(issuerCn) || !nationalId || !lastName) {
    return { cardType: 'OTHER', holder: null, certificate };
  }
  const idType = nationalIdType(nationalId);
  const number = nationalId.slice(1);
  const holder: CardHolder = {
    nationalId,
    idType,
    rpps: idType === 'RPPS' ? number : null,
    adeli: idType === 'ADELI' ? number : null,
    lastName,
    firstName,
    profession: first(subject, OID.TITLE),
  };
  return { cardType: PROFESSIONAL_ID_TYPES.includes(idType) ? 'CPS' : 'CPE', holder, certificate };
}

/** keyUsage bits of a certificate (null when the extension is absent). */
function keyUsage(cert: x509.X509Certificate): number | null {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  return ext ? ext.usages : null;
}

/**
 * The authentication certificate among those on a card: a CPS carries an
 * authentication certificate (digitalSignature) and a signature one
 * (nonRepudiation). Falls back to the label, then to the first certificate.
 */
export function pickAuthenticationCertificate<T extends { der: Uint8Array; label: string }>(certs: readonly T[]): T | null {
  const scored = certs.map((c) => {
    let score = 0;
    try {
      const usage = keyUsage(parseCertificate(c.der));
      if (usage !== null && usage & x509.KeyUsageFlags.digitalSignature) score += 2;
      if (usage !== null && usage & x509.KeyUsageFlags.nonRepudiation) score -= 2;
    } catch {
      score -= 10; // unreadable: last resort only
    }
    if (/auth/i.test(c.label)) score += 1;
    if (/signature/i.test(c.label)) score -= 1;
    return { c, score };
  });
  scored.sort((a, b) => b.score - a.score);
  return scored[0]?.c ?? null;
}
