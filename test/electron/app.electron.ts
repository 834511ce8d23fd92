// `npm run test:electron`: the real app in the real Electron (Playwright's Electron support), where
// the Electron binary exists (a developer machine after `npm install` with Internet access; not CI
// here, so this file is not named *.test.ts and `npm test` does not run it). It needs `npm run build`
// first (the npm script does it) and, like `npm start`, the Electron build of better-sqlite3
// (made by the first `npm start`).
// Boot → lock screen → preload bridge → isolated message view → quit, in a throw-away profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { REPO_ROOT } from '../support/testbed.js';

function electronBinary(): string {
  try {
    return createRequire(import.meta.url)('electron') as string;
  } catch {
    throw new Error('The Electron binary is absent (npm install with Internet access downloads it; see README): this smoke test needs it.');
  }
}

test('the app boots on the lock screen, exposes only its bridge, keeps message HTML isolated, and quits', { timeout: 120_000 }, async () => {
  const profile = mkdtempSync(join(tmpdir(), 'mssante-electron-'));
  const app = await _electron.launch({
    executablePath: electronBinary(),
    args: [REPO_ROOT, `--user-data-dir=${profile}`],
    cwd: REPO_ROOT,
    // a private profile: no real data folder, no real keyring entry
    env: { ...process.env, XDG_CONFIG_HOME: profile, MSSANTE_HOME: profile },
  });
  try {
    const window = await app.firstWindow();
    await window.getByTestId('lock-screen').waitFor({ timeout: 60_000 });
    assert.match(await window.getByTestId('lock-screen').innerText(), /carte CPS|code PIN/i);

    // The preload bridge: window.mssante only, no Node in the page.
    const page = (await window.evaluate(`({
      bridge: typeof window.mssante,
      on: typeof window.mssante?.on,
      require: typeof window.require,
      process: typeof window.process,
    })`)) as Record<string, string>;
    assert.deepEqual(page, { bridge: 'object', on: 'function', require: 'undefined', process: 'undefined' });

    // The message view's partition: in memory, its own document scheme, separate from the window's session.
    const isolation = await app.evaluate(({ session, BrowserWindow }) => {
      const messages = session.fromPartition('message-html');
      const main = BrowserWindow.getAllWindows()[0]!.webContents.session;
      return { persistent: messages.isPersistent(), scheme: messages.protocol.isProtocolHandled('mssante-message'), separate: messages !== main };
    });
    assert.deepEqual(isolation, { persistent: false, scheme: true, separate: true });
  } finally {
    const closed = new Promise((resolve) => app.process().once('exit', resolve));
    await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined);
    await closed;
    rmSync(profile, { recursive: true, force: true });
  }
});
