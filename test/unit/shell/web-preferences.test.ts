// Every web contents the shell creates is sandboxed, isolated, without Node and
// without <webview>: checked on the objects the window factories really build,
// and by scanning the sources for any other place that could create one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMainWindow, createMessageView, createPrintWindow } from '../../../src-main/shell/windows.js';
import { insecurePreferences, MESSAGE_PARTITION, REQUIRED_PREFERENCES } from '../../../src-main/shell/web-preferences.js';
import { APP_ENTRY_URL } from '../../../src-main/shell/url-policy.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const created: { kind: string; options: { webPreferences?: Record<string, unknown> } }[] = [];
const loaded: string[] = [];

class FakeBrowserWindow {
  webContents = { id: 1 };
  constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
    created.push({ kind: 'BrowserWindow', options });
  }
  removeMenu() {}
  once() {}
  async loadURL(url: string) {
    loaded.push(url);
  }
}
class FakeWebContentsView {
  constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
    created.push({ kind: 'WebContentsView', options });
  }
}

test('every window and view the shell creates has secure webPreferences', () => {
  created.length = 0;
  createMainWindow(FakeBrowserWindow as never, '/app/dist/preload/preload.cjs');
  createMessageView(FakeWebContentsView as never);
  createPrintWindow(FakeBrowserWindow as never);
  assert.deepEqual(created.map((c) => c.kind), ['BrowserWindow', 'WebContentsView', 'BrowserWindow']);
  assert.equal(created[2]!.options.webPreferences!.javascript, false, 'the print window runs no script');
  for (const { kind, options } of created) {
    const prefs = options.webPreferences!;
    assert.deepEqual(insecurePreferences(prefs), [], kind);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.webviewTag, false);
  }
  const [main, message] = created as [(typeof created)[0], (typeof created)[0]];
  assert.equal(main.options.webPreferences!.preload, '/app/dist/preload/preload.cjs');
  assert.deepEqual(loaded, [APP_ENTRY_URL], 'the UI comes from the custom protocol, never file://');
  assert.equal(message.options.webPreferences!.javascript, false, 'message HTML never runs script');
  assert.equal(message.options.webPreferences!.focusOnNavigation, false, 'opening a message does not take the keyboard');
  assert.equal(message.options.webPreferences!.preload, undefined, 'message view gets no bridge');
  assert.equal(message.options.webPreferences!.partition, MESSAGE_PARTITION);
  assert.ok(!String(MESSAGE_PARTITION).startsWith('persist:'), 'message partition lives in memory only');
});

test('insecurePreferences catches each relaxed setting', () => {
  for (const [key, value] of Object.entries(REQUIRED_PREFERENCES)) {
    const relaxed = { ...REQUIRED_PREFERENCES, [key]: typeof value === 'boolean' ? !value : 'CSSHighlight' };
    assert.equal(insecurePreferences(relaxed).length, 1, key);
  }
  assert.ok(insecurePreferences(undefined).length > 0, 'defaults are not trusted');
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no other code creates web contents or relaxes web preferences', () => {
  const creators = /new\s+(BrowserWindow|WebContentsView|BrowserView)\b|webContents\.create\(|\bwebviewTag\s*:\s*true|nodeIntegration\w*\s*:\s*true|sandbox\s*:\s*false|contextIsolation\s*:\s*false|webSecurity\s*:\s*false|allowRunningInsecureContent\s*:\s*true/;
  const offenders: string[] = [];
  for (const file of [...sources(join(root, 'src-main')), ...sources(join(root, 'src-renderer', 'src'))]) {
    const rel = file.slice(root.length);
    if (rel === 'src-main/shell/windows.ts') continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (creators.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
  const windows = readFileSync(join(root, 'src-main/shell/windows.ts'), 'utf8');
  assert.equal(windows.match(/new \w+Class\(/g)?.length, 3, 'windows.ts creates exactly the three known kinds');
  const main = readFileSync(join(root, 'src-main/shell/main.ts'), 'utf8');
  assert.match(main, /app\.enableSandbox\(\)/, 'every renderer process is sandboxed');
  assert.match(main, /requestSingleInstanceLock\(\)/);
});
