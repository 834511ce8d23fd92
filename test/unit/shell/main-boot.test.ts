// Runs the REAL main process module (src-main/shell/main.ts) with `electron`
// replaced by a recording double (fixtures/electron-double.ts): boot order,
// windows, protocol, IPC through the contract, the sealed store, and the
// graceful quit, all without an Electron binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNEL_NAMES, IPC_PREFIX } from '../../../src-main/ipc/contract.js';
import { insecurePreferences } from '../../../src-main/shell/web-preferences.js';

register(new URL('./fixtures/electron-hooks.mjs', import.meta.url));
const double = await import('./fixtures/electron-double.js');
const { state, journal, app } = double;

const dir = mkdtempSync(join(tmpdir(), 'mssante-boot-'));
const logs: string[] = [];
const originalLog = console.log;

async function until(what: string, check: () => boolean) {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

function fromWindow(win = state.windows[0]!) {
  return { sender: win.webContents, senderFrame: win.webContents.mainFrame };
}

before(async () => {
  state.userData = join(dir, 'userData');
  state.appPath = join(dir, 'app');
  mkdirSync(join(state.appPath, 'dist', 'renderer'), { recursive: true });
  writeFileSync(join(state.appPath, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Messagerie MSSanté</title>');
  mkdirSync(join(state.userData, 'opened-attachments', 'old'), { recursive: true });
  writeFileSync(join(state.userData, 'opened-attachments', 'old', 'cr.pdf'), 'left over');
  console.log = (...args: unknown[]) => {
    const line = args.join(' ');
    if (line.startsWith('[shell]')) logs.push(line.slice(8));
    else originalLog(...args);
  };
  await import('../../../src-main/shell/main.js');
});

after(() => {
  console.log = originalLog;
  rmSync(dir, { recursive: true, force: true });
});

test('before ready: the UI scheme is privileged, renderers sandboxed, one instance only', () => {
  assert.deepEqual(journal.slice(0, 3), ['registerSchemesAsPrivileged app', 'enableSandbox', 'requestSingleInstanceLock']);
  assert.equal(state.windows.length, 0, 'no window before ready');
});

test('on ready: store (with its hooks) → card host → sync → reconnect → window, then the UI loads from app://', async () => {
  state.ready.resolve();
  await until('the window', () => journal.includes('loadURL app://mssante/index.html'));
  await until('startup end', () => logs.includes('started window'));
  assert.deepEqual(logs.filter((l) => l.startsWith('started')), ['started store', 'started card host', 'started sync', 'started reconnect', 'started window']);
  assert.ok(logs.includes('store hooks active: trust, journal, receipts'), 'the store thread runs the trust and journal hooks (app/core.ts createCore)');
  assert.ok(logs.includes('store services active: outbox, journal'), 'the outbox and the journal write through the store thread (one writer)');
  assert.ok(logs.includes('card host not ready: CARD_MODULE_NOT_FOUND'), 'a missing card library does not stop the app');
  assert.ok(journal.some((l) => l.startsWith('utilityProcess.fork ') && l.endsWith('card-host-entry.ts')), 'card host in a utility process');
  assert.equal(existsSync(join(state.userData, 'opened-attachments', 'old')), false, 'left-over opened attachments wiped at start');
});

test('every web contents created at startup is hardened and secure', () => {
  assert.equal(state.windows.length, 1);
  const win = state.windows[0]!;
  assert.deepEqual(insecurePreferences(win.options.webPreferences), []);
  assert.equal(win.options.webPreferences!.preload, join(state.appPath, 'dist', 'preload', 'preload.cjs'));
  assert.equal(win.webContents.listenerCount('will-navigate'), 1);
  assert.deepEqual(win.webContents.windowOpenHandler!({ url: 'https://example.org/' }), { action: 'deny' });
  const def = state.sessions.get('default')!;
  let granted: unknown;
  def.permissionRequest!({}, 'media', (g: boolean) => (granted = g));
  assert.equal(granted, false);
  const message = state.sessions.get('message-html')!;
  let verdict: unknown;
  message.beforeRequest!({ url: 'https://tracker.example/pixel.gif', resourceType: 'image' }, (r) => (verdict = r));
  assert.deepEqual(verdict, { cancel: true }, 'the message partition has no network');
});

test('the UI is served by app:// with the CSP header', async () => {
  const res = await state.sessions.get('default')!.protocolHandlers.get('app')!({ url: 'app://mssante/index.html' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await res.text(), /Messagerie MSSanté/);
});

test('IPC: every contract channel is handled, only for our window, through the session lock', async () => {
  assert.deepEqual([...state.ipc.keys()].sort(), CHANNEL_NAMES.map((n) => IPC_PREFIX + n).sort());
  const call = (channel: string, request: unknown, event: unknown = fromWindow()) => state.ipc.get(IPC_PREFIX + channel)!(event, request);
  assert.deepEqual(await call('app.info', {}), { ok: true, value: { version: '0.1.0', platform: 'linux', isolatedMessageView: true } });
  assert.deepEqual(await call('card.status', {}), { ok: true, value: { state: 'no-module', pinpad: false } });
  assert.deepEqual(await call('session.state', {}), { ok: true, value: { locked: true, reason: 'startup' } });
  const locked = (await call('mail.folders', {})) as { ok: boolean; error: { code: string } };
  assert.equal(locked.error.code, 'SESSION_LOCKED');
  const settings = (await call('settings.get', {})) as { ok: boolean; value: { idleLockMinutes: number } };
  assert.equal(settings.value.idleLockMinutes, 10);
  const change = (await call('settings.set', { idleLockMinutes: 3 })) as { ok: boolean; error: { code: string } };
  assert.equal(change.error.code, 'SESSION_LOCKED', 'settings change only once unlocked');
  const other = new double.BrowserWindow({ webPreferences: {} });
  await other.loadURL('app://mssante/index.html');
  const refused = (await call('settings.get', {}, fromWindow(other))) as { ok: boolean; error: { code: string } };
  assert.equal(refused.error.code, 'IPC_FORBIDDEN', 'a window the shell did not create cannot call');
});

test('the store is encrypted with a key sealed by the OS keystore', () => {
  const sealed = readFileSync(join(state.userData, 'store', 'store-key.sealed'));
  assert.ok(sealed.subarray(0, 7).equals(Buffer.from('SEALED:')));
  const header = readFileSync(join(state.userData, 'store', 'mail.db')).subarray(0, 16).toString('latin1');
  assert.notEqual(header, 'SQLite format 3\u0000', 'the database file is not plain SQLite');
});

test('quit stops everything in reverse order before the process ends', async () => {
  app.quit();
  assert.equal(await state.exited.promise, 0);
  assert.deepEqual(logs.filter((l) => l.startsWith('stopped')), ['stopped window', 'stopped reconnect', 'stopped sync', 'stopped card host', 'stopped store']);
});
