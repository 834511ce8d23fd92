import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateEncrypt, verify } from 'node:crypto';
import { moduleCandidates } from '../../../src-main/card/discovery.js';
import { CKF, CKM, pinStateFromFlags, errorFromCkr, signatureMechanismNames } from '../../../src-main/card/pkcs11-facts.js';
import { planSignature, supportedSchemes } from '../../../src-main/card/signature-schemes.js';

test('module discovery: explicit path wins alone, then the environment, then Cryptolib before OpenSC', () => {
  assert.deepEqual(moduleCandidates({ explicit: '/x/lib.so', env: { MSSANTE_PKCS11_MODULE: '/y.so' } }), [{ path: '/x/lib.so', source: 'explicit' }]);
  assert.deepEqual(moduleCandidates({ env: { MSSANTE_PKCS11_MODULE: '/y.so' } }), [{ path: '/y.so', source: 'environment' }]);
  const linux = moduleCandidates({ env: {}, platform: 'linux' });
  assert.deepEqual(linux[0], { path: '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so', source: 'cryptolib' });
  assert.ok(linux.some((c) => c.source === 'opensc' && c.path.endsWith('opensc-pkcs11.so')));
  assert.equal(moduleCandidates({ env: {}, platform: 'win32' })[0]?.path, 'C:\\Windows\\System32\\cps3_pkcs11_w64.dll');
  assert.equal(moduleCandidates({ env: {}, platform: 'darwin' })[0]?.path, '/usr/local/lib/libcps3_pkcs11_osx.dylib');
});

test('PIN state from token flags', () => {
  assert.deepEqual(pinStateFromFlags(CKF.TOKEN_INITIALIZED), { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW), { locked: false, finalTry: false, countLow: true, protectedPath: false, triesLeft: null });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_COUNT_LOW | CKF.USER_PIN_FINAL_TRY), { locked: false, finalTry: true, countLow: true, protectedPath: false, triesLeft: 1 });
  assert.deepEqual(pinStateFromFlags(CKF.USER_PIN_LOCKED | CKF.USER_PIN_FINAL_TRY | CKF.PROTECTED_AUTHENTICATION_PATH), { locked: true, finalTry: false, countLow: false, protectedPath: true, triesLeft: 0 });
});

test('PKCS#11 return values map to card error codes', () => {
  assert.equal(errorFromCkr(0xa0, 'C_Login', 'CARD_UNAVAILABLE').code, 'CARD_PIN_INCORRECT');
  assert.equal(errorFromCkr(0xa4, 'C_Login', 'CARD_UNAVAILABLE').code, 'CARD_PIN_LOCKED');
  assert.equal(errorFromCkr(0x32, 'C_Sign', 'CARD_SIGN_FAILED').code, 'CARD_REMOVED');
  assert.equal(errorFromCkr(0xb3, 'C_Sign', 'CARD_SIGN_FAILED').code, 'CARD_REMOVED');
  assert.equal(errorFromCkr(0x5, 'C_Sign', 'CARD_SIGN_FAILED').code, 'CARD_SIGN_FAILED');
});

const CPS3 = [CKM.RSA_PKCS, CKM.SHA256_RSA_PKCS];
const CPS4 = [CKM.RSA_PKCS, CKM.SHA256_RSA_PKCS, CKM.RSA_PKCS_PSS, CKM.SHA256_RSA_PKCS_PSS];

test('schemes offered follow the mechanisms: no PSS on a CPS3', () => {
  assert.deepEqual(supportedSchemes(CPS3), [0x0401, 0x0501, 0x0601]);
  assert.deepEqual(supportedSchemes([CKM.SHA256_RSA_PKCS]), [0x0401]);
  assert.deepEqual(supportedSchemes(CPS4), [0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806]);
  assert.deepEqual(signatureMechanismNames([...CPS3, 0x1081]), ['CKM_RSA_PKCS', 'CKM_SHA256_RSA_PKCS']);
});

test('rsa_pkcs1_sha256 over CKM_RSA_PKCS: the DigestInfo we build gives a standard PKCS#1 v1.5 signature', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.from('TLS 1.2 CertificateVerify: handshake messages');
  for (const [scheme, hash] of [[0x0401, 'sha256'], [0x0501, 'sha384'], [0x0601, 'sha512']] as const) {
    const plan = planSignature(scheme, data, CPS3);
    assert.equal(plan.mechanism, CKM.RSA_PKCS);
    // What the card does with CKM_RSA_PKCS: PKCS#1 v1.5 type-1 padding + private-key operation.
    const sig = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, plan.input);
    assert.ok(verify(hash, data, publicKey, sig), `scheme 0x${scheme.toString(16)}`);
  }
});

test('fallbacks and PSS parameters', () => {
  const data = Buffer.from('abc');
  const hashing = planSignature(0x0401, data, [CKM.SHA256_RSA_PKCS]);
  assert.equal(hashing.mechanism, CKM.SHA256_RSA_PKCS);
  assert.deepEqual(hashing.input, data);
  const pss = planSignature(0x0804, data, CPS4);
  assert.equal(pss.mechanism, CKM.RSA_PKCS_PSS);
  assert.deepEqual(pss.pss, { hashAlg: CKM.SHA256, mgf: 0x2, saltLen: 32 });
  assert.equal(pss.input.length, 32);
  assert.throws(() => planSignature(0x0804, data, CPS3), { code: 'CARD_SIGN_FAILED' });
  assert.throws(() => planSignature(0x0403, data, CPS4), { code: 'CARD_SIGN_FAILED' });
});

test('CPS PIN format: 4 to 8 ASCII digits, nothing around them', async () => {
  const { isCpsPinFormat } = await import('../../../src-main/rules/cps.js');
  for (const ok of ['1234', '00000000', '2468']) assert.equal(isCpsPinFormat(Buffer.from(ok)), true, ok);
  for (const bad of [' 1234', '1234 ', ' 1234 ', '123', '123456789', '12a4', '1234\r', '１２３４']) assert.equal(isCpsPinFormat(Buffer.from(bad)), false, JSON.stringify(bad));
});
