import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInsOid, isValidInsMatricule } from '../../../src-main/rules/ins.js';
import { describeInsFr, evaluateIns } from '../../../src-main/xdm/ins-status.js';

const traits = { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '19790328', sex: 'F' };

test('INS assigning authorities: NIR .8, NIA .9, test NIR .10, demo NIR .11; nothing else', () => {
  for (const oid of ['1.2.250.1.213.1.4.8', '1.2.250.1.213.1.4.9', '1.2.250.1.213.1.4.10', '1.2.250.1.213.1.4.11']) assert.ok(isInsOid(oid), oid);
  for (const oid of ['1.2.250.1.213.1.4.2', '1.2.250.1.213.1.4.12', '2.16.840.1.113883.4.1', '1.2.250.1.213.1.4', '']) assert.ok(!isInsOid(oid), oid);
});

test('matricule: 15 characters with a valid key (Corsican 2A/2B departments included)', () => {
  assert.ok(isValidInsMatricule('279035121518989'));
  assert.ok(!isValidInsMatricule('279035121518988'), 'wrong key');
  assert.ok(!isValidInsMatricule('27903512151898'), 'too short');
  // 1 85 05 2A 004 123 + key 97 - (1850519004123 mod 97)
  const key = String(97 - Number(1850519004123n % 97n)).padStart(2, '0');
  assert.ok(isValidInsMatricule(`185052A004123${key}`));
  assert.ok(!isValidInsMatricule(`185052C004123${key}`));
});

test('qualified only with matricule + INS OID + the 4 traits', () => {
  const q = evaluateIns({ ids: [{ id: '279035121518989', oid: '1.2.250.1.213.1.4.10' }], ...traits });
  assert.equal(q.qualified, true);
  assert.equal(q.status, 'qualifiée');
  assert.equal(q.oidLabel, 'INS-NIR de test');
  assert.equal(q.test, true);
  assert.deepEqual(q.traits, { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' });
  assert.equal(describeInsFr(q), 'INS qualifiée (INS-NIR de test)');

  for (const drop of ['birthName', 'firstGivenName', 'birthDate', 'sex'] as const) {
    const partial = { ...traits, [drop]: undefined };
    const r = evaluateIns({ ids: [{ id: '279035121518989', oid: '1.2.250.1.213.1.4.8' }], ...partial });
    assert.equal(r.qualified, false, drop);
    assert.deepEqual(r.missing, [drop]);
  }
  const noOid = evaluateIns({ ids: [{ id: '279035121518989' }], ...traits });
  assert.deepEqual(noOid.missing, ['matricule', 'oid']);
  const local = evaluateIns({ ids: [{ id: 'IPP123', oid: '1.2.3.4' }], ...traits });
  assert.equal(local.qualified, false);
  assert.deepEqual(local.problems, ['oid-not-ins']);
  assert.match(describeInsFr(local), /^INS non qualifiée : manque matricule INS, OID de l’autorité d’affectation INS ; identifiant présent mais son OID n’est pas une autorité INS$/);
});

test('a bad key, an impossible birth date or a sex other than M/F prevent qualification', () => {
  const ids = [{ id: '279035121518989', oid: '1.2.250.1.213.1.4.8' }];
  assert.deepEqual(evaluateIns({ ids: [{ id: '279035121518988', oid: '1.2.250.1.213.1.4.8' }], ...traits }).problems, ['matricule-invalid']);
  const badDate = evaluateIns({ ids, ...traits, birthDate: '19790231' });
  assert.equal(badDate.qualified, false);
  assert.deepEqual(badDate.missing, ['birthDate']);
  assert.deepEqual(badDate.problems, ['birth-date-invalid']);
  const unknownSex = evaluateIns({ ids, ...traits, sex: 'U' });
  assert.equal(unknownSex.qualified, false);
  assert.match(describeInsFr(unknownSex), /manque sexe ; sexe invalide \(M ou F attendu\)/);
});
