import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { AppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { SessionGate } from '../../../src-main/app/session.js';
import { createCardApp } from '../../../src-main/app/card-app.js';

const pinOk = { locked: false, finalTry: false, countLow: false, protectedPath: false, triesLeft: null };

function token(pin = pinOk, serial = '80250000012345') {
  return {
    slot: '0', reader: 'Lecteur CPS', present: true, label: 'CPS3 TEST', serial, cardType: 'CPS',
    holder: { nationalId: '899700523527', idType: 'RPPS', rpps: '99700523527', adeli: null, lastName: 'MARTIN', firstName: 'Jeanne', profession: 'Médecin' },
    certificate: null, pin, mechanisms: [], pss: false,
  };
}

/** A stand-in for the card module's CardService: what the facade calls, nothing more. */
class FakeCard extends EventEmitter {
  logins: (Buffer | null)[] = [];
  logouts = 0;
  current = token();
  loginError: AppError | undefined;
  async tokens() { return [this.current]; }
  async selectToken() { return this.current; }
  async login(_t: unknown, pin: Buffer | null) {
    this.logins.push(pin ? Buffer.from(pin) : null);
    if (this.loginError) {
      this.current = token({ ...pinOk, finalTry: true, countLow: true, triesLeft: 1 } as never);
      throw this.loginError;
    }
    const session = { id: `s${this.logins.length}`, ended: false, token: this.current, logout: async () => { session.ended = true; this.logouts++; } };
    return session;
  }
}

function setup() {
  const events: [string, unknown][] = [];
  const emit = (event: string, payload: unknown) => events.push([event, payload]);
  const gate = new SessionGate(emit as never);
  const card = new FakeCard();
  const app = createCardApp(card as never, gate, emit as never);
  const handlers = app.channels as unknown as ChannelHandlers;
  return { events, gate, card, app, handlers };
}

test('card status shows the holder from the certificate, without any PIN', async () => {
  const { handlers } = setup();
  assert.deepEqual(await dispatch(handlers, 'card.status', {}), {
    ok: true,
    value: { state: 'present', holder: { name: 'Jeanne MARTIN', profession: 'Médecin', rpps: '99700523527' }, pinState: 'ok', pinpad: false },
  });
});

test('a correct PIN logs in once and unlocks the session; the PIN never comes back', async () => {
  const { handlers, card, gate, events } = setup();
  const result = await dispatch(handlers, 'session.unlock', { pin: '1234' });
  assert.equal(result.ok, true);
  assert.ok(!JSON.stringify(result).includes('1234'));
  assert.equal(card.logins.length, 1);
  assert.equal(gate.locked, false);
  assert.deepEqual(events.map(([e]) => e), ['session.changed', 'card.changed']);
});

test('a wrong PIN fails once with the final-try state and is never retried', async () => {
  const { handlers, card, gate } = setup();
  card.loginError = new AppError('CARD_PIN_INCORRECT', 'CKR_PIN_INCORRECT');
  const result = await dispatch(handlers, 'session.unlock', { pin: '0000' });
  assert.deepEqual(result, { ok: false, error: { code: 'CARD_PIN_INCORRECT', message: 'Code PIN incorrect.', data: { pinState: 'final-try' } } });
  assert.equal(card.logins.length, 1, 'one attempt per user action');
  assert.equal(gate.locked, true);
  const status = await dispatch(handlers, 'card.status', {});
  assert.equal(status.ok && (status.value as { pinState: string }).pinState, 'final-try');
});

test('without a keypad a PIN is required; on a pinpad reader no PIN is sent from the app', async () => {
  const { handlers, card } = setup();
  const missing = await dispatch(handlers, 'session.unlock', {});
  assert.equal(!missing.ok && missing.error.code, 'CARD_PIN_REQUIRED');
  assert.equal(card.logins.length, 0);
  card.current = token({ ...pinOk, protectedPath: true });
  assert.equal((await dispatch(handlers, 'card.status', {})).ok && true, true);
  const ok = await dispatch(handlers, 'session.unlock', { pin: '1234' });
  assert.equal(ok.ok, true);
  assert.deepEqual(card.logins, [null], 'pinpad: the PIN is typed on the reader');
});

test('removing the card locks the session and tells the renderer', async () => {
  const { handlers, card, gate, events, app } = setup();
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  events.length = 0;
  card.emit('removed', { type: 'removed', slot: '0', label: 'CPS3 TEST', serial: '80250000012345' });
  assert.deepEqual(gate.state, { locked: true, reason: 'card-removed' });
  assert.deepEqual(events, [['session.changed', { locked: true, reason: 'card-removed' }], ['card.removed', {}]]);
  assert.equal(app.currentSession(), undefined);
  app.dispose();
  assert.equal(card.listenerCount('removed'), 0);
});

test('unlocking after an idle lock asks the PIN again: the old card session ends first', async () => {
  const { handlers, card, gate, app } = setup();
  await dispatch(handlers, 'session.unlock', { pin: '1234' });
  const first = app.currentSession();
  gate.lock('idle');
  const unlocked = await dispatch(handlers, 'session.unlock', { pin: '1234' });
  assert.deepEqual(unlocked, { ok: true, value: { locked: false } });
  assert.equal(card.logouts, 1);
  assert.notEqual(app.currentSession(), first);
  assert.equal(card.logins.length, 2);
});

test('several cards and none chosen: the lock screen says so instead of "insert your card"', async () => {
  const { handlers, card } = setup();
  card.selectToken = async () => { throw new AppError('CARD_TOKEN_AMBIGUOUS', '2 cards present'); };
  assert.deepEqual(await dispatch(handlers, 'card.status', {}), { ok: true, value: { state: 'several', pinpad: false } });
});
