// Builds `window.mssante` from the contract: one function per channel, grouped
// by prefix, and `on(event, listener)`. Nothing else: no generic invoke, no
// ipcRenderer, no Electron event object ever reaches the page. Electron-free
// (takes the three ipcRenderer methods it uses): the preload passes Electron's
// ipcRenderer; a test-only loopback harness can pass its own transport (strip
// IPC_PREFIX / IPC_EVENT_PREFIX and call ipc/dispatch.ts on the other side).
import { CHANNEL_NAMES, EVENT_NAMES, IPC_EVENT_PREFIX, IPC_PREFIX, splitChannel, type EventName, type MssanteApi } from './contract.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES);

export function buildBridge(ipc: IpcRendererLike): MssanteApi {
  const api: Record<string, Record<string, (request?: unknown) => Promise<unknown>>> = {};
  for (const name of CHANNEL_NAMES) {
    const [group, method] = splitChannel(name);
    const ipcChannel = IPC_PREFIX + name;
    (api[group] ??= {})[method] = (request?: unknown) => ipc.invoke(ipcChannel, request ?? {});
  }
  const on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!EVENT_SET.has(event)) throw new Error(`unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    const ipcChannel = IPC_EVENT_PREFIX + event;
    const wrapped = (_event: unknown, payload: unknown) => listener(payload);
    ipc.on(ipcChannel, wrapped);
    return () => {
      ipc.removeListener(ipcChannel, wrapped);
    };
  };
  for (const group of Object.values(api)) Object.freeze(group);
  return Object.freeze({ ...api, on }) as unknown as MssanteApi;
}
