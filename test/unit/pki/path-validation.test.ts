// Each way a server certificate path can be wrong is refused with its own error code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src-main/errors/index.js';
import { PkiServerCertificateVerifier } from '../../../src-main/tls/pki/verifier.js';
import type { TrustStore } from '../../../src-main/tls/pki/trust-store.js';
import { x509 } from '../../../src-main/tls/pki/x509.js';
import { CLIENT_AUTH, DAY, keys, makeCa, makeCrl, makeRoot, makeServer, type Issued } from './pki-factory.js';

let root: Issued;
let ca: Issued;
let store: TrustStore;
const crls = new Map<string, Buffer>();
const ROOT_CRL = 'http://crl.test/root.crl';
const CA_CRL = 'http://crl.test/ca.crl';

before(async () => {
  root = await makeRoot('TEST AC RACINE');
  ca = await makeCa('TEST AC ORGANISATIONS', root, { crlUrl: ROOT_CRL });
  store = { source: 'test', anchors: [root.cert], intermediates: [] };
  crls.set(ROOT_CRL, await makeCrl(root));
  crls.set(CA_CRL, await makeCrl(ca));
});

function verifier(overrides: Partial<ConstructorParameters<typeof PkiServerCertificateVerifier>[0]> = {}): PkiServerCertificateVerifier {
  return new PkiServerCertificateVerifier({
    trustStore: store,
    fetchCrl: (url) => {
      const crl = crls.get(url);
      return crl ? Promise.resolve(crl) : Promise.reject(new Error(`no CRL at ${url}`));
    },
    ...overrides,
  });
}

async function refused(chain: Issued[], host: string, code: string, v = verifier()): Promise<AppError> {
  const err = await v.verify(chain.map((c) => c.der), host).then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}

test('a correct chain for the right host is accepted, leaf to anchor', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  const result = await verifier().verify([srv.der, ca.der], 'imap.operateur.test');
  assert.deepEqual(result.subjects, [srv.cert.subject, ca.cert.subject, root.cert.subject]);
  assert.equal(result.revocation, 'good');
  assert.equal(result.pathDer?.length, 3);
});

test('an intermediate the server omits is found among the store intermediates', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  await refused([srv], 'imap.operateur.test', 'CERT_UNKNOWN_CA');
  const v = verifier({ trustStore: { ...store, intermediates: [ca.cert] } });
  assert.equal((await v.verify([srv.der], 'imap.operateur.test')).subjects.length, 3);
});

test('unknown CA: a chain to another root is refused', async () => {
  const foreignRoot = await makeRoot('AUTRE RACINE');
  const foreignCa = await makeCa('AUTRE AC', foreignRoot);
  const srv = await makeServer('imap.operateur.test', foreignCa);
  const err = await refused([srv, foreignCa, foreignRoot], 'imap.operateur.test', 'CERT_UNKNOWN_CA');
  assert.match(err.message, /AUTRE AC/);
});

test('a self-signed server certificate is an unknown CA', async () => {
  const self = await makeRoot('imap.operateur.test');
  await refused([self], 'imap.operateur.test', 'CERT_UNKNOWN_CA');
});

test('bad signature: a certificate bearing the CA name but signed by another key', async () => {
  const forger = await keys();
  const forged = await makeServer('imap.operateur.test', ca, { signingKey: forger.privateKey, crlUrl: CA_CRL });
  await refused([forged, ca], 'imap.operateur.test', 'CERT_BAD_SIGNATURE');
});

test('a tampered certificate (one byte of the signed part changed) is refused as bad signature', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  const der = Buffer.from(srv.der);
  const at = der.indexOf(Buffer.from('imap.operateur.test'));
  der[at] = 'j'.charCodeAt(0); // "jmap.operateur.test": still parses
  const err = await verifier().verify([der, ca.der], 'jmap.operateur.test').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof AppError);
  assert.equal(err.code, 'CERT_BAD_SIGNATURE');
});

test('garbage instead of a certificate is CERT_INVALID, not a crash', async () => {
  const err = await verifier().verify([Buffer.from('not a certificate')], 'x').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof AppError);
  assert.equal(err.code, 'CERT_INVALID');
  const none = await verifier().verify([], 'x').then(() => null, (e: unknown) => e);
  assert.ok(none instanceof AppError && none.code === 'CERT_INVALID');
});

test('expired and not-yet-valid certificates get distinct codes', async () => {
  const expired = await makeServer('imap.operateur.test', ca, { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
  const err = await refused([expired, ca], 'imap.operateur.test', 'CERT_EXPIRED');
  assert.equal(err.data.subject, expired.cert.subject);
  const future = await makeServer('imap.operateur.test', ca, { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 400 * DAY) });
  await refused([future, ca], 'imap.operateur.test', 'CERT_NOT_YET_VALID');
});

test('an expired intermediate makes the path expired', async () => {
  const oldCa = await makeCa('TEST AC EXPIREE', root, { notBefore: new Date(Date.now() - 800 * DAY), notAfter: new Date(Date.now() - DAY) });
  const srv = await makeServer('imap.operateur.test', oldCa, { notBefore: new Date(Date.now() - 10 * DAY) });
  const err = await refused([srv, oldCa], 'imap.operateur.test', 'CERT_EXPIRED');
  assert.equal(err.data.subject, oldCa.cert.subject);
});

test('the validity check uses the injected clock', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  await refused([srv, ca], 'imap.operateur.test', 'CERT_EXPIRED', verifier({ now: () => new Date(Date.now() + 500 * DAY) }));
});

test('wrong host: the SAN does not name the host', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  const err = await refused([srv, ca], 'smtp.operateur.test', 'CERT_HOSTNAME_MISMATCH');
  assert.equal(err.data.hostname, 'smtp.operateur.test');
  await refused([srv, ca], 'operateur.test', 'CERT_HOSTNAME_MISMATCH');
  await refused([srv, ca], '127.0.0.1', 'CERT_HOSTNAME_MISMATCH');
});

