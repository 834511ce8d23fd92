// `npm run test:electron`: the real app in the real Electron (Playwright's Electron support), where
// the Electron binary exists (a developer machine after `npm install` with Internet access; not CI
// here, so this file is not named *.test.ts and `npm test` does not run it). It needs `npm run build`
// first (the npm script does it) and, like `npm start`, the Electron build of better-sqlite3
// (made by the first `npm start`).
// Boot → lock screen → preload bridge → isolated message view → quit, in a throw-away profile; and
// the keyboard into and out of the message view (issue 15 point 12): main focuses the view, follows
// Tab through its before-input-event, and gives the focus back to the window with messageView.focusLeft.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { REPO_ROOT } from '../support/testbed.js';
import { waitUntil } from '../support/wait.js';

function electronBinary(): string {
  try {
    return createRequire(import.meta.url)('electron') as string;
  } catch {
    throw new Error('The Electron binary is absent (npm install with Internet access downloads it; see README): this smoke test needs it.');
  }
}

/** The app in a throw-away profile: no real data folder, no real keyring entry. */
async function launchApp(): Promise<{ app: ElectronApplication; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'mssante-electron-'));
  const app = await _electron.launch({
    executablePath: electronBinary(),
    args: [REPO_ROOT, `--user-data-dir=${profile}`],
    cwd: REPO_ROOT,
    env: { ...process.env, XDG_CONFIG_HOME: profile, MSSANTE_HOME: profile },
  });
  return { app, profile };
}

test('the app boots on the lock screen, exposes only its bridge, keeps message HTML isolated, and quits', { timeout: 120_000 }, async () => {
  const { app, profile } = await launchApp();
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

test('keyboard: the message view takes the focus from the window and gives it back after its last link', { timeout: 120_000 }, async () => {
  const { app, profile } = await launchApp();
  try {
    const window = await app.firstWindow();
    await window.getByTestId('lock-screen').waitFor({ timeout: 60_000 });
    await window.evaluate(`(() => { window.__left = []; window.mssante.on('messageView.focusLeft', (e) => window.__left.push(e.to)); })()`);
    // sendInputEvent and the focused web contents need the window to have the OS focus
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.focus());
    const focusedUrl = () => app.evaluate(({ webContents }) => webContents.getFocusedWebContents()?.getURL() ?? '');
    const html = '<!doctype html><html><body><p><a href="https://exemple.fr/a">a</a> <a href="https://exemple.fr/b">b</a></p></body></html>';
    assert.deepEqual(await window.evaluate(`window.mssante.messageView.show({ html: ${JSON.stringify(html)}, bounds: { x: 0, y: 0, width: 400, height: 300 } })`), { ok: true, value: { shown: true, tabStops: 2 } });
    await waitUntil('the message view loaded', () => app.evaluate(({ webContents }) => webContents.getAllWebContents().some((w) => w.getURL().startsWith('mssante-message:') && !w.isLoading())));
    assert.match(await focusedUrl(), /^app:\/\/mssante\//, 'showing a message leaves the keyboard in the window');
    // the user's Tab keys, through the same path as the keyboard's (the view's before-input-event)
    const tab = () => app.evaluate(({ webContents }) => webContents.getFocusedWebContents()!.sendInputEvent({ type: 'keyDown', keyCode: 'Tab' }));

    assert.deepEqual(await window.evaluate(`window.mssante.messageView.focus({ backwards: false })`), { ok: true, value: { focused: true } });
    assert.match(await focusedUrl(), /^mssante-message:/, 'the view has the keyboard (on its first link)');
    await tab();
    assert.match(await focusedUrl(), /^mssante-message:/, 'its second link');
    assert.deepEqual(await window.evaluate('window.__left'), []);
    await tab();
    await waitUntil('the window told where the focus goes', () => window.evaluate('window.__left.length === 1'));
    assert.deepEqual(await window.evaluate('window.__left'), ['next']);
    assert.match(await focusedUrl(), /^app:\/\/mssante\//, 'the window has the keyboard again');
  } finally {
    const closed = new Promise((resolve) => app.process().once('exit', resolve));
    await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined);
    await closed;
    rmSync(profile, { recursive: true, force: true });
  }
});
