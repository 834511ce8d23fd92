// The card host: owns the PKCS#11 module in its own process so a slow or hung
// card never blocks the application. Transport-agnostic: give it any
// PortLike (child_process IPC, Electron utilityProcess parentPort).
import { toAppError } from '../../errors/index.js';
import type { CardRequest, HostMessage, HostRequest, PortLike } from '../protocol.js';
import { Pkcs11Backend } from './pkcs11-backend.js';

export function runCardHost(port: PortLike<HostRequest, HostMessage>): void {
  const backend = new Pkcs11Backend((event) => port.postMessage({ kind: 'event', event }));
  let poller: NodeJS.Timeout | null = null;

  const handle = (req: CardRequest): unknown => {
    switch (req.op) {
      case 'open': {
        const info = backend.open(req.modulePath);
        poller = setInterval(() => backend.poll(), req.pollIntervalMs);
        poller.unref(); // the transport keeps the host alive, not the poll timer
        return info;
      }
      case 'slots':
        return backend.slots();
      case 'login':
        return backend.login(req.slot, req.serial, req.keyIdHex, req.pin);
      case 'sign':
        return backend.sign(req.sessionId, req.plan, req.pin);
      case 'logout':
        return backend.logout(req.sessionId);
    }
  };

  // Synchronous handler: each request runs to completion before the next one
  // (and before a poll tick), which is what serialises card operations.
  port.onMessage((msg) => {
    try {
      port.postMessage({ kind: 'response', id: msg.id, ok: true, result: handle(msg) });
    } catch (err) {
      const e = toAppError(err, 'CARD_UNAVAILABLE');
      port.postMessage({ kind: 'response', id: msg.id, ok: false, error: { code: e.code, detail: e.message, data: { ...e.data } } });
    }
  });

  process.once('exit', () => {
    if (poller) clearInterval(poller);
    backend.close();
  });
  port.postMessage({ kind: 'ready' });
}
