import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANNEL_NAMES, IPC_EVENT_PREFIX, IPC_PREFIX, type ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { registerIpcHandlers, windowEventSink } from '../../../src-main/shell/ipc-handlers.js';
import { unavailableServices } from '../../../src-main/app/unavailable.js';

type Invoke = (event: unknown, request: unknown) => Promise<unknown>;

function setup() {
  const registered = new Map<string, Invoke>();
  const calls: unknown[] = [];
  const ipcMain = {
    handle: (channel: string, fn: Invoke) => {
      assert.ok(!registered.has(channel), `registered twice: ${channel}`);
      registered.set(channel, fn);
    },
    removeHandler: (channel: string) => registered.delete(channel),
  };
  const handlers = { ...unavailableServices() } as Record<string, unknown>;
  for (const name of CHANNEL_NAMES) handlers[name] ??= async () => ({});
  handlers['card.status'] = async (req: unknown) => {
    calls.push(req);
    return { state: 'absent', pinpad: false };
  };
  const logs: string[] = [];
  const reg = registerIpcHandlers(ipcMain as never, handlers as unknown as ChannelHandlers, (l) => logs.push(l));
  return { registered, calls, reg, logs };
}

function event(url: string | undefined, opts: { id?: number; subframe?: boolean } = {}) {
  const mainFrame = { url };
  return { sender: { id: opts.id ?? 7, mainFrame }, senderFrame: url === undefined ? null : opts.subframe ? { url } : mainFrame };
}

test('exactly the contract channels are handled: no more, no less', () => {
  const { registered, reg } = setup();
  assert.deepEqual([...registered.keys()].sort(), CHANNEL_NAMES.map((n) => IPC_PREFIX + n).sort());
  reg.dispose();
  assert.equal(registered.size, 0);
});

test('requests from anything but our window top frame are refused before reaching the core', async () => {
  const { registered, calls, reg, logs } = setup();
  reg.trusted.add(7);
  const invoke = registered.get(IPC_PREFIX + 'card.status')!;
  for (const e of [event('https://evil.example/'), event('app://mssante/index.html', { subframe: true }), event('app://mssante/index.html', { id: 9 }), event(undefined)]) {
    assert.deepEqual(await invoke(e, {}), { ok: false, error: { code: 'IPC_FORBIDDEN', message: 'Requête refusée : elle ne provient pas de la fenêtre de l’application.' } });
  }
  assert.equal(calls.length, 0);
  assert.equal(logs.length, 4);
  assert.deepEqual(await invoke(event('app://mssante/index.html'), {}), { ok: true, value: { state: 'absent', pinpad: false } });
  assert.equal(calls.length, 1);
  assert.equal((await invoke(event('app://mssante/index.html'), { extra: 1 }) as { ok: boolean }).ok, false, 'input still validated');
});

test('events reach the window only when they match the contract', () => {
  const sent: unknown[][] = [];
  const logs: string[] = [];
  const sink = windowEventSink(() => [{ isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) }] as never, (l) => logs.push(l));
  sink('sync.progress', { folderName: 'Boîte de réception', done: 3, total: 10 });
  sink('sync.progress', { folderName: 'INBOX', done: 3, total: 10, pin: '1234' } as never);
  sink('sync.progress', { folderName: 'INBOX', done: -3, total: 10 });
  assert.deepEqual(sent, [
    [IPC_EVENT_PREFIX + 'sync.progress', { folderName: 'Boîte de réception', done: 3, total: 10 }],
    [IPC_EVENT_PREFIX + 'sync.progress', { folderName: 'INBOX', done: 3, total: 10 }],
  ]);
  assert.equal(logs.length, 1);
});
