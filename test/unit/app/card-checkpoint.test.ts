// The app's card signs the journal head like `mssante sync` does at its end:
// after the PIN login, when the session locks (the card session stays open)
// and at quit, never once the card is gone. The card session is a software
// double of CardSession (CKM_SHA256_RSA_PKCS over a test key whose certificate
// names an RPPS holder under an IGC-Santé-like issuer); the real CardSigner
// and the real journal are used, and the signatures are verified.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHeadAnchor } from '../../../src-main/audit/anchor.js';
import type { JournalEventData } from '../../../src-main/audit/events.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { journalPort } from '../../../src-main/audit/port.js';
import { verifyJournal } from '../../../src-main/audit/verify.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { writeClinicPolicy } from '../../../src-main/app/clinic-policy.js';
import { CKM } from '../../../src-main/card/pkcs11-facts.js';
import type { SignPlan } from '../../../src-main/card/signature-schemes.js';
import { AppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { openDatabase } from '../../../src-main/store/database.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-card-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NATIONAL_ID = '899700523527';

/** A test CA named like IGC-Santé's person CA, and a leaf naming the holder (CN = national id, SN, GN). */
function cardKeyAndCertificate(): { key: ReturnType<typeof createPrivateKey>; der: Buffer } {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/O=TEST/CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES');
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('card.key'), '-out', f('card.csr'), '-subj', `/O=TEST/CN=${NATIONAL_ID}/SN=MARTIN/GN=Jeanne/title=Médecin`, '-utf8');
  openssl('x509', '-req', '-in', f('card.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '7', '-days', '2', '-outform', 'DER', '-out', f('card.der'));
  return { key: createPrivateKey(readFileSync(f('card.key'))), der: readFileSync(f('card.der')) };
}
const cardKey = cardKeyAndCertificate();

const pinOk = { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null };
const holder = { nationalId: NATIONAL_ID, idType: 'RPPS', rpps: '99700523527', adeli: null, lastName: 'MARTIN', firstName: 'Jeanne', profession: 'Médecin' };

/** CardService double whose sessions sign like a card offering CKM_SHA256_RSA_PKCS. */
class FakeCard extends EventEmitter {
  current = { slot: '0', reader: 'Lecteur', present: true, label: 'CPS3', serial: '80250000012345', cardType: 'CPS', holder, certificate: { sha256: 'c'.repeat(64) }, pin: pinOk, mechanisms: [], pss: false };
  loginError: AppError | undefined;
  signatures = 0;
  async tokens() { return [this.current]; }
  async selectToken() { return this.current; }
  async login() {
    if (this.loginError) throw this.loginError;
    const session = {
      id: `s${Math.random()}`, ended: false, token: this.current, alwaysAuthenticate: false, certificateDer: cardKey.der, mechanisms: [CKM.SHA256_RSA_PKCS],
      sign: async (plan: SignPlan) => {
        assert.equal(plan.mechanism, CKM.SHA256_RSA_PKCS);
        this.signatures++;
        return sign('sha256', plan.input, cardKey.key);
      },
      logout: async () => { session.ended = true; },
    };
    return session;
  }
}

let n = 0;
function app() {
  const home = join(dir, `home${++n}`);
  const journal = new Journal(openDatabase(join(home, 'mail.db'), Buffer.alloc(32, n)));
  const card = new FakeCard();
  const core = createCoreApp({ emit: () => {}, settingsFile: join(home, 'settings.json'), card: card as never, journal: journalPort(journal, home) });
  const checkpoints = () => [...journal.entries()].filter((e) => e.action === 'journal.checkpoint').map((e) => ({ seq: e.seq, actor: e.actor, data: JSON.parse(e.data) as JournalEventData['journal.checkpoint'] }));
  return { home, journal, card, core, handlers: core.services as unknown as ChannelHandlers, checkpoints };
}

test('unlocking with the PIN: the card signs the journal head right after the login entry; verify accepts it', async () => {
  const { home, journal, card, core, handlers, checkpoints } = app();
  assert.deepEqual(await dispatch(handlers, 'session.unlock', { pin: '1234' }), { ok: true, value: { locked: false } });
  const actions = [...journal.entries()].map((e) => e.action);
  assert.deepEqual(actions, ['card.login', 'journal.checkpoint']);
  const [cp] = checkpoints();
  assert.equal(cp!.data.seq, 1, 'signs the card.login entry');
  assert.equal(cp!.data.nationalId, NATIONAL_ID, 'holder read from the card certificate');
  assert.equal(cp!.actor, NATIONAL_ID);
  assert.equal(Buffer.from(cp!.data.certificate, 'base64').equals(cardKey.der), true);
  assert.equal(card.signatures, 1);
  const v = verifyJournal(journal, home);
  assert.equal(v.ok, true);
  assert.deepEqual(v.checkpoints.map((c) => [c.signedSeq, c.valid, c.nationalId]), [[1, true, NATIONAL_ID]]);
  assert.equal(readHeadAnchor(home)!.seq, 2, 'the head file follows the checkpoint');
  core.dispose();
});

test('locking (user, idle, system) signs while the card session is still open; quit signs a last one', async () => {
  const { home, journal, core, handlers, checkpoints } = app();
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  await dispatch(handlers, 'settings.set', { idleLockMinutes: 5 }); // something new to anchor
  assert.deepEqual(await dispatch(handlers, 'session.lock', { reason: 'user' }), { ok: true, value: { locked: true, reason: 'user' } });
  await core.card!.settled();
  assert.equal(checkpoints().length, 2);
  assert.equal(checkpoints()[1]!.data.seq, journal.head().seq - 1, 'the lock checkpoint signs the settings change before it');

  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  core.gate.lock('idle'); // the shell's idle watcher and the OS lock screen lock the gate directly
  await core.card!.settled();
  assert.equal(checkpoints().length, 4, 'unlock + idle lock');

  await core.close();
  const all = checkpoints();
  assert.equal(all.length, 5, 'quit');
  assert.equal(all.at(-1)!.data.seq, journal.head().seq - 1);
  const v = verifyJournal(journal, home);
  assert.equal(v.ok, true);
  assert.ok(v.checkpoints.every((c) => c.valid));
  assert.equal(core.card!.currentSession() !== undefined, true, 'quit leaves the card session to the card host');
});

test('no card session, no checkpoint: a wrong PIN, a removed card, a lock after removal', async () => {
  const { journal, card, core, handlers, checkpoints } = app();
  card.loginError = new AppError('CARD_PIN_INCORRECT', 'bad pin');
  assert.equal((await dispatch(handlers, 'session.unlock', { pin: '0000' })).ok, false);
  assert.deepEqual(checkpoints(), []);
  card.loginError = undefined;
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  const before = checkpoints().length;
  card.emit('removed', { type: 'removed', slot: '0', label: 'CPS3', serial: '80250000012345' });
  assert.equal(core.gate.locked, true);
  await core.card!.settled();
  await core.close();
  assert.equal(checkpoints().length, before, 'the card is gone: nothing can sign');
  assert.equal([...journal.entries()].at(-1)!.action, 'card.logout');
  assert.equal(card.signatures, before);
});

test('a card that cannot sign never blocks the unlock', async () => {
  const { card, core, handlers, checkpoints } = app();
  const login = card.login.bind(card);
  card.login = async () => ({ ...(await login()), sign: async () => { throw new AppError('CARD_SIGN_FAILED', 'CKR_DEVICE_ERROR'); } });
  assert.deepEqual(await dispatch(handlers, 'session.unlock', { pin: '1234' }), { ok: true, value: { locked: false } });
  assert.deepEqual(checkpoints(), []);
  core.dispose();
});

test('« Se déconnecter »: the card signs, its session ends (journalled), the session locks and content channels refuse', async () => {
  const { home, journal, core, handlers, checkpoints } = app();
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  await dispatch(handlers, 'settings.set', { idleLockMinutes: 7 });
  const session = core.card!.currentSession()!;
  assert.deepEqual(await dispatch(handlers, 'session.logout', {}), { ok: true, value: { locked: true, reason: 'logout' } });
  assert.equal(session.ended, true, 'the card session is closed, not only hidden');
  assert.equal(core.card!.currentSession(), undefined);
  const actions = [...journal.entries()].map((e) => e.action);
  assert.deepEqual(actions.slice(-3), ['settings.changed', 'journal.checkpoint', 'card.logout'], 'signed before the logout');
  assert.equal(checkpoints().at(-1)!.data.seq, journal.head().seq - 2);
  const refused = await dispatch(handlers, 'mail.folders', {});
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'SESSION_LOCKED');
  assert.equal(verifyJournal(journal, home).ok, true);
  core.dispose();
});

test('maximum session length (clinic rule, default 12 h): then the session ends and the PIN is asked again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { journal, core, handlers, home } = app();
  assert.equal(core.settings.read().maxSessionHours, 12);
  writeClinicPolicy(home, { maxSessionHours: 2 }); // the clinic lowers it (`mssante policy set max-session-hours 2`)
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  const session = core.card!.currentSession()!;
  t.mock.timers.tick(2 * 3_600_000 - 1);
  assert.equal(core.gate.locked, false);
  t.mock.timers.tick(1);
  for (let i = 0; i < 50 && !(core.gate.locked && session.ended); i++) await new Promise((r) => setImmediate(r));
  await core.card!.settled();
  assert.deepEqual(core.gate.state, { locked: true, reason: 'expired' });
  assert.equal(session.ended, true);
  assert.throws(() => core.settings.update({ maxSessionHours: 13 }), 'never from the user');
  writeClinicPolicy(home, { maxSessionHours: 13 } as never);
  assert.equal(core.settings.read().maxSessionHours, 12, 'never above 12 h');
  assert.ok([...journal.entries()].some((e) => e.action === 'card.logout'));
  core.dispose();
});
