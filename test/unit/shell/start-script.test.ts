// `npm start` without the Electron binary: a French explanation and the ways forward, exit code 1,
// before any build. ELECTRON_OVERRIDE_DIST_PATH (Electron's own variable) points at an empty folder,
// so the binary is absent here even on a machine that has it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/testbed.js';

test('npm start without the Electron binary says so in French, points to the CLI and npm test, exits 1', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'mssante-no-electron-'));
  try {
    const child = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', '--import', 'tsx', join(REPO_ROOT, 'scripts', 'start.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.equal(out, '', 'nothing built, nothing started');
    assert.match(err, /La fenêtre de Messagerie MSSanté a besoin du programme Electron/);
    assert.match(err, /npm install/);
    assert.match(err, /npm run mssante -- --help/);
    assert.match(err, /npm test/);
    assert.doesNotMatch(err, /failed to install correctly|delete node_modules/, 'not Electron’s misleading English advice');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