test('host names are matched case-insensitively, with a trailing dot, and IPs against SAN iPAddress', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { ips: ['127.0.0.1', '::1'], crlUrl: CA_CRL });
  const v = verifier();
  await v.verify([srv.der, ca.der], 'IMAP.Operateur.TEST.');
  await v.verify([srv.der, ca.der], '127.0.0.1');
  await v.verify([srv.der, ca.der], '[::1]');
  await refused([srv, ca], '127.0.0.2', 'CERT_HOSTNAME_MISMATCH');
});

test('a wildcard covers exactly one left-most label', async () => {
  const srv = await makeServer('*.operateur.test', ca, { crlUrl: CA_CRL });
  await verifier().verify([srv.der, ca.der], 'imap.operateur.test');
  await refused([srv, ca], 'a.b.operateur.test', 'CERT_HOSTNAME_MISMATCH');
  await refused([srv, ca], 'operateur.test', 'CERT_HOSTNAME_MISMATCH');
});

test('no fallback to the subject CN when there is no SAN', async () => {
  const cnOnly = await makeServer('imap.operateur.test', ca, { dns: [], crlUrl: CA_CRL });
  await refused([cnOnly, ca], 'imap.operateur.test', 'CERT_HOSTNAME_MISMATCH');
});

test('missing serverAuth: a client-only certificate or one without EKU is not a server certificate', async () => {
  const clientOnly = await makeServer('imap.operateur.test', ca, { eku: [CLIENT_AUTH] });
  await refused([clientOnly, ca], 'imap.operateur.test', 'CERT_BAD_USAGE');
  const noEku = await makeServer('imap.operateur.test', ca, { eku: null });
  await refused([noEku, ca], 'imap.operateur.test', 'CERT_BAD_USAGE');
  const noSigning = await makeServer('imap.operateur.test', ca, { keyUsage: x509.KeyUsageFlags.keyEncipherment });
  await refused([noSigning, ca], 'imap.operateur.test', 'CERT_BAD_USAGE');
});

test('an intermediate whose EKU excludes serverAuth cannot issue server certificates', async () => {
  const emailCa = await makeCa('TEST AC MAIL', root, { eku: ['1.3.6.1.5.5.7.3.4'] });
  const srv = await makeServer('imap.operateur.test', emailCa);
  await refused([srv, emailCa], 'imap.operateur.test', 'CERT_BAD_USAGE');
});

test('CA without basicConstraints cannot issue certificates', async () => {
  const noBc = await makeCa('TEST AC SANS BC', root, { basicConstraints: false });
  const srv = await makeServer('imap.operateur.test', noBc);
  const err = await refused([srv, noBc], 'imap.operateur.test', 'CERT_ISSUER_NOT_CA');
  assert.match(err.message, /no basicConstraints/);
});

test('an end-entity certificate (cA false) used as an issuer is refused', async () => {
  const leafAsCa = await makeServer('imap.operateur.test', ca);
  const srv = await makeServer('other.operateur.test', leafAsCa);
  await refused([srv, leafAsCa, ca], 'other.operateur.test', 'CERT_ISSUER_NOT_CA');
});

test('pathLenConstraint 0 forbids a further intermediate; keyUsage must allow keyCertSign', async () => {
  const sub = await makeCa('TEST SOUS-AC', ca); // ca has pathLen 0
  const srv = await makeServer('imap.operateur.test', sub);
  const err = await refused([srv, sub, ca], 'imap.operateur.test', 'CERT_ISSUER_NOT_CA');
  assert.match(err.message, /pathLenConstraint/);
  const noCertSign = await makeCa('TEST AC SANS KEYCERTSIGN', root, { keyUsage: x509.KeyUsageFlags.cRLSign });
  const srv2 = await makeServer('imap.operateur.test', noCertSign);
  await refused([srv2, noCertSign], 'imap.operateur.test', 'CERT_ISSUER_NOT_CA');
});

test('an unsupported critical extension is refused rather than ignored', async () => {
  // Name constraints (2.5.29.30) marked critical on a CA: we do not process them, so we refuse.
  const kp = await keys();
  const constrained = await x509.X509CertificateGenerator.create({
    subject: 'CN=TEST AC CONTRAINTE, O=ASIP-SANTE, C=FR',
    issuer: root.cert.subject,
    publicKey: kp.publicKey,
    signingKey: root.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as { name: string },
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.Extension('2.5.29.30', true, new Uint8Array([0x30, 0x00]))],
  });
  const constrainedCa: Issued = { cert: constrained, keys: kp, der: Buffer.from(constrained.rawData) };
  const leaf = await makeServer('imap.operateur.test', constrainedCa);
  await refused([leaf, constrainedCa], 'imap.operateur.test', 'CERT_INVALID');
});

test('a chain longer than any real server sends is refused before any signature work', async () => {
  const srv = await makeServer('imap.operateur.test', ca, { crlUrl: CA_CRL });
  const err = await verifier().verify([srv.der, ...Array.from({ length: 10 }, () => ca.der)], 'imap.operateur.test').then(() => null, (e: unknown) => e);
  assert.ok(err instanceof AppError && err.code === 'CERT_INVALID');
});

test('an internationalised host name typed in Unicode matches its punycode SAN', async () => {
  const srv = await makeServer('imap.xn--sant-epa.test', ca, { crlUrl: CA_CRL });
  await verifier().verify([srv.der, ca.der], 'imap.santé.test');
  await refused([srv, ca], 'imap.sante.test', 'CERT_HOSTNAME_MISMATCH');
});
