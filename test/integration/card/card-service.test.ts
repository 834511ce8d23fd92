// The card service against virtual CPS cards of its own (SoftHSM behind the
// cps-sim module): PIN counter, pinpad, CPS3, removal, slowness, host crash.
// These tests change card state, so they never use the shared bench cards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, constants, createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { CardService, CardSigner, type CardToken } from '../../../src-main/card/index.js';
import { AppError } from '../../../src-main/errors/index.js';
import { createSimBench, type SimBench } from './sim-fixture.js';
import { waitUntil } from '../../support/wait.js';

const PIN = '4321';
const subject = (cn: string, sn: string, gn: string): string => `/C=FR/title=Médecin/CN=${cn}+SN=${sn}+GN=${gn}`;

let bench: SimBench;
const services: CardService[] = [];

function service(opts: ConstructorParameters<typeof CardService>[0] = {}): CardService {
  const svc = new CardService({ modulePath: bench.module, pollIntervalMs: 200, ...opts });
  services.push(svc);
  return svc;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const publicKeyOf = (t: CardToken): ReturnType<typeof createPublicKey> => {
  const der = t.internal?.authCertificate?.der;
  assert.ok(der);
  return new X509Certificate(Buffer.from(der)).publicKey;
};

before(() => {
  bench = createSimBench([
    { label: 'SIM wrongpin', pin: PIN, subject: subject('899700200011', 'DURAND', 'Élodie') },
    { label: 'SIM pinpad', pin: PIN, subject: subject('899700200029', 'PETIT', 'Noël'), sim: { pinpad: 1, pinpad_pin: PIN } },
    { label: 'SIM cps3', pin: PIN, subject: subject('899700200037', 'ROUX', 'Zoé'), sim: { cps3: 1 } },
    { label: 'SIM norawrsa', pin: PIN, subject: subject('899700200045', 'FAURE', 'Anaïs'), sim: { hide_raw_rsa: 1 } },
    { label: 'SIM removable', pin: PIN, subject: subject('00B1234567', 'BLANC', 'Léa').replace('Médecin', 'Infirmier') },
    { label: 'SIM locked', pin: PIN, subject: subject('899700200052', 'GARNIER', 'Jérôme'), sim: { initial_tries: 0 } },
    { label: 'SIM alwaysauth', pin: PIN, subject: subject('899700200060', 'CHEVALIER', 'Loïc'), alwaysAuthenticate: true },
  ]);
  Object.assign(process.env, bench.env); // the card host inherits the environment: this bench's SoftHSM and cps-sim config
});

after(() => {
  for (const s of services) s.close();
  bench?.cleanup();
});

describe('card service over cps-sim', () => {
  test('status: identity, PIN state and mechanisms of every card', async () => {
    const svc = service();
    const tokens = (await svc.tokens()).filter((t) => t.present);
    assert.equal(tokens.length, 7);
    const nurse = tokens.find((t) => t.label === 'SIM removable');
    assert.equal(nurse?.holder?.idType, 'ADELI');
    assert.equal(nurse?.holder?.profession, 'Infirmier');
    const doc = tokens.find((t) => t.label === 'SIM wrongpin');
    assert.deepEqual(doc?.holder, { nationalId: '899700200011', idType: 'RPPS', rpps: '99700200011', adeli: null, lastName: 'DURAND', firstName: 'Élodie', profession: 'Médecin' });
    assert.equal(doc?.cardType, 'CPS');
    assert.equal(tokens.find((t) => t.label === 'SIM pinpad')?.pin?.protectedPath, true);
    assert.equal(tokens.find((t) => t.label === 'SIM locked')?.pin?.locked, true);
    const cps3 = tokens.find((t) => t.label === 'SIM cps3');
    assert.equal(cps3?.pss, false);
    assert.ok(cps3?.mechanisms.includes('CKM_RSA_PKCS'));
    assert.ok(!cps3?.mechanisms.some((m) => m.includes('PSS')));
    await rejectsWith(svc.selectToken(), 'CARD_TOKEN_AMBIGUOUS');
    await rejectsWith(svc.selectToken('no such card'), 'CARD_NOT_PRESENT');
    assert.equal((await svc.selectToken(doc?.serial ?? '')).label, 'SIM wrongpin');
  });

  test('a wrong PIN is tried exactly once, and the state after it is reported', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM wrongpin');
    const callsBefore = bench.pinState('SIM wrongpin').loginCalls;
    const pin = Buffer.from('0000');
    const err = await rejectsWith(svc.login(token, pin), 'CARD_PIN_INCORRECT');
    assert.deepEqual(pin, Buffer.alloc(4), 'the PIN buffer is wiped after use');
    assert.equal(err.data.countLow, true);
    assert.equal(err.data.finalTry, false);
    assert.equal(err.data.triesLeft, null);
    assert.equal(bench.pinState('SIM wrongpin').loginCalls, callsBefore + 1, 'no automatic second attempt');
    assert.equal(bench.pinState('SIM wrongpin').triesLeft, 2);

    const tooShort = await rejectsWith(svc.login(await svc.selectToken('SIM wrongpin'), Buffer.from('12')), 'CARD_PIN_FORMAT');
    assert.equal(tooShort.data.attempted, false);
    // issue 14: a PIN typed with spaces around it is not 4–8 digits: refused before the card
    const spaced = Buffer.from(' 1234 ');
    await rejectsWith(svc.login(await svc.selectToken('SIM wrongpin'), spaced), 'CARD_PIN_FORMAT');
    assert.deepEqual(spaced, Buffer.alloc(6), 'wiped too');
    await rejectsWith(svc.login(await svc.selectToken('SIM wrongpin'), Buffer.from('12a4')), 'CARD_PIN_FORMAT');
    assert.equal(bench.pinState('SIM wrongpin').triesLeft, 2, 'no try spent');
    await rejectsWith(svc.login(await svc.selectToken('SIM wrongpin'), Buffer.alloc(0)), 'CARD_PIN_REQUIRED');
    assert.equal(bench.pinState('SIM wrongpin').loginCalls, callsBefore + 1, 'a PIN the card cannot accept is not sent');

    const again = await rejectsWith(svc.login(await svc.selectToken('SIM wrongpin'), Buffer.from('9999')), 'CARD_PIN_INCORRECT');
    assert.equal(again.data.finalTry, true);
    assert.equal(again.data.triesLeft, 1);
    const status = await svc.selectToken('SIM wrongpin');
    assert.deepEqual(status.pin, { locked: false, finalTry: true, countLow: true, protectedPath: false, triesLeft: 1 });

    const session = await svc.login(status, Buffer.from(PIN));
    assert.equal(bench.pinState('SIM wrongpin').triesLeft, 3, 'a good PIN resets the counter');
    assert.equal(bench.pinState('SIM wrongpin').loginCalls, callsBefore + 3);
    await session.logout();
    assert.equal(session.ended, true);
  });

  test('a locked card is reported as locked and no PIN is even tried', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM locked');
    assert.equal(token.pin?.locked, true);
    const err = await rejectsWith(svc.login(token, Buffer.from(PIN)), 'CARD_PIN_LOCKED');
    assert.equal(err.data.triesLeft, 0);
    assert.equal(bench.pinState('SIM locked').loginCalls, 0);
  });

  test('pinpad reader: login without a PIN (typed on the reader), then sign', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM pinpad');
    const session = await svc.login(token, null);
    const signer = new CardSigner(session);
    const sig = await signer.sign(0x0401, Buffer.from('pinpad'));
    assert.ok(verify('sha256', Buffer.from('pinpad'), publicKeyOf(token), sig));
    await session.logout();
  });

  test('CPS3 card: no PSS offered, rsa_pkcs1_sha256 signature verifies with the certificate key', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM cps3');
    const signer = new CardSigner(await svc.login(token, Buffer.from(PIN)));
    assert.deepEqual(await signer.supportedSchemes(), [0x0401, 0x0501, 0x0601]);
    const data = Buffer.from('CertificateVerify transcript');
    assert.ok(verify('sha256', data, publicKeyOf(token), await signer.sign(0x0401, data)));
    await rejectsWith(signer.sign(0x0804, data), 'CARD_SIGN_FAILED');
    const [leaf] = await signer.certificateChain();
    assert.deepEqual(leaf, Buffer.from(token.internal?.authCertificate?.der ?? []));
  });

  test('PSS when the card has it; CKM_SHA256_RSA_PKCS when raw RSA is missing; parallel signatures serialised', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM norawrsa');
    const signer = new CardSigner(await svc.login(token, Buffer.from(PIN)));
    const schemes = await signer.supportedSchemes();
    assert.ok(schemes.includes(0x0401) && schemes.includes(0x0804));
    const data = Buffer.from('hello');
    const sigs = await Promise.all([signer.sign(0x0401, data), signer.sign(0x0804, data), signer.sign(0x0401, data)]);
    const key = publicKeyOf(token);
    assert.ok(verify('sha256', data, key, sigs[0] as Buffer));
    assert.ok(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sigs[1] as Buffer));
    assert.ok(verify('sha256', data, key, sigs[2] as Buffer));
  });

  test('removing the card ends its session and emits events; reinserting emits one', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM removable');
    const session = await svc.login(token, Buffer.from(PIN));
    const signer = new CardSigner(session);
    const unwatch = await svc.watch(); // events keep this process alive only while someone watches
    const removed = once(svc, 'removed');
    const ended = once(svc, 'sessionEnded');
    bench.setSim('SIM removable', { present: 0 });
    try {
      const [r] = (await removed) as [{ label: string }];
      assert.equal(r.label, 'SIM removable');
      const [e] = (await ended) as [{ sessionId: string; reason: string }];
      assert.deepEqual(e, { type: 'sessionEnded', sessionId: session.id, reason: 'removed' });
      assert.equal(session.ended, true);
      await rejectsWith(signer.sign(0x0401, Buffer.from('x')), 'CARD_REMOVED');
      await rejectsWith(svc.selectToken('SIM removable'), 'CARD_NOT_PRESENT');
      const inserted = once(svc, 'inserted');
      bench.setSim('SIM removable', { present: 1 });
      const [i] = (await inserted) as [{ label: string }];
      assert.equal(i.label, 'SIM removable');
      assert.equal(session.ended, true, 'a reinserted card needs a new login');
    } finally {
      unwatch();
      bench.setSim('SIM removable', { present: 1 });
    }
  });

  test('CKA_ALWAYS_AUTHENTICATE: the PIN is asked for each signature, once, never retried', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM alwaysauth');
    const session = await svc.login(token, Buffer.from(PIN));
    assert.equal(session.alwaysAuthenticate, true);
    const data = Buffer.from('per-signature PIN');
    const err = await rejectsWith(new CardSigner(session).sign(0x0401, data), 'CARD_PIN_REQUIRED');
    assert.equal(err.data.alwaysAuthenticate, true);

    let asked = 0;
    const calls = bench.pinState('SIM alwaysauth').loginCalls;
    const signer = new CardSigner(session, { pinForSignature: async () => (asked++, Buffer.from(PIN)) });
    assert.ok(verify('sha256', data, publicKeyOf(token), await signer.sign(0x0401, data)));
    assert.equal(asked, 1);
    assert.equal(bench.pinState('SIM alwaysauth').loginCalls, calls + 1);

    const wrong = new CardSigner(session, { pinForSignature: async () => Buffer.from('0000') });
    await rejectsWith(wrong.sign(0x0401, data), 'CARD_PIN_INCORRECT');
    assert.equal(bench.pinState('SIM alwaysauth').loginCalls, calls + 2, 'one attempt, no retry');
    assert.ok(verify('sha256', data, publicKeyOf(token), await signer.sign(0x0401, data)), 'the session survives a wrong signature PIN');
  });

  test('a slow card never blocks the caller: the event loop keeps ticking during a signature', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM cps3');
    const signer = new CardSigner(await svc.login(token, Buffer.from(PIN)));
    bench.setSim('SIM cps3', { cps3: 1, sign_delay_ms: 1500 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 50);
      const sig = await signer.sign(0x0401, Buffer.from('slow'));
      clearInterval(timer);
      assert.ok(verify('sha256', Buffer.from('slow'), publicKeyOf(token), sig));
      // 1.5 s of card time at one tick per 50 ms: ~30 ticks if never blocked, 0 if blocked.
      assert.ok(ticks >= 10, `only ${ticks} ticks during the card operation`);
    } finally {
      bench.setSim('SIM cps3', { cps3: 1, sign_delay_ms: 0 });
    }
  });

  test('a crashed card host: CARD_UNAVAILABLE, sessions ended, new host on next use, no automatic re-login', async () => {
    const svc = service();
    const token = await svc.selectToken('SIM cps3');
    const session = await svc.login(token, Buffer.from(PIN));
    const calls = bench.pinState('SIM cps3').loginCalls;
    bench.setSim('SIM cps3', { cps3: 1, sign_delay_ms: 3000 });
    try {
      const started = bench.pinState('SIM cps3').signStarted ?? 0;
      const pending = new CardSigner(session).sign(0x0401, Buffer.from('x'));
      const ended = once(svc, 'sessionEnded');
      // the card counts the signature it starts "computing": kill the host in the middle of it
      await waitUntil('the card to start signing', () => (bench.pinState('SIM cps3').signStarted ?? 0) > started);
      const pid = svc.hostPid;
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await rejectsWith(pending, 'CARD_UNAVAILABLE');
      const [e] = (await ended) as [{ reason: string }];
      assert.equal(e.reason, 'unavailable');
      assert.equal(session.ended, true);
      assert.equal(bench.pinState('SIM cps3').loginCalls, calls, 'never logged in again by itself');
      // The user logs in again (with the card object read before the crash): a new host serves it, the PIN arrives intact.
      const relogged = await svc.login(token, Buffer.from(PIN));
      assert.notEqual(svc.hostPid, pid);
      assert.equal(relogged.ended, false);
      assert.equal(bench.pinState('SIM cps3').loginCalls, calls + 1);
      assert.equal(bench.pinState('SIM cps3').triesLeft, 3);
      await relogged.logout();
    } finally {
      bench.setSim('SIM cps3', { cps3: 1, sign_delay_ms: 0 });
    }
  });

  test('while someone watches, a crashed host comes back by itself and removal events keep coming', async () => {
    const svc = service();
    const unwatch = await svc.watch();
    try {
      const pid = svc.hostPid;
      assert.ok(pid);
      const unavailable = once(svc, 'unavailable');
      process.kill(pid, 'SIGKILL');
      await unavailable;
      // the service announces nothing when its new host is up: its pid is read until it changes
      await waitUntil('a new card host', () => svc.hostPid !== undefined && svc.hostPid !== pid, { timeoutMs: 10_000 });
      await svc.open();
      const removed = once(svc, 'removed');
      bench.setSim('SIM removable', { present: 0 });
      const [e] = (await removed) as [{ label: string }];
      assert.equal(e.label, 'SIM removable');
    } finally {
      bench.setSim('SIM removable', { present: 1 });
      unwatch();
    }
  });

  test('a hung card times out as CARD_UNAVAILABLE and the host is replaced', async () => {
    const svc = service({ requestTimeoutMs: 2000 });
    const token = await svc.selectToken('SIM norawrsa');
    const session = await svc.login(token, Buffer.from(PIN));
    bench.setSim('SIM norawrsa', { hide_raw_rsa: 1, sign_delay_ms: 10_000 });
    try {
      const pid = svc.hostPid;
      await rejectsWith(new CardSigner(session).sign(0x0401, Buffer.from('x')), 'CARD_UNAVAILABLE');
      assert.equal(session.ended, true);
      bench.setSim('SIM norawrsa', { hide_raw_rsa: 1, sign_delay_ms: 0 });
      await svc.selectToken('SIM norawrsa');
      assert.notEqual(svc.hostPid, pid);
    } finally {
      bench.setSim('SIM norawrsa', { hide_raw_rsa: 1, sign_delay_ms: 0 });
    }
  });

  test('module discovery: missing and broken modules are clear errors naming what was tried', async () => {
    const missing = await rejectsWith(service({ modulePath: '/nonexistent/libcps3_pkcs11_lux.so' }).open(), 'CARD_MODULE_NOT_FOUND');
    assert.deepEqual(missing.data.tried, [{ path: '/nonexistent/libcps3_pkcs11_lux.so', source: 'explicit', outcome: 'absent' }]);
    const broken = await rejectsWith(service({ modulePath: `${bench.dir}/softhsm2.conf` }).open(), 'CARD_MODULE_LOAD_FAILED');
    assert.equal((broken.data.tried as { outcome: string }[])[0]?.outcome, 'load-failed');
  });
});
