// The card service on the shared bench's virtual CPS cards (read-only use:
// no wrong PIN, no removal — those live in card-service.test.ts on private cards).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, constants, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CardService, CardSigner } from '../../../src-main/card/index.js';
import { AppError } from '../../../src-main/errors/index.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';

let state: TestbedState;
let svc: CardService;

before(() => {
  state = loadTestbed();
  process.env.SOFTHSM2_CONF = state.softhsm.conf; // inherited by the card host
  delete process.env.CPS_SIM_CONFIG; // cps-sim then reads the bench's cps-sim.ini beside softhsm2.conf
  svc = new CardService({ modulePath: card(state, 'doctorA').pkcs11Module });
});

after(() => svc?.close());

describe('bench cards', () => {
  for (const name of ['doctorA', 'doctorB']) {
    test(`identity of ${name} read from the card`, async () => {
      const c = card(state, name);
      const token = await svc.selectToken(c.tokenLabel);
      assert.equal(token.serial, c.tokenSerial);
      assert.equal(token.cardType, 'CPS');
      assert.deepEqual(token.holder, {
        nationalId: `8${c.rpps}`,
        idType: 'RPPS',
        rpps: c.rpps,
        adeli: null,
        lastName: c.lastName,
        firstName: c.firstName,
        profession: c.profession,
      });
      const cert = new X509Certificate(readFileSync(c.cert));
      assert.equal(token.certificate?.sha256, cert.fingerprint256.replace(/:/g, '').toLowerCase());
      assert.equal(token.internal?.authCertificate?.idHex, c.keyIdHex);
      assert.deepEqual(token.pin, { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null });
    });
  }

  test('doctorA signs a TLS 1.2 CertificateVerify; the certificate public key verifies it', async () => {
    const c = card(state, 'doctorA');
    const token = await svc.selectToken(c.tokenLabel);
    const session = await svc.login(token, Buffer.from(c.userPin));
    try {
      const signer = new CardSigner(session);
      const [leaf] = await signer.certificateChain();
      const cert = new X509Certificate(readFileSync(c.cert));
      assert.deepEqual(leaf, cert.raw);
      const data = Buffer.from('handshake messages transcript');
      assert.ok(verify('sha256', data, cert.publicKey, await signer.sign(0x0401, data)));
      if ((await signer.supportedSchemes()).includes(0x0804)) {
        const pss = await signer.sign(0x0804, data);
        assert.ok(verify('sha256', data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss));
      }
    } finally {
      await session.logout();
    }
  });

  test('the blocked card is reported as locked, and no PIN is sent to it', async () => {
    const c = card(state, 'blocked');
    assert.equal(c.pinBlocked, true);
    assert.match(c.pkcs11Module, /cps-sim/, 'this bench was started before cards went through cps-sim: restart it (npm run testbed -- down; up)');
    const token = await svc.selectToken(c.tokenLabel);
    assert.equal(token.pin?.locked, true);
    await assert.rejects(svc.login(token, Buffer.from(c.userPin)), (err: unknown) => err instanceof AppError && err.code === 'CARD_PIN_LOCKED');
  });
});
