// Entry point of the card host inside an Electron utilityProcess: the card
// module's transport-agnostic runCardHost over `process.parentPort`.
import { runCardHost } from '../card/index.js';
import type { HostMessage, HostRequest } from '../card/protocol.js';

const parentPort = process.parentPort;
if (!parentPort) throw new Error('the card host entry must run in an Electron utilityProcess');

runCardHost({
  postMessage: (message: HostMessage) => parentPort.postMessage(message),
  onMessage: (handler) => parentPort.on('message', (event) => handler(event.data as HostRequest)),
});
