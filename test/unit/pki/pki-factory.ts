// Generates small test PKIs in memory with @peculiar/x509 (ECDSA P-256 keys: fast to generate).
// Every knob a negative test needs: validity, basicConstraints, keyUsage, EKU, SAN, CRL URL, and
// signing with a key that is not the issuer's (forged signature).
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { x509 } from '../../../src-main/tls/pki/x509.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

export interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  der: Buffer;
}

export function keys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

let serial = 0x1000;
function nextSerial(): string {
  serial += 1;
  return serial.toString(16).padStart(6, '0');
}

export interface CertOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** false: no basicConstraints extension at all */
  basicConstraints?: false | { ca: boolean; pathLength?: number };
  keyUsage?: number | null;
  /** null: no EKU extension */
  eku?: string[] | null;
  dns?: string[];
  ips?: string[];
  crlUrl?: string;
  /** sign with this key instead of the issuer's (forged certificate) */
  signingKey?: CryptoKey;
  serialNumber?: string;
}

async function issue(subject: string, issuer: Issued | null, opts: CertOptions, defaults: CertOptions): Promise<Issued> {
  const o = { ...defaults, ...opts };
  const kp = await keys();
  const extensions: x509.Extension[] = [];
  if (o.basicConstraints) extensions.push(new x509.BasicConstraintsExtension(o.basicConstraints.ca, o.basicConstraints.pathLength, true));
  if (o.keyUsage !== null && o.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(o.keyUsage, true));
  if (o.eku) extensions.push(new x509.ExtendedKeyUsageExtension(o.eku));
  const names = [...(o.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  if (o.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([o.crlUrl]));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(kp.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: o.serialNumber ?? nextSerial(),
    subject: subject,
    issuer: issuer ? issuer.cert.subject : subject,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    publicKey: kp.publicKey,
    signingKey: o.signingKey ?? (issuer ? issuer.keys.privateKey : kp.privateKey),
    signingAlgorithm: ALG,
    extensions,
  });
  return { cert, keys: kp, der: Buffer.from(cert.rawData) };
}

const CA_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

export function makeRoot(cn: string, opts: CertOptions = {}): Promise<Issued> {
  return issue(`CN=${cn}, OU=IGC-SANTE TEST, O=ASIP-SANTE, C=FR`, null, opts, { basicConstraints: { ca: true }, keyUsage: CA_USAGE });
}

export function makeCa(cn: string, issuer: Issued, opts: CertOptions = {}): Promise<Issued> {
  return issue(`CN=${cn}, OU=IGC-SANTE TEST, O=ASIP-SANTE, C=FR`, issuer, opts, { basicConstraints: { ca: true, pathLength: 0 }, keyUsage: CA_USAGE });
}

export const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function makeServer(cn: string, issuer: Issued, opts: CertOptions = {}): Promise<Issued> {
  return issue(`CN=${cn}, O=Operateur Test, C=FR`, issuer, opts, {
    basicConstraints: { ca: false },
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    eku: [SERVER_AUTH],
    dns: [cn],
  });
}

export async function makeCrl(
  issuer: Issued,
  opts: { revoked?: Issued[]; thisUpdate?: Date; nextUpdate?: Date | null; signingKey?: CryptoKey } = {},
): Promise<Buffer> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: opts.thisUpdate ?? new Date(Date.now() - 3600 * 1000),
    ...(opts.nextUpdate === null ? {} : { nextUpdate: opts.nextUpdate ?? new Date(Date.now() + 7 * DAY) }),
    entries: (opts.revoked ?? []).map((r) => ({ serialNumber: r.cert.serialNumber, revocationDate: new Date(Date.now() - 7200 * 1000), reason: x509.X509CrlReason.keyCompromise })),
    signingKey: opts.signingKey ?? issuer.keys.privateKey,
    signingAlgorithm: ALG,
  });
  return Buffer.from(crl.rawData);
}

export { DAY };
