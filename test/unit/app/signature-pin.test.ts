// A card key with CKA_ALWAYS_AUTHENTICATE needs the PIN for every signature: the window is
// asked through the contract (`card.signaturePin` event, answer / cancel channels), one try
// per request, 4–8 digits checked before the card, a cancelled or unanswered prompt fails
// that signature with a typed error. The broker is tested alone, then through the facade:
// the journal checkpoint after the PIN login is signed with the PIN answered in the window
// (a software double of CardSession whose key demands it; the real CardSigner and journal).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src-main/audit/journal.js';
import { journalPort } from '../../../src-main/audit/port.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { createSignaturePinBroker } from '../../../src-main/app/signature-pin.js';
import { CKM } from '../../../src-main/card/pkcs11-facts.js';
import type { SignPlan } from '../../../src-main/card/signature-schemes.js';
import { AppError, isAppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, EventName } from '../../../src-main/ipc/contract.js';
import { openDatabase } from '../../../src-main/store/database.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-signature-pin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Events as main emits them, awaitable. */
function events() {
  const bus = new EventEmitter();
  const seen: { event: EventName; payload: unknown }[] = [];
  const emit = (event: EventName, payload: unknown): void => {
    seen.push({ event, payload });
    bus.emit(event, payload);
  };
  const next = async <T>(event: EventName): Promise<T> => ((await once(bus, event)) as [T])[0];
  return { emit: emit as never, seen, next };
}

const codeOf = (err: unknown): string | undefined => (isAppError(err) ? err.code : undefined);

test('broker: a request waits for the window; the answer resolves it once, as bytes', async () => {
  const ev = events();
  const broker = createSignaturePinBroker(ev.emit);
  const asked = ev.next<{ requestId: string; purpose: string }>('card.signaturePin');
  const pin = broker.pinFor('server')();
  const { requestId, purpose } = await asked;
  assert.equal(purpose, 'server');
  assert.deepEqual(broker.pending(), [requestId]);
  assert.deepEqual(broker.answer(requestId, '4321'), { accepted: true });
  assert.equal((await pin).toString('utf8'), '4321');
  assert.deepEqual(broker.pending(), []);
  assert.deepEqual(ev.seen.at(-1), { event: 'card.signaturePinDone', payload: { requestId } });
  assert.throws(() => broker.answer(requestId, '4321'), (e: unknown) => codeOf(e) === 'NOT_FOUND', 'one answer per request');
  assert.equal(JSON.stringify(ev.seen).includes('4321'), false, 'the PIN is in no event');
});

test('broker: a PIN that is not 4–8 digits is refused before the card and the request stays open', async () => {
  const ev = events();
  const broker = createSignaturePinBroker(ev.emit);
  const asked = ev.next<{ requestId: string }>('card.signaturePin');
  const pin = broker.pinFor('journal')();
  const { requestId } = await asked;
  for (const bad of ['', '123', '123456789', '12a4', ' 1234', '１２３４']) {
    assert.throws(() => broker.answer(requestId, bad), (e: unknown) => codeOf(e) === 'CARD_PIN_FORMAT', JSON.stringify(bad));
  }
  assert.deepEqual(broker.pending(), [requestId]);
  broker.answer(requestId, '12345678');
  assert.equal((await pin).toString(), '12345678');
});

test('broker: cancel and timeout fail that signature with their typed errors', async () => {
  const ev = events();
  const broker = createSignaturePinBroker(ev.emit, { timeoutMs: 20 });
  const asked = ev.next<{ requestId: string }>('card.signaturePin');
  const cancelled = broker.pinFor('server')();
  const { requestId } = await asked;
  assert.deepEqual(broker.cancel(requestId), { cancelled: true });
  await assert.rejects(cancelled, (e: unknown) => codeOf(e) === 'CARD_SIGNATURE_PIN_CANCELLED');
  assert.deepEqual(broker.cancel(requestId), { cancelled: false });

  const done = ev.next<{ requestId: string }>('card.signaturePinDone');
  // the prompt's timer does not hold the process open (unref): this test's wait does
  const keepAlive = setInterval(() => undefined, 1000);
  await assert.rejects(broker.pinFor('server')(), (e: unknown) => codeOf(e) === 'CARD_SIGNATURE_PIN_TIMEOUT');
  clearInterval(keepAlive);
  await done; // the dialog is told to close
  assert.deepEqual(broker.pending(), []);

  const all = [broker.pinFor('store')(), broker.pinFor('journal')()];
  broker.cancelAll();
  for (const p of all) await assert.rejects(p, (e: unknown) => codeOf(e) === 'CARD_SIGNATURE_PIN_CANCELLED');
});

