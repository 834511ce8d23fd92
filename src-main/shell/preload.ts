// The preload of the application window (bundled to one CommonJS file by
// vite.preload.config.ts, as sandboxed preloads require). It exposes the IPC
// contract and nothing else as `window.mssante`.
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from '../ipc/bridge.js';

contextBridge.exposeInMainWorld('mssante', buildBridge(ipcRenderer));
