import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { AppError } from '../../../src-main/errors/index.js';
import { CHANNELS, CHANNEL_NAMES, EVENTS, EVENT_NAMES, type ChannelHandlers, type MssanteApi } from '../../../src-main/ipc/contract.js';
import { checkEvent, dispatch } from '../../../src-main/ipc/dispatch.js';
import { unavailableServices } from '../../../src-main/app/unavailable.js';

const cardStatus = { state: 'present', pinpad: false, pinState: 'ok', holder: { name: 'Dr Jean MARTIN', profession: 'Médecin' } } as const;

function handlers(overrides: Partial<Record<string, (req: unknown) => Promise<unknown>>> = {}): ChannelHandlers {
  const all: Record<string, unknown> = { ...unavailableServices() };
  for (const name of CHANNEL_NAMES) all[name] ??= async () => { throw new AppError('SERVICE_UNAVAILABLE', name); };
  return { ...all, ...overrides } as unknown as ChannelHandlers;
}

test('a valid request reaches the handler and its value comes back in an ok envelope', async () => {
  let seen: unknown;
  const h = handlers({ 'session.unlock': async (req) => { seen = req; return { locked: false }; } });
  const result = await dispatch(h, 'session.unlock', { pin: '1234' });
  assert.deepEqual(seen, { pin: '1234' });
  assert.deepEqual(result, { ok: true, value: { locked: false } });
});

test('an unknown channel is refused with INVALID_ARGUMENT and French text', async () => {
  const result = await dispatch(handlers(), 'store.sql', { sql: 'select * from messages' });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, 'INVALID_ARGUMENT');
  assert.equal(!result.ok && result.error.message, 'Paramètre invalide.');
  const proto = await dispatch(handlers(), '__proto__', {});
  assert.equal(proto.ok, false);
});

test('a malformed PIN is refused before any handler runs, and the PIN is not echoed', async () => {
  let called = false;
  const h = handlers({ 'session.unlock': async () => { called = true; return { locked: false }; } });
  for (const pin of ['12a4', '123', '123456789', 1234]) {
    const result = await dispatch(h, 'session.unlock', { pin });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'INVALID_ARGUMENT');
    assert.ok(!JSON.stringify(result).includes(String(pin)));
  }
  assert.equal(called, false);
});

test('requests with undeclared keys are refused (strict schemas)', async () => {
  const result = await dispatch(handlers({ 'mail.read': async () => { throw new Error('must not run'); } }), 'mail.read', { id: '1', sql: 'drop table' });
  assert.equal(!result.ok && result.error.code, 'INVALID_ARGUMENT');
});

test('undeclared fields of a response never leave main (a PIN or key would be stripped)', async () => {
  const h = handlers({ 'card.status': async () => ({ ...cardStatus, pinValue: '1234', privateKey: 'secret' }) });
  const result = await dispatch(h, 'card.status', {});
  assert.deepEqual(result, { ok: true, value: cardStatus });
});

test('a response that breaks the contract becomes INTERNAL and nothing of it is sent', async () => {
  const violations: string[] = [];
  const h = handlers({ 'mail.folders': async () => ({ folders: [{ id: 1, name: 'INBOX' }] }) });
  const result = await dispatch(h, 'mail.folders', {}, { onContractViolation: (c) => violations.push(c) });
  assert.equal(!result.ok && result.error.code, 'INTERNAL');
  assert.ok(!JSON.stringify(result).includes('INBOX'));
  assert.deepEqual(violations, ['mail.folders']);
});

test('an AppError keeps its code and primitive data (PIN tries state); a plain Error is INTERNAL without its detail', async () => {
  const h = handlers({
    'session.unlock': async () => { throw new AppError('CARD_PIN_INCORRECT', 'wrong pin', { data: { pinState: 'final-try', nested: { x: 1 } } }); },
    'sync.now': async () => { throw new Error('/home/user/secret path'); },
  });
  const login = await dispatch(h, 'session.unlock', { pin: '0000' });
  assert.deepEqual(login, { ok: false, error: { code: 'CARD_PIN_INCORRECT', message: 'Code PIN incorrect.', data: { pinState: 'final-try' } } });
  const sync = await dispatch(h, 'sync.now', {});
  assert.equal(!sync.ok && sync.error.code, 'INTERNAL');
  assert.ok(!JSON.stringify(sync).includes('secret'));
});

test('a facade without core wiring answers SERVICE_UNAVAILABLE for every core channel', async () => {
  const h = handlers();
  const result = await dispatch(h, 'mail.folders', {});
  assert.equal(!result.ok && result.error.code, 'SERVICE_UNAVAILABLE');
});

test('events are checked against the contract before they leave main', () => {
  assert.deepEqual(checkEvent('mail.changed', { folderIds: ['1'] }), { folderIds: ['1'] });
  assert.throws(() => checkEvent('sync.progress', { folderName: 'INBOX', done: -1, total: 3 }), (e: unknown) => e instanceof AppError && e.code === 'INTERNAL');
  assert.ok(EVENT_NAMES.includes('card.removed') && EVENT_NAMES.includes('card.inserted'));
});

test('every channel carries only JSON-safe schemas with an owner', () => {
  for (const name of CHANNEL_NAMES) {
    assert.match(name, /^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/);
    assert.ok(['core', 'shell'].includes(CHANNELS[name].owner));
    // throws on anything JSON cannot carry (Date, bigint, Map, binary): the loopback harness must work too
    z.toJSONSchema(CHANNELS[name].request, { io: 'input' });
    z.toJSONSchema(CHANNELS[name].response, { io: 'output' });
  }
  // the renderer's typed API, generated from the contract (compile-time check)
  const typed = (api: MssanteApi) => [api.mail.list, api.session.unlock, api.on] as const;
  assert.equal(typeof typed, 'function');
});

test('no response or event of the contract can carry a PIN, key, credential or SQL', () => {
  const forbidden = /password|passphrase|secret|sql|private|credential|token|^key$|keyhex|cookie/i;
  const found: string[] = [];
  const walk = (schema: unknown, path: string): void => {
    if (!schema || typeof schema !== 'object') return;
    const s = schema as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[]; oneOf?: unknown[]; additionalProperties?: unknown; enum?: unknown[] };
    for (const [name, sub] of Object.entries(s.properties ?? {})) {
      const where = `${path}.${name}`;
      if (forbidden.test(name)) found.push(where);
      // no response field is called `pin`; `pinState` is the PIN *state* shown on the lock screen, never a value
      if (/^pin$/i.test(name)) found.push(`${where} (named pin)`);
      if (/pin/i.test(name) && name !== 'pinpad') {
        const values = (sub as { enum?: unknown[] }).enum;
        if (!values || !values.every((v) => ['ok', 'count-low', 'final-try', 'locked'].includes(v as string))) found.push(`${where} (not a PIN state)`);
      }
      walk(sub, where);
    }
    for (const sub of [s.items, s.additionalProperties, ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) walk(sub, path);
  };
  for (const name of CHANNEL_NAMES) walk(z.toJSONSchema(CHANNELS[name].response, { io: 'output' }), name);
  for (const name of EVENT_NAMES) walk(z.toJSONSchema(EVENTS[name], { io: 'output' }), `event ${name}`);
  assert.deepEqual(found, []);
});
