// Certification path building and the RFC 5280 checks we enforce on a server certificate path.
// Parsing and signature verification are @peculiar/x509's (no hand-written ASN.1); hostname
// matching is OpenSSL's (node:crypto X509Certificate.checkHost/checkIP). No network, no clock:
// `now` is a parameter, so each refusal is unit-testable.
//
// Order of the checks (the first failure is reported, so each case has a stable code):
//   1. a path to a trust anchor exists (CERT_UNKNOWN_CA), with valid signatures (CERT_BAD_SIGNATURE)
//   2. validity of every certificate of the path (CERT_NOT_YET_VALID, CERT_EXPIRED)
//   3. no unsupported critical extension (CERT_INVALID)
//   4. every issuing certificate is a CA: basicConstraints cA, pathLen, keyUsage keyCertSign (CERT_ISSUER_NOT_CA)
//   5. the leaf may authenticate a TLS server: keyUsage digitalSignature, EKU serverAuth (CERT_BAD_USAGE)
//   6. the leaf is for `hostname`: SAN dNSName / iPAddress only (CERT_HOSTNAME_MISMATCH)
// Revocation comes after (revocation-checker.ts). Not implemented: certificate policies and
// name constraints processing (a critical nameConstraints/policyConstraints extension is refused
// by step 3 rather than ignored).
import { X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { AppError } from '../../errors/index.js';
import type { TrustStore } from './trust-store.js';
import { derOf, sameCertificate, x509 } from './x509.js';

/** Longest path we try to build (leaf + intermediates + anchor); IGC-Santé paths have 3. */
const MAX_PATH_LENGTH = 6;
/** More certificates than any real server sends: refused before any signature work (DoS bound). */
const MAX_CHAIN_CERTIFICATES = 10;

const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_ANY_EKU = '2.5.29.37.0';
/** Extensions we understand well enough to accept when marked critical. */
const SUPPORTED_CRITICAL = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies (informational for us; IGC-Santé marks none critical)
]);

/**
 * Builds a path leaf → … → trust anchor from the certificates the server sent (leaf first) and the
 * store's known intermediates. A candidate issuer must match by name AND verify the signature, so a
 * forged certificate carrying a real CA's name is refused as CERT_BAD_SIGNATURE.
 */
export async function buildPath(chain: readonly x509.X509Certificate[], store: TrustStore): Promise<x509.X509Certificate[]> {
  const leaf = chain[0];
  if (!leaf) throw new AppError('CERT_INVALID', 'the server sent no certificate');
  if (chain.length > MAX_CHAIN_CERTIFICATES) throw new AppError('CERT_INVALID', `the server sent ${chain.length} certificates (at most ${MAX_CHAIN_CERTIFICATES})`);
  const pool = [...chain.slice(1), ...store.intermediates];
  let badSignatureOf: x509.X509Certificate | undefined;

  const extend = async (path: x509.X509Certificate[]): Promise<x509.X509Certificate[] | undefined> => {
    const last = path[path.length - 1]!;
    if (store.anchors.some((a) => sameCertificate(a, last))) return path;
    if (path.length >= MAX_PATH_LENGTH) return undefined;
    // Anchors first: the shortest path to a trust anchor wins.
    const candidates = [...store.anchors, ...pool].filter(
      (c) => c.subject === last.issuer && !path.some((p) => sameCertificate(p, c)),
    );
    for (const issuer of candidates) {
      if (!(await signedBy(last, issuer))) {
        badSignatureOf ??= last;
        continue;
      }
      const found = await extend([...path, issuer]);
      if (found) return found;
    }
    return undefined;
  };

  const path = await extend([leaf]);
  if (path) return path;
  if (badSignatureOf) {
    throw new AppError('CERT_BAD_SIGNATURE', `signature of "${badSignatureOf.subject}" does not verify with its issuer's key`, {
      data: { subject: badSignatureOf.subject },
    });
  }
  throw new AppError('CERT_UNKNOWN_CA', `no path from "${leaf.subject}" (issuer "${leaf.issuer}") to a trust anchor`, {
    data: { subject: leaf.subject, issuer: leaf.issuer },
  });
}

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false; // unsupported algorithm or malformed key: not a valid issuer
  }
}

/** Steps 2 to 6 on a built path (leaf first, anchor last). Throws the first failure. */
export function checkPath(path: readonly x509.X509Certificate[], hostname: string, now: Date): void {
  checkValidity(path, now);
  checkCriticalExtensions(path);
  checkIssuers(path);
  checkServerUsage(path);
  checkHostname(path[0]!, hostname);
}

