// Issue 14 point 7: when its parent is killed, the card host exits quietly (no unhandled
// ERR_IPC_CHANNEL_CLOSED / EPIPE stack on stderr).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { waitUntil } from '../../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'card-host-orphan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the card host exits quietly when its parent is SIGKILLed while it answers', async () => {
  const host = fileURLToPath(new URL('../../../src-main/card/host/card-host-main.ts', import.meta.url));
  const parent = fileURLToPath(new URL('./support/killed-parent.mjs', import.meta.url));
  const errFile = join(dir, 'host.stderr');
  const pidFile = join(dir, 'host.pid');
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const p = spawn(process.execPath, [parent, host, errFile, pidFile], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (_code, sig) => resolve(sig));
  });
  assert.equal(signal, 'SIGKILL');
  const hostPid = Number(readFileSync(pidFile, 'utf8'));
  // The orphan is not our child: wait for it to be gone (bounded: it must exit, not hang).
  // No event tells us about a process that is not our child: its pid is checked until it is gone.
  await waitUntil('the card host to exit', () => !alive(hostPid), { timeoutMs: 10_000 });
  assert.equal(readFileSync(errFile, 'utf8'), '', 'nothing on stderr (no ERR_IPC_CHANNEL_CLOSED / EPIPE stack)');
});
