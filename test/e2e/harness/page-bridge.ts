/// <reference lib="dom" />
// Runs in the page served by the harness (test-only, never shipped): builds
// `window.mssante` with the SAME bridge as the Electron preload
// (src-main/ipc/bridge.ts), over a loopback transport: POST /ipc for invokes,
// one EventSource for events. The per-run token comes in the URL fragment.
import { buildBridge, type IpcRendererLike } from '../../../src-main/ipc/bridge.js';
import { IPC_EVENT_PREFIX, IPC_PREFIX } from '../../../src-main/ipc/contract.js';

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
type Listener = (event: unknown, ...args: unknown[]) => void;
const listeners = new Map<string, Set<Listener>>();
const source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
source.onmessage = (message) => {
  const { event, payload } = JSON.parse(message.data as string) as { event: string; payload: unknown };
  for (const listener of listeners.get(IPC_EVENT_PREFIX + event) ?? []) listener(undefined, payload);
};

const transport: IpcRendererLike = {
  async invoke(channel, request) {
    const response = await fetch('/ipc', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-harness-token': token },
      body: JSON.stringify({ channel: channel.slice(IPC_PREFIX.length), request }),
    });
    return response.json();
  },
  on(channel, listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
  },
  removeListener(channel, listener) {
    listeners.get(channel)?.delete(listener);
  },
};

Object.defineProperty(window, 'mssante', { value: buildBridge(transport), writable: false, configurable: false });
