// The card host as the Electron shell runs it — card-host-entry.ts over a
// utilityProcess parentPort, launched through utilityProcessCardHost — driven
// by the facade's card channels through the contract, against a virtual CPS
// card (SoftHSM + cps-sim). Only Electron's process spawning is emulated.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { X509Certificate, verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CardService, CardSigner } from '../../../src-main/card/index.js';
import { utilityProcessCardHost } from '../../../src-main/shell/card-host.js';
import { createCardApp } from '../../../src-main/app/card-app.js';
import { SessionGate } from '../../../src-main/app/session.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { createSimBench } from '../card/sim-fixture.js';

const bench = createSimBench([{ label: 'UTILITY card', pin: '2468', subject: '/C=FR/title=Médecin/CN=899700400021+SN=BERNARD+GN=Chloé' }]);
Object.assign(process.env, bench.env);

const shim = fileURLToPath(new URL('./fixtures/utility-process-shim.ts', import.meta.url));
const entry = fileURLToPath(new URL('../../../src-main/shell/card-host-entry.ts', import.meta.url));
const forked: string[] = [];

/** utilityProcess.fork as Electron offers it, emulated with a Node child running the shim. */
function utilityFork(modulePath: string) {
  forked.push(modulePath);
  const child = fork(shim, [modulePath], { execArgv: process.execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const proc = Object.assign(new EventEmitter(), {
    pid: child.pid,
    postMessage: (message: unknown) => child.send(message as never),
    kill: () => child.kill(),
  });
  child.on('message', (m) => proc.emit('message', m));
  child.once('exit', (code) => proc.emit('exit', code ?? 0));
  return proc;
}

const card = new CardService({ modulePath: bench.module, launcher: utilityProcessCardHost(utilityFork as never, entry) });
const events: string[] = [];
const gate = new SessionGate((event) => events.push(event));
const app = createCardApp(card, gate, (event) => events.push(event));
const handlers = app.channels as unknown as ChannelHandlers;

after(() => {
  app.dispose();
  card.close();
  bench.cleanup();
});

test('status from the card in the utility process: holder from the certificate, no PIN', async () => {
  const status = await dispatch(handlers, 'card.status', {});
  assert.deepEqual(status, { ok: true, value: { state: 'present', holder: { name: 'Chloé BERNARD', profession: 'Médecin', rpps: '99700400021' }, pinState: 'ok', pinpad: false } });
  assert.deepEqual(forked, [entry]);
});

test('a wrong PIN is one attempt with the remaining-tries state; the right one unlocks and the card signs', async () => {
  const wrong = await dispatch(handlers, 'session.unlock', { pin: '0000' });
  assert.equal(!wrong.ok && wrong.error.code, 'CARD_PIN_INCORRECT');
  assert.equal(!wrong.ok && wrong.error.data?.pinState, 'count-low');
  const after = bench.pinState('UTILITY card');
  assert.deepEqual({ triesLeft: after.triesLeft, loginCalls: after.loginCalls }, { triesLeft: 2, loginCalls: 1 }, 'exactly one attempt reached the card');
  assert.equal(gate.locked, true);

  const right = await dispatch(handlers, 'session.unlock', { pin: '2468' });
  assert.deepEqual(right.ok && right.value, { locked: false });
  assert.equal(bench.pinState('UTILITY card').loginCalls, 2);
  assert.equal(gate.locked, false);

  const signer = new CardSigner(app.currentSession()!);
  const data = Buffer.from('TLS CertificateVerify through the utility process');
  const sig = await signer.sign(0x0401, data);
  const [leaf] = await signer.certificateChain();
  assert.ok(verify('sha256', data, new X509Certificate(leaf as Buffer).publicKey, sig));
});