// ---- through the facade: the journal checkpoint signed by an always-authenticate key

function cardKey(): { key: ReturnType<typeof createPrivateKey>; der: Buffer } {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('card.key'), '-out', f('card.der'), '-outform', 'DER', '-days', '2', '-subj', '/O=TEST/CN=899700523527/SN=MARTIN/GN=Jeanne');
  return { key: createPrivateKey(readFileSync(f('card.key'))), der: readFileSync(f('card.der')) };
}
const key = cardKey();
const holder = { nationalId: '899700523527', idType: 'RPPS', rpps: '99700523527', adeli: null, lastName: 'MARTIN', firstName: 'Jeanne', profession: 'Médecin' };

/** A CardService double whose key demands the PIN for every signature (context-specific login). */
class AlwaysAuthCard extends EventEmitter {
  current = { slot: '0', reader: 'Lecteur', present: true, label: 'CPS3', serial: '80250000012345', cardType: 'CPS', holder, certificate: { sha256: 'c'.repeat(64) }, pin: { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null }, mechanisms: [], pss: false };
  /** PINs presented to the card for signatures */
  signaturePins: string[] = [];
  async tokens() { return [this.current]; }
  async selectToken() { return this.current; }
  async login() {
    const session = {
      id: 's1', ended: false, token: this.current, alwaysAuthenticate: true, certificateDer: key.der, mechanisms: [CKM.SHA256_RSA_PKCS],
      sign: async (plan: SignPlan, pin: Buffer | null) => {
        if (!pin) throw new AppError('CARD_PIN_REQUIRED', 'the key demands the PIN for this signature');
        this.signaturePins.push(pin.toString());
        return sign('sha256', plan.input, key.key);
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
  const card = new AlwaysAuthCard();
  const ev = events();
  const core = createCoreApp({ emit: ev.emit, settingsFile: join(home, 'settings.json'), card: card as never, journal: journalPort(journal, home) });
  const checkpoints = () => [...journal.entries()].filter((e) => e.action === 'journal.checkpoint').length;
  return { card, core, ev, handlers: core.services as unknown as ChannelHandlers, checkpoints };
}

test('facade: the journal checkpoint after the login asks the window, answered while still locked', async () => {
  const { card, core, ev, handlers, checkpoints } = app();
  const asked = ev.next<{ requestId: string; purpose: string }>('card.signaturePin');
  const unlocked = dispatch(handlers, 'session.unlock', { pin: '1234' });
  const { requestId, purpose } = await asked;
  assert.equal(purpose, 'journal');
  const refused = await dispatch(handlers, 'card.signaturePinAnswer', { requestId, pin: '12' });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'CARD_PIN_FORMAT');
  assert.deepEqual(card.signaturePins, [], 'nothing reached the card');
  assert.deepEqual(await dispatch(handlers, 'card.signaturePinAnswer', { requestId, pin: '1234' }), { ok: true, value: { accepted: true } });
  assert.deepEqual(await unlocked, { ok: true, value: { locked: false } });
  assert.deepEqual(card.signaturePins, ['1234'], 'one try');
  assert.equal(checkpoints(), 1);
  core.dispose();
});

test('facade: « Annuler » fails that signature only (no card try); the session still opens', async () => {
  const { card, core, ev, handlers, checkpoints } = app();
  const asked = ev.next<{ requestId: string }>('card.signaturePin');
  const unlocked = dispatch(handlers, 'session.unlock', { pin: '1234' });
  const { requestId } = await asked;
  assert.deepEqual(await dispatch(handlers, 'card.signaturePinCancel', { requestId }), { ok: true, value: { cancelled: true } });
  assert.deepEqual(await unlocked, { ok: true, value: { locked: false } });
  assert.deepEqual(card.signaturePins, []);
  assert.equal(checkpoints(), 0, 'no checkpoint without the PIN');
  // the next signature asks again (never retried automatically, asked anew per action)
  const again = ev.next<{ requestId: string }>('card.signaturePin');
  const signing = core.card!.checkpoint();
  const second = await again;
  assert.notEqual(second.requestId, requestId);
  await dispatch(handlers, 'card.signaturePinAnswer', { requestId: second.requestId, pin: '1234' });
  await signing;
  assert.equal(checkpoints(), 1);
  core.dispose();
});
