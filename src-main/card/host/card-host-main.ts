// Entry point of the card host under Node (child_process.fork with the
// 'advanced' serialisation so Uint8Array crosses intact). The Electron shell
// will start the same runCardHost over utilityProcess's parentPort.
import type { HostMessage, HostRequest } from '../protocol.js';
import { runCardHost } from './card-host.js';

if (!process.send) throw new Error('the card host must be started with an IPC channel');
const send = process.send.bind(process);

// The parent went away (quit, crash, SIGKILL): nothing left to serve, and nothing to report.
const parentGone = (): never => process.exit(0);

runCardHost({
  // Without a callback a send into a closed channel (EPIPE, ERR_IPC_CHANNEL_CLOSED) is an
  // unhandled 'error' event that prints a stack: with one, it is the parent gone, said quietly.
  postMessage: (message: HostMessage) => {
    if (!process.connected) parentGone();
    send(message, undefined, undefined, (err) => {
      if (err) parentGone();
    });
  },
  onMessage: (handler) => process.on('message', (m) => handler(m as HostRequest)),
});
process.on('disconnect', parentGone);
