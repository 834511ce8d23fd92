// Starts the card host as a Node child process (the CLI, the e2e harness). The
// Electron shell supplies its own launcher of the same shape (shell/card-host.ts,
// an Electron utilityProcess), through createCore's env (app/core.ts).
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostMessage, HostRequest, PortLike } from './protocol.js';

export interface CardHostProcess {
  port: PortLike<HostMessage, HostRequest>;
  pid: number | undefined;
  onExit(handler: (detail: string) => void): void;
  /** Whether the host keeps the caller's process alive (only while work is pending or someone watches). */
  keepAlive(on: boolean): void;
  kill(): void;
}

export type CardHostLauncher = () => CardHostProcess;

// Under sources, the host needs tsx too. It is in execArgv when the caller ran
// `node --import tsx`, but not when tsx was registered through its API (bin/mssante.mjs).
function hostExecArgv(ext: string): string[] {
  const argv = process.execArgv;
  if (ext !== '.ts' || argv.some((a) => a.includes('tsx'))) return argv;
  return [...argv, '--import', import.meta.resolve('tsx')];
}

export const forkCardHost: CardHostLauncher = () => {
  // Same extension as this module: .ts under tsx (execArgv carries it), .js when compiled.
  const ext = extname(fileURLToPath(import.meta.url));
  const script = fileURLToPath(new URL(`./host/card-host-main${ext}`, import.meta.url));
  const child = fork(script, [], { execArgv: hostExecArgv(ext), serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
  const keepAlive = (on: boolean): void => {
    if (on) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  };
  keepAlive(false); // an idle host never keeps the application alive on its own
  return {
    keepAlive,
    pid: child.pid,
    port: {
      postMessage: (m) => {
        if (child.connected) child.send(m);
      },
      onMessage: (h) => child.on('message', (m) => h(m as HostMessage)),
    },
    onExit: (h) => {
      child.once('exit', (code, signal) => h(signal ? `signal ${signal}` : `exit code ${code}`));
      child.once('error', (err) => h(err.message));
    },
    kill: () => child.kill('SIGKILL'),
  };
};
