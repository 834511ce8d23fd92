import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { identityFromCertificate, nationalIdType, pickAuthenticationCertificate } from '../../../src-main/card/identity.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';

const DIR = join(REFERENCE_FIXTURES, 'certs', 'end-entity-test');
const der = (file: string): Buffer => new X509Certificate(readFileSync(join(DIR, file))).raw;

test('every real test certificate is classified (none left unread)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.pem'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const id = identityFromCertificate(der(f));
    const expected = f.startsWith('PS_') || f.startsWith('CPS_') ? 'CPS' : f.startsWith('CPE_') ? 'CPE' : f.startsWith('ORG_') ? 'ORG' : 'OTHER';
    assert.equal(id.cardType, expected, f);
    assert.equal(id.certificate.sha256, createHash('sha256').update(der(f)).digest('hex'), f);
  }
});

test('doctor (RPPS) test card: identity from the multi-valued RDN, UTF-8 title', () => {
  const id = identityFromCertificate(der('PS_test_Medecin_899700523527_ANNE_MED-CS-RPPS0052352_ELEMENTAIRE-PERSONNES.pem'));
  assert.equal(id.cardType, 'CPS');
  assert.deepEqual(id.holder, {
    nationalId: '899700523527',
    idType: 'RPPS',
    rpps: '99700523527',
    adeli: null,
    lastName: 'MED-CS RPPS0052352',
    firstName: 'ANNE',
    profession: 'Médecin',
  });
  assert.equal(id.certificate.issuerCommonName, 'TEST AC IGC-SANTE ELEMENTAIRE PERSONNES');
  assert.equal(id.certificate.notBefore, '2025-03-06T13:19:05.000Z');
  assert.equal(id.certificate.notAfter, '2028-03-06T13:19:05.000Z');
});

test('nurse (ADELI) test card', () => {
  const id = identityFromCertificate(der('CPS_test_Infirmier_00B6087510_OLIVIER_INFIRMCS-ADELI8751_FORT-PERSONNES.pem'));
  assert.equal(id.cardType, 'CPS');
  assert.equal(id.holder?.idType, 'ADELI');
  assert.equal(id.holder?.nationalId, '00B6087510');
  assert.equal(id.holder?.adeli, '0B6087510');
  assert.equal(id.holder?.rpps, null);
  assert.equal(id.holder?.lastName, 'INFIRMCS ADELI8751');
  assert.equal(id.holder?.firstName, 'OLIVIER');
  assert.equal(id.holder?.profession, 'Infirmier');
  assert.equal(id.certificate.issuerCommonName, 'TEST AC IGC-SANTE FORT PERSONNES');
});

test('staff card (CPE) is reported as CPE with its structure-based identifier, not as a doctor', () => {
  const id = identityFromCertificate(der('CPE_test_30B0057881-CPET0002_CHARLES_ADMINISTRATIF_STANDARD-PERSONNES_Auth.pem'));
  assert.equal(id.cardType, 'CPE');
  assert.equal(id.holder?.nationalId, '30B0057881/CPET0002');
  assert.equal(id.holder?.idType, 'FINESS_STAFF');
  assert.equal(id.holder?.rpps, null);
  assert.equal(id.holder?.firstName, 'CHARLES');
  assert.equal(id.holder?.profession, 'Personnel santé ou social');
});

test('organisation and foreign-PKI certificates name no person', () => {
  for (const f of ['ORG_test_INSI-AUTO_CENTRE-DE-SANTE-RPPS15287.pem', 'ORG_test_testsign.test.asipsante.fr.pem']) {
    const id = identityFromCertificate(der(f));
    assert.equal(id.cardType, 'ORG', f);
    assert.equal(id.holder, null, f);
  }
  const other = identityFromCertificate(der('GIP-CPS-TEST_AC-CLASSE-4-TEST_issued_cpxservices.tra.asipsante.fr.pem'));
  assert.equal(other.cardType, 'OTHER');
  assert.equal(other.holder, null);
});

test('garbage is a typed certificate error, not a crash', () => {
  assert.throws(() => identityFromCertificate(Buffer.from('not a certificate')), { code: 'CERT_INVALID' });
});

test('national id prefixes', () => {
  assert.equal(nationalIdType('810002813839'), 'RPPS');
  assert.equal(nationalIdType('0751234567'), 'ADELI');
  assert.equal(nationalIdType('9xyz'), 'UNKNOWN');
});

test('authentication certificate preferred over the signature (non-repudiation) one', () => {
  const auth = { der: der('CPE_test_30B0057881-CPET0002_CHARLES_ADMINISTRATIF_STANDARD-PERSONNES_Auth.pem'), label: 'Certificat d’Authentification CPS' };
  const garbage = { der: Buffer.from('x'), label: 'broken' };
  assert.equal(pickAuthenticationCertificate([garbage, auth]), auth);
  assert.equal(pickAuthenticationCertificate([]), null);
});
