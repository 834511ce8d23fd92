// A fresh clone with nothing beside it passes the unit lane: the committed tree (HEAD) is cloned
// into an empty temporary folder (no shared data folder beside it, no .testbed) with node_modules borrowed from this
// checkout, and `npm run test:unit` runs there. Uncommitted changes are not part of the clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/testbed.js';

test('a clone of HEAD alone in an empty folder passes the unit lane', { timeout: 850_000 }, async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'mssante-clone-'));
  let stop = (): void => undefined;
  t.after(() => stop()); // a timed-out run must not leave the inner lane running
  try {
    const repo = join(parent, 'repo');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, repo], { stdio: 'ignore' });
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', head], { cwd: repo, stdio: 'ignore' });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    assert.equal(existsSync(join(parent, 'shared')), false);
    assert.equal(existsSync(join(repo, '.testbed')), false);

    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete env.MSSANTE_TEST;
    delete env.NODE_TEST_CONTEXT; // else the inner test runner reports to ours instead of printing its results
    const child = spawn(process.execPath, ['test/run-all.mjs', '--unit'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    stop = () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    };
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, out.slice(-4000));
    assert.match(out, /ℹ fail 0/);
    assert.doesNotMatch(out, /ENOENT/, 'no file missing in the clone');
    assert.doesNotMatch(out, /\x1b\[/, 'no colour codes with CI set'); // eslint-disable-line no-control-regex
    assert.doesNotMatch(out, /ExperimentalWarning/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
