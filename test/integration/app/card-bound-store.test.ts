// The app's store is bound to the card (app/core.ts with `storeUnlock`, as the
// shell and the e2e harness wire it), on throwaway simulated CPS cards (cps-sim
// over their own SoftHSM tokens): nothing is open before the PIN; one PIN entry
// opens the card session AND the store; every lock (by hand, idle, OS lock
// screen, session expiry, « Se déconnecter », card removal) closes the store
// (not only the gate), and the PIN reopens the same store; another card is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { createCore, type Core } from '../../../src-main/app/core.js';
import { startInOrder, type Lifecycle } from '../../../src-main/app/lifecycle.js';
import { OPEN_WHEN_LOCKED } from '../../../src-main/app/session.js';
import { CORE_CHANNEL_NAMES } from '../../../src-main/app/unavailable.js';
import { AppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, CoreChannel } from '../../../src-main/ipc/contract.js';
import type { SessionState } from '../../../src-main/ipc/contract.js';
import { readKeyring } from '../../../src-main/store/keys/keyring.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { createSimBench, type SimBench } from '../card/sim-fixture.js';

const PIN = '1357';
const DOCTOR = 'Store doctor';
const OTHER = 'Other doctor';
const SUBJECT = 'Compte rendu opératoire confidentiel';
let bench: SimBench;
let home: string;
let root: Core;
let lifecycle: Lifecycle;
let recoveryCodes: string[];
let messageId: string;
const events = new EventEmitter();

function boot(tokenRef: string): Promise<Lifecycle> {
  recoveryCodes = [];
  root = createCore({
    home,
    storeFile: join(home, 'store', 'mail.db'),
    settingsFile: join(home, 'settings.json'),
    trustDir: join(home, 'trust'),
    storeUnlock: { onRecoveryCode: (code) => void recoveryCodes.push(code) },
    emit: (event) => void events.emit(event),
    card: { modulePath: bench.module, pollIntervalMs: 200, tokenRef },
    isOnline: () => false,
  });
  return startInOrder(root.startables);
}

const call = (channel: CoreChannel, request: unknown) => dispatch(root.app.services as unknown as ChannelHandlers, channel, request);
const codeOf = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.error.code);
async function unlock(): Promise<void> {
  const r = await call('session.unlock', { pin: PIN });
  assert.equal(codeOf(r), 'ok', JSON.stringify(r));
}
function storeClosed(): boolean {
  try {
    root.store();
    return false;
  } catch (err) {
    return err instanceof AppError && err.code === 'SERVICE_UNAVAILABLE';
  }
}
/** Resolves at the next session change matching `want` (an event, not a sleep). */
function nextState(want: (s: SessionState) => boolean): Promise<SessionState> {
  return new Promise((resolve) => {
    const off = root.app.gate.onChange((s) => {
      if (want(s)) {
        off();
        resolve(s);
      }
    });
  });
}

before(async () => {
  bench = createSimBench([
    { label: DOCTOR, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600034+SN=GARNIER+GN=Inès' },
    { label: OTHER, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600042+SN=ROUX+GN=Loïc' },
  ]);
  Object.assign(process.env, bench.env);
  home = mkdtempSync(join(tmpdir(), 'mssante-card-store-'));
  lifecycle = await boot(DOCTOR);
});

after(async () => {
  await lifecycle?.stop();
  bench?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('before the PIN: no store is open, no key or keyring exists, every content channel refuses with SESSION_LOCKED', async () => {
  assert.ok(storeClosed());
  assert.equal(existsSync(join(home, 'store', 'mail.db')), false);
  assert.equal(existsSync(join(home, 'store-keyring.json')), false);
  // the guard answers before any handler runs, whatever the request (the renderer is not trusted)
  const services = root.app.services as unknown as Record<string, (request: unknown) => Promise<unknown>>;
  for (const channel of CORE_CHANNEL_NAMES.filter((c) => !OPEN_WHEN_LOCKED.has(c))) {
    await assert.rejects(services[channel]!({}), (e: unknown) => e instanceof AppError && e.code === 'SESSION_LOCKED', channel);
  }
  for (const internal of ['attachmentContent', 'attachFile', 'printable', 'recordPrinted']) {
    await assert.rejects(services[internal]!({}), (e: unknown) => e instanceof AppError && e.code === 'SESSION_LOCKED', internal);
  }
  assert.equal(codeOf(await call('mail.folders', {})), 'SESSION_LOCKED');
});

test('one PIN entry opens the card session and the store: keyring bound to this card, recovery code shown once', async () => {
  await unlock();
  assert.equal(bench.pinState(DOCTOR).loginCalls, 1, 'one login for both');
  await root.storeSettled();
  assert.equal(storeClosed(), false);
  const k = readKeyring(home)!;
  assert.equal(k.cards.length, 1);
  assert.equal(k.keychain, null, 'card only by default');
  assert.equal(recoveryCodes.length, 1);
  assert.ok(!readdirSync(home).some((f) => f === 'store.key'), 'no key file in the data folder');
  const api = root.store().api;
  const account = await api.ensureAccount({ address: 'ines.garnier@medecin.mssante.fr' });
  const [inbox] = await api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await api.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw: buildEml({ subject: SUBJECT, body: 'Patient vu ce matin.' }) }] });
  const [m] = await api.listMessages();
  messageId = String(m!.id);
  const read = await call('mail.read', { id: messageId });
  assert.ok(read.ok && JSON.stringify(read.value).includes(SUBJECT));
});

for (const [how, lock] of [
  ['by hand', () => void call('session.lock', { reason: 'user' })],
  ['idle (window)', () => void call('session.lock', { reason: 'idle' })],
  ['OS lock screen', () => root.app.gate.lock('system')],
  ['maximum session length', () => root.app.gate.lock('expired')],
  ['« Se déconnecter »', () => void call('session.logout', {})],
] as const) {
  test(`lock ${how}: the store closes (not only the gate), content refused; the PIN reopens the same store`, async () => {
    const locked = nextState((s) => s.locked);
    lock();
    await locked;
    await root.storeSettled();
    assert.ok(storeClosed(), 'the store is closed, not only hidden');
    assert.deepEqual(root.active().journal, false);
    assert.equal(codeOf(await call('mail.read', { id: messageId })), 'SESSION_LOCKED');
    await unlock();
    const read = await call('mail.read', { id: messageId });
    assert.ok(read.ok && JSON.stringify(read.value).includes(SUBJECT), 'the same store, same key');
    assert.equal(recoveryCodes.length, 1, 'no new keyring');
  });
}

test('removing the card closes the store; re-inserted, the PIN reopens it', async () => {
  const locked = nextState((s) => s.locked && s.reason === 'card-removed');
  bench.setSim(DOCTOR, { present: 0 });
  await locked;
  await root.storeSettled();
  assert.ok(storeClosed());
  const inserted = once(events, 'card.inserted');
  bench.setSim(DOCTOR, { present: 1 });
  await inserted; // the card service sees it back, then one PIN entry reopens both
  await unlock();
  assert.ok((await call('mail.read', { id: messageId })).ok);
});

test('another card cannot open this store: STORE_WRONG_CARD at the PIN, the session stays locked, its card session ends', async () => {
  await lifecycle.stop();
  lifecycle = await boot(OTHER);
  const r = await call('session.unlock', { pin: PIN });
  assert.equal(codeOf(r), 'STORE_WRONG_CARD');
  assert.equal(root.app.gate.locked, true);
  assert.ok(storeClosed());
  assert.equal(root.app.card?.currentSession(), undefined);
});