export function checkValidity(path: readonly x509.X509Certificate[], now: Date): void {
  for (const cert of path) {
    const data = { subject: cert.subject, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() };
    if (now < cert.notBefore) throw new AppError('CERT_NOT_YET_VALID', `"${cert.subject}" is valid only from ${data.notBefore}`, { data });
    if (now > cert.notAfter) throw new AppError('CERT_EXPIRED', `"${cert.subject}" expired on ${data.notAfter}`, { data });
  }
}

function checkCriticalExtensions(path: readonly x509.X509Certificate[]): void {
  for (const cert of path) {
    const unsupported = cert.extensions.find((e) => e.critical && !SUPPORTED_CRITICAL.has(e.type));
    if (unsupported) {
      throw new AppError('CERT_INVALID', `"${cert.subject}" has an unsupported critical extension ${unsupported.type}`, {
        data: { subject: cert.subject, extension: unsupported.type },
      });
    }
  }
}

/**
 * Every certificate that issued another one must be a CA (RFC 5280 §4.2.1.9 and §6.1.4 (k)–(n)).
 * The trust anchor is exempt from the basicConstraints requirement (RFC 5280 §6.1.1 (d): anchor
 * information is trusted as configured) but its pathLen and keyUsage are honoured when present.
 */
function checkIssuers(path: readonly x509.X509Certificate[]): void {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    const isAnchor = i === path.length - 1;
    const bc = ca.getExtension(x509.BasicConstraintsExtension);
    const fail = (why: string): never => {
      throw new AppError('CERT_ISSUER_NOT_CA', `"${ca.subject}" cannot issue certificates: ${why}`, { data: { subject: ca.subject } });
    };
    if (!bc && !isAnchor) fail('no basicConstraints extension');
    if (bc && !bc.ca) fail('basicConstraints cA is false');
    // Non-self-issued intermediates between this CA and the leaf (RFC 5280 §6.1.4 (l), (m)).
    const below = path.slice(1, i).filter((c) => c.subject !== c.issuer).length;
    if (bc?.pathLength !== undefined && below > bc.pathLength) fail(`pathLenConstraint ${bc.pathLength} exceeded (${below})`);
    const ku = ca.getExtension(x509.KeyUsagesExtension);
    if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) fail('keyUsage lacks keyCertSign');
  }
}

/**
 * The leaf must be usable for a TLS server: keyUsage (when present) with digitalSignature, since
 * ECDHE_RSA signs the key exchange; an extendedKeyUsage with serverAuth is REQUIRED (IGC-Santé
 * server certificates always carry it, and a certificate without EKU is not a server certificate
 * for MSSanté). An intermediate carrying an EKU must allow serverAuth too (the usual CA practice).
 */
function checkServerUsage(path: readonly x509.X509Certificate[]): void {
  const leaf = path[0]!;
  const ku = leaf.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.digitalSignature)) {
    throw new AppError('CERT_BAD_USAGE', `"${leaf.subject}" keyUsage lacks digitalSignature`, { data: { subject: leaf.subject } });
  }
  const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku || !eku.usages.map(String).includes(OID_SERVER_AUTH)) {
    throw new AppError('CERT_BAD_USAGE', `"${leaf.subject}" is not a TLS server certificate (no serverAuth extendedKeyUsage)`, {
      data: { subject: leaf.subject },
    });
  }
  for (const ca of path.slice(1)) {
    const caEku = ca.getExtension(x509.ExtendedKeyUsageExtension);
    const usages = caEku?.usages.map(String);
    if (usages && !usages.includes(OID_SERVER_AUTH) && !usages.includes(OID_ANY_EKU)) {
      throw new AppError('CERT_BAD_USAGE', `"${ca.subject}" restricts usages and excludes serverAuth`, { data: { subject: ca.subject } });
    }
  }
}

/**
 * Hostname against the subjectAltName only (RFC 6125 §6.4.4; RFC 9525 drops the CN fallback):
 * IGC-Santé server certificates carry a SAN dNSName, so a CN-only certificate is refused rather
 * than matched on a legacy field. Wildcards only as the whole left-most label.
 */
function checkHostname(leaf: x509.X509Certificate, hostname: string): void {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  // Certificates carry A-labels (punycode): a host typed in Unicode is converted first.
  const host = (isIP(bare) ? bare : domainToASCII(bare) || bare).toLowerCase();
  const cert = new NodeX509(derOf(leaf));
  const ok = isIP(host)
    ? cert.checkIP(host) !== undefined
    : host.length > 0 && cert.checkHost(host, { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined;
  if (!ok) {
    throw new AppError('CERT_HOSTNAME_MISMATCH', `certificate "${leaf.subject}" is not valid for ${host} (SAN: ${cert.subjectAltName ?? 'none'})`, {
      data: { hostname: host, subjectAltName: cert.subjectAltName ?? null },
    });
  }
}
