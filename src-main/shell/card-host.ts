// The card host in an Electron utilityProcess (a Node-capable child without
// Electron's renderer powers), behind the card module's CardHostLauncher shape:
// the same CardService drives it in the app and a plain child process in the CLI.
import type { UtilityProcess } from 'electron';
import type { CardHostLauncher, CardHostProcess } from '../card/index.js';
import type { HostMessage, HostRequest } from '../card/protocol.js';

type Forker = (modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'ignore' | 'inherit' | 'pipe' }) => UtilityProcess;

export function utilityProcessCardHost(fork: Forker, entryScript: string): CardHostLauncher {
  return (): CardHostProcess => {
    const child = fork(entryScript, [], { serviceName: 'Carte CPS (PKCS#11)', stdio: 'inherit' });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    return {
      pid: child.pid,
      port: {
        postMessage: (message: HostRequest) => {
          if (!exited) child.postMessage(message);
        },
        onMessage: (handler) => {
          child.on('message', (message: unknown) => handler(message as HostMessage));
        },
      },
      onExit: (handler) => {
        child.once('exit', (code) => handler(`exit code ${code}`));
      },
      // A utility process never keeps the app alive on its own: nothing to do.
      keepAlive: () => {},
      kill: () => {
        if (!exited) child.kill();
      },
    };
  };
}
