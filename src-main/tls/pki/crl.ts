// Turning CRL bytes into evidence about one certificate (rule 1 and 6 of revocation-policy.ts).
// No I/O. Parsing and signature verification by @peculiar/x509.
import { AsnConvert } from '@peculiar/asn1-schema';
import { IssuingDistributionPoint } from '@peculiar/asn1-x509';
import type { CrlEvidence } from './revocation-policy.js';
import { toArrayBuffer, x509 } from './x509.js';

const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';

export class CrlRejected extends Error {}

/** DER or PEM ("X509 CRL") bytes → parsed CRL; throws CrlRejected when it is not a CRL. */
export function parseCrl(bytes: Uint8Array): x509.X509Crl {
  try {
    const text = Buffer.from(bytes.subarray(0, 40)).toString('latin1');
    if (text.startsWith('-----BEGIN')) return new x509.X509Crl(Buffer.from(bytes).toString('latin1'));
    return new x509.X509Crl(toArrayBuffer(bytes));
  } catch (err) {
    throw new CrlRejected(`not a CRL (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Checks that `crl` is a complete CRL issued and signed by `issuer`. Throws CrlRejected otherwise.
 * The issuingDistributionPoint extension (the only critical CRL extension we accept) narrows a
 * CRL's scope; a CRL limited to CA or attribute certificates is refused for a leaf.
 */
export async function verifyCrl(crl: x509.X509Crl, issuer: x509.X509Certificate, forLeaf: boolean): Promise<void> {
  if (crl.issuer !== issuer.subject) throw new CrlRejected(`CRL issuer "${crl.issuer}" is not "${issuer.subject}"`);
  const ku = issuer.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.cRLSign)) throw new CrlRejected(`"${issuer.subject}" may not sign CRLs (keyUsage)`);
  for (const ext of crl.extensions) {
    if (ext.type === OID_DELTA_CRL_INDICATOR) throw new CrlRejected('delta CRLs are not supported');
    if (ext.critical && ext.type !== OID_ISSUING_DISTRIBUTION_POINT) throw new CrlRejected(`unsupported critical CRL extension ${ext.type}`);
  }
  const idp = crl.getExtension(OID_ISSUING_DISTRIBUTION_POINT);
  if (idp && forLeaf && idpOnlyCa(idp)) throw new CrlRejected('CRL covers only CA certificates');
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

/** The evidence a verified CRL gives about `cert`. */
export function crlEvidence(crl: x509.X509Crl, cert: x509.X509Certificate, source: CrlEvidence['source'], url: string): CrlEvidence {
  const entry = crl.findRevoked(cert.serialNumber);
  return {
    source,
    url,
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    revoked: entry ? { date: entry.revocationDate, ...(entry.reason === undefined ? {} : { reason: entry.reason }) } : null,
  };
}
