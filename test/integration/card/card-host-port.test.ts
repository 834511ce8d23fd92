// The card host protocol is transport-agnostic: here the host runs behind a
// MessagePort (structured clone, as Electron's utilityProcess will use) instead
// of the child-process IPC, and the service works unchanged.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, verify } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { CardService, CardSigner, runCardHost, type CardHostLauncher, type HostMessage, type HostRequest } from '../../../src-main/card/index.js';
import { createSimBench } from './sim-fixture.js';

const bench = createSimBench([{ label: 'PORT card', pin: '1357', subject: '/C=FR/title=Pharmacien/CN=899700400013+SN=LEROY+GN=Inès' }]);
Object.assign(process.env, bench.env);
const { port1, port2 } = new MessageChannel();

const launcher: CardHostLauncher = () => {
  runCardHost({ postMessage: (m: HostMessage) => port1.postMessage(m), onMessage: (h) => port1.on('message', (m: HostRequest) => h(m)) });
  return {
    pid: undefined,
    port: { postMessage: (m: HostRequest) => port2.postMessage(m), onMessage: (h) => port2.on('message', (m: HostMessage) => h(m)) },
    onExit: () => undefined,
    keepAlive: (on) => (on ? port2.ref() : port2.unref()),
    kill: () => {
      port1.close();
      port2.close();
    },
  };
};

const svc = new CardService({ modulePath: bench.module, launcher });
after(() => {
  svc.close();
  bench.cleanup();
});

test('status, login and signature through a MessagePort transport', async () => {
  const token = await svc.selectToken('PORT card');
  assert.equal(token.holder?.profession, 'Pharmacien');
  assert.equal(token.holder?.firstName, 'Inès');
  const signer = new CardSigner(await svc.login(token, Buffer.from('1357')));
  const data = Buffer.from('over a MessagePort');
  const sig = await signer.sign(0x0401, data);
  const [leaf] = await signer.certificateChain();
  assert.ok(verify('sha256', data, new X509Certificate(leaf as Buffer).publicKey, sig));
});
