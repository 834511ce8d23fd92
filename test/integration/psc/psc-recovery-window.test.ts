// « Ouvrir avec le code de secours » on the real core (createCore with the store bound as the
// shell binds it, no card, no keychain): a store made by `mssante store init --without-card`
// (recovery wrap only) cannot open through the keychain after a card-less PSC login, so the
// login waits and the lock screen's channel takes the code — one try per call, never retried,
// nothing opened on a wrong code; the right code (typed loosely, normalised as the CLI does)
// opens the store and the gate, journalled as store.recovery_unlock without the code. And the
// keychain wrap a new OS profile cannot open: the code, then (clinic keychain policy) a new wrap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { readStorePolicy, writeStorePolicy } from '../../../src-main/app/store-policy.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { card, loadTestbed } from '../../support/testbed.js';
import { answerWhenPending } from '../../support/psc.js';
import { recoveryCodeIn, runMssante } from '../../support/cli.js';
import { filesUnder } from '../../support/files.js';
import { prepareHome } from '../../e2e/support.js';
import { startHarnessCore, type HarnessCore } from '../../e2e/harness/core.js';

const tb = loadTestbed();
const doctor = card(tb, 'doctorA');
const SECRET_ENV = `MSSANTE_IT_PSC_SECRET_${randomBytes(3).toString('hex')}`;
let home: string;
let harness: HarnessCore;
let code: string;

function storeClosed(): boolean {
  try {
    harness.root.store();
    return false;
  } catch (err) {
    return err instanceof AppError && err.code === 'SERVICE_UNAVAILABLE';
  }
}
const rejectsWith = (c: string) => (err: unknown) => err instanceof AppError && err.code === c;

