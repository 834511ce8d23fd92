// Which native addon each runtime loads: better-sqlite3 is built against one V8 ABI (so Node and
// Electron each need their own build), pkcs11js is N-API (one build serves both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ADDON_FILE, electronNativeDir, nativeBinding, selectNativeBinding } from '../../../src-main/store/native-binding.js';

const NM = '/repo/node_modules';
const linux = { platform: 'linux', arch: 'x64' };

test('under Node, better-sqlite3 keeps its own lookup (the build `npm install` made)', () => {
  const seen: string[] = [];
  assert.equal(selectNativeBinding({ electron: undefined, ...linux }, NM, (p) => (seen.push(p), true)), undefined);
  assert.deepEqual(seen, [], 'nothing is even looked for');
  assert.equal(nativeBinding(), undefined, 'this test process is Node');
});

test('under Electron, the cached Electron build of that version, platform and arch is loaded', () => {
  const expected = join(NM, '.cache', 'mssante-electron-native', 'electron-41.7.1-linux-x64', ADDON_FILE);
  assert.equal(selectNativeBinding({ electron: '41.7.1', ...linux }, NM, (p) => p === expected), expected);
  assert.equal(join(electronNativeDir(NM, { electron: '41.7.1', ...linux }), ADDON_FILE), expected);
});

test('another Electron version or arch does not pick up a stale build', () => {
  const cached = join(electronNativeDir(NM, { electron: '41.7.1', ...linux }), ADDON_FILE);
  const exists = (p: string) => p === cached;
  assert.equal(selectNativeBinding({ electron: '42.0.0', ...linux }, NM, exists), undefined);
  assert.equal(selectNativeBinding({ electron: '41.7.1', platform: 'linux', arch: 'arm64' }, NM, exists), undefined);
});

test('under Electron without a cached build (the packaged app, rebuilt in place), the default lookup is kept', () => {
  assert.equal(selectNativeBinding({ electron: '41.7.1', ...linux }, NM, () => false), undefined);
});

const require = createRequire(import.meta.url);
const moduleDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

test('pkcs11js is an N-API addon: the same build loads in Node and in Electron', () => {
  const dir = moduleDir('pkcs11js');
  const sources = readFileSync(join(dir, 'src', 'common.h'), 'utf8');
  assert.match(sources, /napi_env/, 'written against Node-API');
  const addon = readFileSync(join(dir, 'build', 'Release', 'pkcs11.node'));
  assert.ok(addon.includes('napi_register_module_v1'), 'registers through Node-API');
  assert.ok(!/node_register_module_v\d+/.test(addon.toString('latin1')), 'not tied to one V8 ABI');
});

test('better-sqlite3 is tied to the V8 ABI it was built for (hence two builds side by side)', () => {
  const addon = readFileSync(join(moduleDir('better-sqlite3-multiple-ciphers'), 'build', 'Release', ADDON_FILE)).toString('latin1');
  assert.ok(addon.includes(`node_register_module_v${process.versions.modules}`), `built for this Node's ABI ${process.versions.modules}`);
});
