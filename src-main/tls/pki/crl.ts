// Turning CRL bytes into evidence about one certificate (rule 1 and 6 of revocation-policy.ts).
// No I/O. Parsing and signature verification by @peculiar/x509.
import { AsnConvert } from '@peculiar/asn1-schema';
import { IssuingDistributionPoint } from '@peculiar/asn1-x509';
import type { CrlEvidence } from './revocation-policy.js';
import { toArrayBuffer, x509 } from './x509.js';

const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';

export class CrlRejected extends Error {}

/**
 * DER or PEM ("X509 CRL") bytes → parsed CRL; throws CrlRejected when it is not a CRL.
 * asn1js's default limit of 10,000 nodes would reject any CRL of more than ~2,000 entries: the
 * node count is bounded by the byte length instead (every node takes at least 2 bytes), and the
 * byte length itself by the fetcher (CRL_MAX_BYTES).
 */
function parseCrl(bytes: Uint8Array): x509.X509Crl {
  try {
    const head = Buffer.from(bytes.subarray(0, 40)).toString('latin1');
    const der = head.startsWith('-----BEGIN')
      ? Buffer.from(Buffer.from(bytes).toString('latin1').replace(/-----(BEGIN|END) X509 CRL-----|\s/g, ''), 'base64')
      : bytes;
    return new x509.X509Crl(toArrayBuffer(der), { berOptions: { maxNodes: Math.max(10_000, der.length), maxContentLength: der.length } });
  } catch (err) {
    throw new CrlRejected(`not a CRL (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Checks that `crl` is a complete CRL issued and signed by `issuer`. Throws CrlRejected otherwise.
 * The issuingDistributionPoint extension is the only critical CRL extension we accept: it narrows
 * the CRL's scope, which crlEvidence honours (a CA-only CRL is refused for a leaf).
 */
async function verifyCrl(crl: x509.X509Crl, issuer: x509.X509Certificate): Promise<void> {
  if (crl.issuer !== issuer.subject) throw new CrlRejected(`CRL issuer "${crl.issuer}" is not "${issuer.subject}"`);
  const ku = issuer.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.cRLSign)) throw new CrlRejected(`"${issuer.subject}" may not sign CRLs (keyUsage)`);
  for (const ext of crl.extensions) {
    if (ext.type === OID_DELTA_CRL_INDICATOR) throw new CrlRejected('delta CRLs are not supported');
    if (ext.critical && ext.type !== OID_ISSUING_DISTRIBUTION_POINT) throw new CrlRejected(`unsupported critical CRL extension ${ext.type}`);
  }
  const ok = await crl.verify({ publicKey: issuer.publicKey }).catch(() => false);
  if (!ok) throw new CrlRejected(`CRL signature does not verify with the key of "${issuer.subject}"`);
}

// IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0], onlyContainsUserCerts [1],
// onlyContainsCACerts [2] BOOLEAN, ... }: decoded with @peculiar/asn1-x509's schema.
function idpOnlyCa(ext: x509.Extension): boolean {
  try {
    const idp = asnParseIdp(ext.value);
    return idp.onlyContainsCACerts === true || idp.onlyContainsAttributeCerts === true;
  } catch {
    return true; // undecodable scope: do not rely on it
  }
}

function asnParseIdp(value: ArrayBuffer): IssuingDistributionPoint {
  return AsnConvert.parse(value, IssuingDistributionPoint);
}

/** What a verified CRL says, reduced for fast lookups (a large CRL is parsed once: crl-indexer.ts). */
export interface CrlIndex {
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** issuingDistributionPoint limits it to CA (or attribute) certificates */
  onlyCaCertificates: boolean;
  /** normalised serial (hex, upper case, no leading zeros) → revocation */
  revoked: Map<string, { date: Date; reason?: number }>;
}

function normaliseSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

/** Parses `bytes`, checks it against `issuer` (verifyCrl) and indexes its entries. The costly step. */
export async function indexCrl(bytes: Uint8Array, issuer: x509.X509Certificate): Promise<CrlIndex> {
  const crl = parseCrl(bytes);
  await verifyCrl(crl, issuer);
  const idp = crl.getExtension(OID_ISSUING_DISTRIBUTION_POINT);
  const revoked = new Map<string, { date: Date; reason?: number }>();
  for (const entry of crl.entries) {
    revoked.set(normaliseSerial(entry.serialNumber), { date: entry.revocationDate, ...(entry.reason === undefined ? {} : { reason: entry.reason }) });
  }
  return { thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, onlyCaCertificates: idp ? idpOnlyCa(idp) : false, revoked };
}

/** The evidence an indexed CRL gives about `cert`; a CA-only CRL says nothing about a leaf. */
export function crlEvidence(index: CrlIndex, cert: x509.X509Certificate, isLeaf: boolean, source: CrlEvidence['source'], url: string): CrlEvidence {
  if (isLeaf && index.onlyCaCertificates) throw new CrlRejected('CRL covers only CA certificates');
  return { source, url, thisUpdate: index.thisUpdate, nextUpdate: index.nextUpdate, revoked: index.revoked.get(normaliseSerial(cert.serialNumber)) ?? null };
}