before(async () => {
  process.env[SECRET_ENV] = tb.psc.clients.app.clientSecret;
  home = await prepareHome();
  // what IT does for a card-less doctor: the store set up by the CLI, the code printed once
  const init = await runMssante(['--home', home, 'store', 'init', '--without-card'], { env: { MSSANTE_STORE_KEY: '', MSSANTE_PKCS11_MODULE: join(home, 'no-card-module.so') } });
  assert.equal(init.code, 0, init.stderr);
  code = recoveryCodeIn(init.stderr)!;
  assert.ok(code, init.stderr);
  const k = readKeyring(home)!;
  assert.equal(k.cards.length, 0);
  assert.equal(k.keychain, null);
  harness = await startHarnessCore({
    home,
    emit: () => undefined,
    storeBound: true,
    setup: {
      psc: { issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', clientSecretEnv: SECRET_ENV, caFile: tb.pki.caBundle },
      dnsServers: [tb.psc.dnsServer],
      trustAnchorsFile: tb.pki.caBundle,
    },
  });
  await harness.handlers['account.create']({
    address: doctor.address, auth: 'psc',
    imap: { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, smtp: { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' },
  });
});

after(async () => {
  await harness?.close();
  delete process.env[SECRET_ENV];
  if (home) rmSync(home, { recursive: true, force: true });
});

test('no login waiting: the code channel is refused while locked, nothing opened', async () => {
  await assert.rejects(harness.handlers['psc.recoveryUnlock']({ code }), rejectsWith('PSC_NOT_LOGGED_IN'));
  await harness.root.storeSettled();
  assert.ok(storeClosed());
});

test('recovery-only store: PSC login → the store waits for its code; wrong code refused, nothing opened, no second try; the right code opens store and gate', async () => {
  const h = harness.handlers;
  const [state] = await Promise.all([h['psc.loginCiba']({ rpps: doctor.rpps }), answerWhenPending(tb, doctor.rpps, 'approve')]);
  assert.equal(state.locked, true, 'the gate stays closed: no store yet');
  let status = await h['psc.status']({});
  assert.equal(status.storeNeedsRecoveryCode, true);
  assert.equal(status.loggedIn, false, 'the login is not the session until the store opens');
  assert.ok(storeClosed());
  assert.equal((await dispatch(h, 'mail.folders', {})).ok, false);

  // a wrong code: refused with the window's wording, the store stays closed, the login still waits
  const wrong = await dispatch(h, 'psc.recoveryUnlock', { code: '00000-00000-00000-00000-00000' });
  assert.equal(wrong.ok, false);
  assert.ok(!wrong.ok && wrong.error.code === 'STORE_RECOVERY_INVALID');
  assert.ok(!wrong.ok && /saisissez-le de nouveau/.test(wrong.error.message ?? ''), 'the next step, in French');
  assert.ok(!JSON.stringify(wrong).includes('00000'), 'the code is never echoed');
  await harness.root.storeSettled();
  assert.ok(storeClosed(), 'nothing opened, and nothing tried again on its own');
  assert.equal(harness.core.gate.locked, true);
  assert.equal((await h['psc.status']({})).storeNeedsRecoveryCode, true, 'the doctor may type it again (a new deliberate try)');

  // the right code, typed loosely (lower case, spaces): normalised as the CLI does
  const after = await h['psc.recoveryUnlock']({ code: code.toLowerCase().replaceAll('-', ' ') });
  assert.equal(after.locked, false);
  await harness.root.storeSettled();
  assert.equal(storeClosed(), false);
  status = await h['psc.status']({});
  assert.equal(status.loggedIn, true);
  assert.equal(status.storeNeedsRecoveryCode, undefined);
  assert.ok((await dispatch(h, 'mail.folders', {})).ok);
  assert.equal(readKeyring(home)!.keychain, null, 'card-only clinic (default): the code opened this session only');

  // « Se déconnecter »: the store closes; its journal has the recovery and the login, never the code
  await h['session.logout']({});
  await harness.root.storeSettled();
  assert.ok(storeClosed());
  const db = openDatabase(join(home, 'store.db'), unlockWithRecovery(readKeyring(home)!, code), { check: 'none' });
  const journal = db.prepare('SELECT action, data_json AS data FROM journal ORDER BY seq').all() as { action: string; data: string }[];
  db.close();
  const actions = journal.map((e) => e.action);
  assert.ok(actions.includes('store.recovery_unlock'), actions.join(', '));
  assert.ok(actions.includes('psc.login'));
  assert.ok(actions.indexOf('store.recovery_unlock') < actions.indexOf('psc.login'));

  // the code is nowhere in the data folder (but where IT wrote nothing: the keyring holds a wrap, not the code)
  const compact = code.replaceAll('-', '');
  for (const f of filesUnder(home)) {
    const text = readFileSync(f, 'latin1');
    assert.ok(!text.includes(code) && !text.includes(compact), `${f} holds the code`);
  }

  // the next login asks for the code again (no keychain here): never tried automatically
  const [again] = await Promise.all([h['psc.loginCiba']({ rpps: doctor.rpps }), answerWhenPending(tb, doctor.rpps, 'approve')]);
  assert.equal(again.locked, true);
  assert.equal((await h['psc.status']({})).storeNeedsRecoveryCode, true);
  // « Annuler »: the waiting login is dropped; the channel is refused again
  assert.deepEqual(await h['psc.cancel']({}), { cancelled: true });
  assert.equal((await h['psc.status']({})).storeNeedsRecoveryCode, undefined);
  await assert.rejects(h['psc.recoveryUnlock']({ code }), rejectsWith('PSC_NOT_LOGGED_IN'));
  assert.ok(storeClosed());
});

test('a keychain wrap this OS profile lost: the code opens the store, and under the clinic keychain policy (consent recorded) a new wrap spares the next login the code', async () => {
  const other = await prepareHome();
  const core = await startHarnessCore({
    home: other,
    emit: () => undefined,
    storeBound: true,
    keychainConsent: true,
    setup: {
      psc: { issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', clientSecretEnv: SECRET_ENV, caFile: tb.pki.caBundle },
      dnsServers: [tb.psc.dnsServer],
      trustAnchorsFile: tb.pki.caBundle,
    },
  });
  const login = async () => (await Promise.all([core.handlers['psc.loginCiba']({ rpps: doctor.rpps }), answerWhenPending(tb, doctor.rpps, 'approve')]))[0];
  try {
    const h = core.handlers;
    await h['account.create']({
      address: doctor.address, auth: 'psc',
      imap: { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, smtp: { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' },
    });
    // first login: the keychain with consent (the existing path), its recovery code shown once
    assert.equal((await login()).locked, false);
    assert.equal(core.recoveryCodes.length, 1);
    assert.ok(readKeyring(other)!.keychain);
    await h['session.logout']({});
    await core.root.storeSettled();
    // a new OS profile: the keychain's KEK is gone; the clinic chose the keychain
    rmSync(join(other, 'test-keychain.kek'));
    writeStorePolicy(other, { ...readStorePolicy(other), keychain: 'keychain' });
    assert.equal((await login()).locked, true);
    assert.equal((await h['psc.status']({})).storeNeedsRecoveryCode, true);
    assert.equal((await h['psc.recoveryUnlock']({ code: core.recoveryCodes[0]! })).locked, false);
    await h['session.logout']({});
    await core.root.storeSettled();
    // the next login opens through the new keychain wrap, no code
    assert.equal((await login()).locked, false);
    assert.equal(core.recoveryCodes.length, 1, 'no new keyring');
    await h['session.logout']({});
  } finally {
    await core.close();
    rmSync(other, { recursive: true, force: true });
  }
});
