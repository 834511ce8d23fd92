// The card's private key never leaves the card: a real IMAP login over our TLS
// client makes exactly one signature ON the token and never asks the token for
// private-key attributes (counted by the cps-sim module that fronts SoftHSM).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pkcs11js from 'pkcs11js';
import { CardService, CardSigner } from '../../../src-main/card/index.js';
import { openImapSession } from '../../../src-main/imap/index.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier } from '../../support/tls-bench.js';
import { defaultSimConfigPath, readSimPinState } from '../../support/cps-sim.js';

let tb: TestbedState;
let service: CardService;

before(() => {
  tb = loadTestbed();
  process.env.SOFTHSM2_CONF = tb.softhsm.conf; // inherited by the card host
  delete process.env.CPS_SIM_CONFIG; // cps-sim reads the bench's cps-sim.ini
  service = new CardService({ modulePath: card(tb, 'doctorA').pkcs11Module });
});
after(() => service?.close());

function counters(label: string): { signCalls: number; secretReads: number } {
  const s = readSimPinState(defaultSimConfigPath(tb.softhsm.conf), label);
  return { signCalls: s?.signCalls ?? 0, secretReads: s?.secretReads ?? 0 };
}

test('an IMAP login with the card signs once on the token and reads no private-key material', async () => {
  const doctor = card(tb, 'doctorA');
  const before = counters(doctor.tokenLabel);
  const session = await service.login(await service.selectToken(doctor.tokenSerial), Buffer.from(doctor.userPin));
  try {
    const client = await openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, new CardSigner(session), benchVerifier(tb));
    await client.logout();
  } finally {
    await session.logout();
  }
  const afterLogin = counters(doctor.tokenLabel);
  assert.equal(afterLogin.signCalls - before.signCalls, 1, 'one CertificateVerify signature made by the card');
  assert.equal(afterLogin.secretReads - before.secretReads, 0, 'the app never asked the card for key material');
});

test('the key was generated on the token, is sensitive and not extractable, and the token refuses to export it', () => {
  const doctor = card(tb, 'doctorA');
  const p11 = new pkcs11js.PKCS11();
  p11.load(doctor.pkcs11Module);
  p11.C_Initialize();
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).serialNumber.trim() === doctor.tokenSerial);
    assert.ok(slot !== undefined, 'doctorA token present');
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, doctor.userPin);
    p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from(doctor.keyIdHex, 'hex') }]);
    const [key] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    assert.ok(key, 'private key found by CKA_ID');
    const attrs = p11.C_GetAttributeValue(session, key, [
      { type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_LOCAL }, { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
    ]);
    const flag = (i: number): boolean => (attrs[i]!.value as Buffer)[0] === 1;
    assert.deepEqual([flag(0), flag(1), flag(2), flag(3)], [true, false, true, true], 'sensitive, not extractable, generated on the token, never extractable');

    const before = counters(doctor.tokenLabel);
    assert.throws(() => p11.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_PRIVATE_EXPONENT }]), /CKR_ATTRIBUTE_SENSITIVE/);
    // the counter the first test relies on does see such a request
    assert.equal(counters(doctor.tokenLabel).secretReads - before.secretReads, 1);
    p11.C_Logout(session);
    p11.C_CloseSession(session);
  } finally {
    p11.C_Finalize();
  }
});
