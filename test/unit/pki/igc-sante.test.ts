// The bundled IGC-Santé trust store: it is exactly the reference certificates, the production
// intermediates chain to the bundled roots, and real IGC-Santé server certificates build a path
// (with the precise verdict for each, since they are expired today).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { IGC_SANTE_INTERMEDIATES, IGC_SANTE_ROOTS } from '../../../src-main/tls/pki/igc-sante-anchors.js';
import { buildPath } from '../../../src-main/tls/pki/path-validation.js';
import { igcSanteTrustStore, loadTrustAnchorsFile } from '../../../src-main/tls/pki/trust-store.js';
import { PkiServerCertificateVerifier } from '../../../src-main/tls/pki/verifier.js';
import { parsePemCertificates, sha256Fingerprint } from '../../../src-main/tls/pki/x509.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';

const PROD = join(REFERENCE_FIXTURES, 'certs', 'igc-sante-prod');
const END_ENTITY = join(REFERENCE_FIXTURES, 'certs', 'end-entity-prod');

test('the bundled certificates are the reference IGC-Santé production certificates, fingerprints included', () => {
  const bundled = [...IGC_SANTE_ROOTS, ...IGC_SANTE_INTERMEDIATES];
  const files = readdirSync(PROD).filter((f) => f.endsWith('.pem'));
  assert.equal(bundled.length, files.length);
  const referenceFingerprints = new Set(files.flatMap((f) => parsePemCertificates(readFileSync(join(PROD, f), 'utf8')).map(sha256Fingerprint)));
  for (const b of bundled) {
    const [cert] = parsePemCertificates(b.pem);
    assert.equal(sha256Fingerprint(cert!), b.sha256, b.name);
    assert.ok(referenceFingerprints.has(b.sha256), `${b.name} is a reference certificate`);
  }
  // Known value (test/fixtures/reference/certs/igc-sante-prod, AC RACINE IGC-SANTE ELEMENTAIRE).
  assert.ok(IGC_SANTE_ROOTS.some((r) => r.sha256 === '2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F'));
});

test('the default trust store holds only the three IGC-Santé roots as anchors', () => {
  const store = igcSanteTrustStore();
  assert.equal(store.source, 'igc-sante');
  assert.deepEqual(store.anchors.map((a) => /CN=([^,]+)/.exec(a.subject)?.[1]).sort(), [
    'AC RACINE IGC-SANTE ELEMENTAIRE',
    'AC RACINE IGC-SANTE FORT',
    'AC RACINE IGC-SANTE STANDARD',
  ]);
  assert.equal(store.intermediates.length, 5);
});

test('every production intermediate chains to a bundled root', async () => {
  const store = igcSanteTrustStore();
  for (const ca of store.intermediates) {
    const path = await buildPath([ca], store);
    assert.equal(path.length, 2, ca.subject);
    assert.match(path[1]!.subject, /AC RACINE IGC-SANTE/);
  }
});

function endEntity(name: string): Buffer[] {
  return parsePemCertificates(readFileSync(join(END_ENTITY, name), 'utf8')).map((c) => Buffer.from(c.rawData));
}

async function verdict(v: PkiServerCertificateVerifier, chain: Buffer[], host: string): Promise<string> {
  return v.verify(chain, host).then(
    () => 'accepted',
    (e: unknown) => (e instanceof AppError ? e.code : `unexpected ${String(e)}`),
  );
}

// The CRL distribution points are on the Internet, which tests never reach.
const offline = (): Promise<Buffer> => Promise.reject(new Error('offline'));

test('service.annuaire.sante.fr (2017): path to AC RACINE IGC-SANTE ELEMENTAIRE; expired today', async () => {
  const chain = endEntity('service.annuaire.sante.fr_2017.pem');
  assert.equal(await verdict(new PkiServerCertificateVerifier({ fetchCrl: offline }), chain, 'service.annuaire.sante.fr'), 'CERT_EXPIRED');
  // During its validity every RFC 5280 check passes; only revocation is unknown offline ...
  const in2018 = () => new Date('2018-06-01T00:00:00Z');
  assert.equal(await verdict(new PkiServerCertificateVerifier({ fetchCrl: offline, now: in2018 }), chain, 'service.annuaire.sante.fr'), 'CERT_REVOCATION_UNKNOWN');
  assert.equal(await verdict(new PkiServerCertificateVerifier({ fetchCrl: offline, now: in2018 }), chain, 'annuaire.sante.fr'), 'CERT_HOSTNAME_MISMATCH');
  // ... and with soft-fail the full path is returned.
  const ok = await new PkiServerCertificateVerifier({ fetchCrl: offline, now: in2018, revocation: { softFail: true } }).verify(chain, 'service.annuaire.sante.fr');
  assert.deepEqual(ok.subjects.map((s) => /CN=([^,]+)/.exec(s)?.[1]), ['service.annuaire.sante.fr', 'AC IGC-SANTE ELEMENTAIRE ORGANISATIONS', 'AC RACINE IGC-SANTE ELEMENTAIRE']);
  assert.equal(ok.revocation, 'unknown');
});

test('alb.mssante.fr (liste blanche signer): expired today, and never a server certificate (EKU emailProtection)', async () => {
  const chain = endEntity('alb.mssante.fr_listeblanche_signer.pem');
  assert.equal(await verdict(new PkiServerCertificateVerifier({ fetchCrl: offline }), chain, 'alb.mssante.fr'), 'CERT_EXPIRED');
  const in2024 = () => new Date('2024-06-01T00:00:00Z');
  assert.equal(await verdict(new PkiServerCertificateVerifier({ fetchCrl: offline, now: in2024 }), chain, 'alb.mssante.fr'), 'CERT_BAD_USAGE');
});

test('IGC-Santé certificates are unknown CAs under a --trust-anchors store of another PKI', async () => {
  const logs: string[] = [];
  const store = loadTrustAnchorsFile(join(REFERENCE_FIXTURES, 'certs', 'igc-sante-test', 'TEST_AC_RACINE_IGC-SANTE_ELEMENTAIRE.pem'), (l) => logs.push(l));
  assert.equal(store.anchors.length, 1);
  assert.match(logs.join('\n'), /NON-DEFAULT trust anchor .*TEST AC RACINE IGC-SANTE ELEMENTAIRE.*sha256=/);
  const v = new PkiServerCertificateVerifier({ trustStore: store, fetchCrl: offline, now: () => new Date('2018-06-01T00:00:00Z') });
  assert.equal(await verdict(v, endEntity('service.annuaire.sante.fr_2017.pem'), 'service.annuaire.sante.fr'), 'CERT_UNKNOWN_CA');
});
