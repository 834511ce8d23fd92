// The shipped preload (bundled exactly as `npm run build:preload` does) run in
// a bare VM context with a fake `electron`: it must expose `window.mssante`
// and nothing else, with one function per contract channel and no generic door.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { build } from 'vite';
import { CHANNEL_NAMES, EVENT_NAMES, IPC_EVENT_PREFIX, IPC_PREFIX } from '../../../src-main/ipc/contract.js';

const configFile = new URL('../../../src-main/shell/vite.preload.config.ts', import.meta.url).pathname;
let outDir: string;
let bundle: string;

before(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mssante-preload-'));
  // 'runner' loads the config in memory: no temp file under node_modules (read-only for some users)
  await build({ configFile, configLoader: 'runner', logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  bundle = readFileSync(join(outDir, 'preload.cjs'), 'utf8');
});
after(() => rmSync(outDir, { recursive: true, force: true }));

interface Loaded {
  exposed: Map<string, unknown>;
  required: string[];
  invoked: { channel: string; args: unknown[] }[];
  listeners: Map<string, ((event: unknown, ...args: unknown[]) => void)[]>;
}

function loadPreload(): Loaded {
  const loaded: Loaded = { exposed: new Map(), required: [], invoked: [], listeners: new Map() };
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      loaded.invoked.push({ channel, args });
      return { ok: true, value: {} };
    },
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      loaded.listeners.set(channel, [...(loaded.listeners.get(channel) ?? []), listener]);
    },
    removeListener: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      loaded.listeners.set(channel, (loaded.listeners.get(channel) ?? []).filter((l) => l !== listener));
    },
    send: () => assert.fail('the preload must not use ipcRenderer.send'),
    sendSync: () => assert.fail('the preload must not use ipcRenderer.sendSync'),
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => loaded.exposed.set(key, value) },
    ipcRenderer,
  };
  const requireFake = (name: string) => {
    loaded.required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const module = { exports: {} };
  vm.runInNewContext(bundle, { require: requireFake, module, exports: module.exports, console }, { filename: 'preload.cjs' });
  return loaded;
}

test('the preload requires only electron and exposes only window.mssante', () => {
  const loaded = loadPreload();
  assert.deepEqual([...new Set(loaded.required)], ['electron']);
  assert.deepEqual([...loaded.exposed.keys()], ['mssante']);
});

test('window.mssante has exactly one function per contract channel, plus `on`', async () => {
  const api = loadPreload().exposed.get('mssante') as Record<string, unknown>;
  const exposed: string[] = [];
  for (const [group, value] of Object.entries(api)) {
    if (group === 'on') {
      assert.equal(typeof value, 'function');
      continue;
    }
    for (const [method, fn] of Object.entries(value as Record<string, unknown>)) {
      assert.equal(typeof fn, 'function', `${group}.${method}`);
      exposed.push(`${group}.${method}`);
    }
  }
  assert.deepEqual(exposed.sort(), [...CHANNEL_NAMES].sort());
  assert.ok(Object.isFrozen(api));
});

test('each exposed function invokes its own IPC channel and nothing else', async () => {
  const loaded = loadPreload();
  const api = loaded.exposed.get('mssante') as Record<string, Record<string, (req?: unknown) => Promise<unknown>>>;
  for (const name of CHANNEL_NAMES) {
    const [group, method] = name.split('.') as [string, string];
    await api[group]![method]!({ probe: name });
  }
  assert.deepEqual(
    loaded.invoked.map((i) => i.channel),
    CHANNEL_NAMES.map((n) => IPC_PREFIX + n),
  );
  assert.deepEqual(loaded.invoked[0]!.args, [{ probe: CHANNEL_NAMES[0] }]);
});

test('events: only contract events can be listened to, the listener gets the payload only, and can unsubscribe', () => {
  const loaded = loadPreload();
  const api = loaded.exposed.get('mssante') as { on: (event: string, listener: (...args: unknown[]) => void) => () => void };
  assert.throws(() => api.on('ipc-any-channel', () => {}));
  const received: unknown[][] = [];
  const off = api.on('card.removed', (...args) => received.push(args));
  const channel = IPC_EVENT_PREFIX + 'card.removed';
  for (const l of loaded.listeners.get(channel) ?? []) l({ sender: 'electron-event-object' }, {});
  assert.deepEqual(received, [[{}]]);
  off();
  assert.equal(loaded.listeners.get(channel)?.length, 0);
  for (const event of EVENT_NAMES) api.on(event, () => {})();
});
