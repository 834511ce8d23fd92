// Entry point of the card host under Node (child_process.fork with the
// 'advanced' serialisation so Uint8Array crosses intact). The Electron shell
// will start the same runCardHost over utilityProcess's parentPort.
import type { HostMessage, HostRequest } from '../protocol.js';
import { runCardHost } from './card-host.js';

if (!process.send) throw new Error('the card host must be started with an IPC channel');
const send = process.send.bind(process);

runCardHost({
  postMessage: (message: HostMessage) => void send(message),
  onMessage: (handler) => process.on('message', (m) => handler(m as HostRequest)),
});
// The parent went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
