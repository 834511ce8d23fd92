// Registers one ipcMain handler per contract channel (and nothing else). Each
// checks that the request comes from the top frame of one of our windows showing
// app://mssante/, then goes through the contract dispatcher (validation both ways,
// result envelope). Requests and responses are never logged: they may hold a PIN
// or patient data.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { AppError } from '../errors/index.js';
import { CHANNEL_NAMES, IPC_EVENT_PREFIX, IPC_PREFIX, type ChannelHandlers, type EventName, type EventPayload } from '../ipc/contract.js';
import { checkEvent, dispatch, errorResult, type EventSink } from '../ipc/dispatch.js';
import { isTrustedSender } from './url-policy.js';

export interface IpcRegistration {
  /** Web contents ids allowed to call (the main window's). */
  readonly trusted: Set<number>;
  dispose(): void;
}

function senderFacts(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>) {
  const frame = event.senderFrame;
  return {
    frameUrl: frame?.url,
    isMainFrame: frame !== null && frame !== undefined && frame === event.sender.mainFrame,
    webContentsId: event.sender.id,
  };
}

export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: ChannelHandlers,
  log: (line: string) => void,
): IpcRegistration {
  const trusted = new Set<number>();
  for (const name of CHANNEL_NAMES) {
    ipcMain.handle(IPC_PREFIX + name, async (event, request: unknown) => {
      if (!isTrustedSender(senderFacts(event), trusted)) {
        log(`refused IPC ${name} from an untrusted frame`);
        return errorResult(new AppError('IPC_FORBIDDEN', 'sender is not the application window'));
      }
      return dispatch(handlers, name, request, {
        onContractViolation: (channel, detail) => log(`contract violation in ${channel}: ${detail}`),
      });
    });
  }
  return {
    trusted,
    dispose() {
      for (const name of CHANNEL_NAMES) ipcMain.removeHandler(IPC_PREFIX + name);
    },
  };
}

/** An EventSink that sends validated events to the windows currently registered. */
export function windowEventSink(targets: () => Iterable<Pick<WebContents, 'send' | 'isDestroyed'>>, log: (line: string) => void): EventSink {
  return <E extends EventName>(event: E, payload: EventPayload<E>) => {
    let checked: EventPayload<E>;
    try {
      checked = checkEvent(event, payload);
    } catch {
      log(`dropped event ${event}: breaks the contract`);
      return;
    }
    for (const contents of targets()) {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT_PREFIX + event, checked);
    }
  };
}
