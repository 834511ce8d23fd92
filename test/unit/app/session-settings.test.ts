import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { DEFAULT_SETTINGS, SettingsFile } from '../../../src-main/app/settings.js';

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mssante-app-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('while the session is locked, mail and compose refuse with SESSION_LOCKED; the lock screen channels answer', withDir(async (dir) => {
  const events: unknown[] = [];
  const core = createCoreApp({
    emit: (event, payload) => events.push([event, payload]),
    settingsFile: join(dir, 'settings.json'),
    extra: { 'mail.folders': async () => ({ folders: [] }) },
  });
  const handlers = core.services as unknown as ChannelHandlers;
  assert.deepEqual(await dispatch(handlers, 'session.state', {}), { ok: true, value: { locked: true, reason: 'startup' } });
  const folders = await dispatch(handlers, 'mail.folders', {});
  assert.equal(!folders.ok && folders.error.code, 'SESSION_LOCKED');
  await assert.rejects(core.services.attachmentContent({ messageId: '1', partId: '1' }), (e: unknown) => e instanceof AppError && e.code === 'SESSION_LOCKED');
  assert.equal((await dispatch(handlers, 'settings.get', {})).ok, true);
  assert.deepEqual(await dispatch(handlers, 'sync.status', {}), { ok: true, value: { online: false, state: 'stopped', lastSyncAt: null } });

  core.gate.unlock();
  assert.deepEqual(await dispatch(handlers, 'mail.folders', {}), { ok: true, value: { folders: [] } });
  const notWired = await dispatch(handlers, 'mail.search', { query: 'cardiologie', offset: 0, limit: 50 });
  assert.equal(!notWired.ok && notWired.error.code, 'SERVICE_UNAVAILABLE');

  assert.deepEqual(await dispatch(handlers, 'session.lock', { reason: 'idle' }), { ok: true, value: { locked: true, reason: 'idle' } });
  assert.deepEqual(events, [
    ['session.changed', { locked: false }],
    ['session.changed', { locked: true, reason: 'idle' }],
  ]);
}));

test('settings: defaults, validated updates written atomically, unknown or broken files ignored', withDir(async (dir) => {
  const file = join(dir, 'sub', 'settings.json');
  const settings = new SettingsFile(file);
  assert.deepEqual(settings.read(), DEFAULT_SETTINGS);
  assert.deepEqual(settings.update({ idleLockMinutes: 5, remoteImages: undefined }), { ...DEFAULT_SETTINGS, idleLockMinutes: 5 });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).idleLockMinutes, 5);
  assert.throws(() => settings.update({ idleLockMinutes: 0 }));
  assert.equal(new SettingsFile(file).read().idleLockMinutes, 5, 'a refused update changes nothing');

  writeFileSync(file, '{ not json');
  assert.deepEqual(new SettingsFile(file).read(), DEFAULT_SETTINGS);
  writeFileSync(file, JSON.stringify({ idleLockMinutes: 9999, secret: 'x' }));
  assert.deepEqual(new SettingsFile(file).read(), DEFAULT_SETTINGS);
}));
