// The single entry point to @peculiar/x509 for the whole code base: import it from here, never
// directly. @peculiar/x509 2.x resolves its algorithms through tsyringe, which needs a Reflect
// metadata polyfill loaded BEFORE the library (ESM evaluates imports in order).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash } from 'node:crypto';
import { AppError } from '../../errors/index.js';

export { x509 };

/** Parses one DER certificate; a malformed one is CERT_INVALID (never an INTERNAL crash). */
export function parseCertificate(der: Uint8Array, what = 'certificate'): x509.X509Certificate {
  try {
    return new x509.X509Certificate(toArrayBuffer(der));
  } catch (err) {
    throw new AppError('CERT_INVALID', `${what} is not a valid X.509 certificate`, { cause: err });
  }
}

/** Every CERTIFICATE block of a PEM text (other blocks are ignored), as parsed certificates. */
export function parsePemCertificates(pem: string, what = 'PEM bundle'): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block, i) => {
    const der = Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64');
    return parseCertificate(der, `${what} #${i + 1}`);
  });
}

export function derOf(cert: x509.X509Certificate): Buffer {
  return Buffer.from(cert.rawData);
}

/** SHA-256 of the DER, uppercase hex with colons, as `openssl x509 -fingerprint -sha256` prints it. */
export function sha256Fingerprint(cert: x509.X509Certificate): string {
  const hex = createHash('sha256').update(derOf(cert)).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

export function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return derOf(a).equals(derOf(b));
}

/**
 * Plain-HTTP URLs of the CRL distribution points. CRLs are signed objects, so HTTP is the norm
 * (RFC 5280 §4.2.1.13; IGC-Santé publishes on http://igc-sante.esante.gouv.fr/CRL/); LDAP and
 * HTTPS (which would need a trust decision of its own) are not used.
 */
export function crlDistributionUrls(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.CRLDistributionPointsExtension);
  if (!ext) return [];
  const urls: string[] = [];
  for (const dp of ext.distributionPoints) {
    for (const name of dp.distributionPoint?.fullName ?? []) {
      const uri = name.uniformResourceIdentifier;
      if (uri && /^http:\/\//i.test(uri)) urls.push(uri);
    }
  }
  return urls;
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
