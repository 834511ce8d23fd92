// Electron main process: lifecycle, windows, IPC, OS integration. Thin: the
// application itself is the Electron-free core behind src-main/app/.
//
// Order: single-instance lock → privileged scheme → (ready) data folder, session
// hardening, UI protocol → key protection check → store → card host → sync →
// window. Quit stops them in reverse (sync before the store it writes to).
import { app, BrowserWindow, dialog, ipcMain, net, powerMonitor, protocol, safeStorage, session, shell, utilityProcess, WebContentsView } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CardService } from '../card/index.js';
import { messageFr, toAppError } from '../errors/index.js';
import { StoreWorkerClient } from '../store/worker/client.js';
import { openDatabase, type Db } from '../store/database.js';
import { staticKeyProvider } from '../store/key-provider.js';
import { Outbox } from '../send/index.js';
import { TrustContext } from '../trust/index.js';
import { AppError } from '../errors/index.js';
import { createCoreApp } from '../app/core-app.js';
import { lazyJournalPort } from '../audit/port.js';
import { createSyncApp } from '../app/sync-app.js';
import { cardAccount, cardAccountTarget, cardMailChannel } from '../app/sync-target.js';
import { SyncEngine } from '../sync/engine.js';
import { startInOrder, type Lifecycle } from '../app/lifecycle.js';
import type { Startable } from '../app/services.js';
import { serveAppRequest } from './app-protocol.js';
import { utilityProcessCardHost } from './card-host.js';
import { registerIpcHandlers, windowEventSink, type IpcRegistration } from './ipc-handlers.js';
import { MessageViewController } from './message-view.js';
import { watchReconnect } from './reconnect.js';
import { watchIdle } from './idle-lock.js';
import { confirmingOpener, hardenSession, hardenWebContents } from './security.js';
import { shellChannels } from './shell-channels.js';
import { keyProtection, readWeakKeystoreAcceptance, recordWeakKeystoreAcceptance, sealedKeyProvider } from './store-key.js';
import { APP_SCHEME } from './url-policy.js';
import { prepareUserData, userDataLayout, wipeOpenedAttachments, type UserDataLayout } from './user-data.js';
import { MESSAGE_PARTITION } from './web-preferences.js';
import { createMainWindow, createMessageView } from './windows.js';

const log = (line: string) => console.log(`[shell] ${line}`);
const here = fileURLToPath(new URL('.', import.meta.url));
const moduleExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

// Must happen before `ready`: our UI scheme behaves like https (secure, standard, fetch).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();
process.env.MSSANTE_PACKAGED = app.isPackaged ? '1' : '0';

let mainWindow: BrowserWindow | undefined;
let lifecycle: Lifecycle | undefined;
let quitting = false;
const currentWindow = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined);
const openExternal = confirmingOpener(dialog, shell, currentWindow);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = currentWindow();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, openExternal));
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (quitting || !lifecycle) return;
    event.preventDefault();
    quitting = true;
    void lifecycle.stop().finally(() => app.quit());
  });
  app.whenReady().then(start).catch((err: unknown) => fatal(err));
}

async function start(): Promise<void> {
  const layout = userDataLayout(app.getPath('userData'));
  prepareUserData(layout);
  app.on('will-quit', () => wipeOpenedAttachments(layout));

  hardenSession(session.defaultSession);
  const rendererRoot = join(app.getAppPath(), 'dist', 'renderer');
  session.defaultSession.protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, rendererRoot));

  if (!(await ensureKeyProtection(layout))) {
    app.quit();
    return;
  }

  let ipc: IpcRegistration | undefined;
  let store: StoreWorkerClient | undefined;
  let outboxDb: Db | undefined;
  let trust: TrustContext | null = null;
  let stopCardWatch: (() => void) | undefined;
  let stopReconnect: (() => void) | undefined;
  const emit = windowEventSink(() => (currentWindow() ? [currentWindow()!.webContents] : []), log);
  const card = new CardService({
    launcher: utilityProcessCardHost(utilityProcess.fork, join(here, `card-host-entry${moduleExt}`)),
    modulePath: process.env.MSSANTE_PKCS11_MODULE,
  });
  const storeApi = () => {
    if (!store) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
    return store.api;
  };
  // the access journal writes through the main-thread connection (outboxDb), next to the worker's
  const journal = lazyJournalPort(() => outboxDb, layout.root);
  const sync = createSyncApp({
    emit,
    journal,
    // the card signs the journal head at the end of each pass (read from `core` when a pass ends)
    checkpoint: () => core.card?.checkpoint() ?? Promise.resolve(),
    store: storeApi,
    target: cardAccountTarget({ home: layout.root, currentSession: () => core.card?.currentSession(), log }),
    createEngine: (options) => new SyncEngine(options),
    folderIds: async (paths) => {
      const folders = await storeApi().listFolders();
      return folders.filter((f) => paths.includes(f.path)).map((f) => String(f.id));
    },
    isOnline: () => net.isOnline(),
  });
  // (the sync connector above reads the card session from `core` only when it connects, after this line)
  const core = createCoreApp({
    emit,
    settingsFile: layout.settingsFile,
    card,
    sync,
    mail: storeApi,
    trust: () => trust,
    me: async () => (await cardAccount(layout.root))?.address,
    journal,
    send: {
      outbox: () => {
        if (!outboxDb) throw new AppError('SERVICE_UNAVAILABLE', 'the store is not open');
        return new Outbox(outboxDb);
      },
      account: () => cardAccount(layout.root),
      channel: cardMailChannel({ home: layout.root, currentSession: () => core.card?.currentSession(), log }),
    },
  });
  const messageView = new MessageViewController(
    () => createMessageView(WebContentsView),
    session.fromPartition(MESSAGE_PARTITION),
    currentWindow,
  );
  // Locking takes message content off the screen (the facade stops sync and drops draft attachments).
  core.gate.onChange((state) => {
    if (state.locked) messageView.hide();
  });
  powerMonitor.on('lock-screen', () => core.gate.lock('system'));
  const stopIdle = watchIdle({
    idleSeconds: () => powerMonitor.getSystemIdleTime(),
    limitMinutes: () => core.settings.read().idleLockMinutes,
    isLocked: () => core.gate.locked,
    lock: () => core.gate.lock('idle'),
  });
  app.on('will-quit', stopIdle);

  const services: Startable[] = [
    {
      name: 'store',
      start: async () => {
        const keyProvider = sealedKeyProvider(layout.sealedKeyFile, safeStorage, () =>
          keyProtection(process.platform, safeStorage, readWeakKeystoreAcceptance(layout.keyProtectionFile)),
        );
        const key = await keyProvider.getKey();
        // SQL runs in a worker thread: a long query never freezes the window. The outbox keeps
        // its own small connection here (one short transaction per state change, before any network).
        store = await StoreWorkerClient.start({ file: layout.storeFile, keyProvider: staticKeyProvider(key), ...storeHooks(layout.root) });
        outboxDb = openDatabase(layout.storeFile, key);
        key.fill(0);
        trust = openTrust(layout.trustDir);
      },
      stop: async () => {
        trust?.close();
        outboxDb?.close();
        await store?.close();
      },
    },
    {
      name: 'card host',
      start: async () => {
        // Watching keeps the host up for insertion/removal events; a missing card module is not fatal.
        stopCardWatch = await card.watch().catch((err: unknown) => {
          log(`card host not ready: ${toAppError(err).code}`);
          return undefined;
        });
      },
      stop: async () => {
        stopCardWatch?.();
        await core.close(); // the card signs the journal head before its host goes
        card.close();
      },
    },
    {
      name: 'sync',
      start: async () => {
        stopReconnect = watchReconnect(
          { onPower: (event, listener) => onPowerEvent(event, listener), isOnline: () => net.isOnline() },
          (why) => {
            log(`reconnect after ${why}`);
            void core.services['sync.now']({}).catch(() => undefined);
          },
        );
      },
      stop: async () => {
        stopReconnect?.();
        await sync.stop();
        // A send in progress finishes and records its outcome while the card and the store are still there.
        await core.send?.idle();
      },
    },
    {
      name: 'window',
      start: async () => {
        const handlers = {
          ...core.services,
          ...shellChannels({
            version: app.getVersion(),
            core: core.services,
            dialog,
            shell,
            window: currentWindow,
            openExternal,
            messageView,
            openedAttachmentsDir: layout.openedAttachmentsDir,
          }),
        };
        ipc = registerIpcHandlers(ipcMain, handlers, log);
        const win = createMainWindow(BrowserWindow, join(app.getAppPath(), 'dist', 'preload', 'preload.cjs'));
        mainWindow = win;
        ipc.trusted.add(win.webContents.id);
        win.on('closed', () => {
          if (mainWindow === win) mainWindow = undefined;
        });
      },
      stop: async () => {
        messageView.hide();
        ipc?.dispose();
      },
    },
  ];

  lifecycle = await startInOrder(services, { log });
}

/** The store key must be sealed by a real OS keystore; a plaintext one only with the user's explicit consent. */
async function ensureKeyProtection(layout: UserDataLayout): Promise<boolean> {
  const verdict = keyProtection(process.platform, safeStorage, readWeakKeystoreAcceptance(layout.keyProtectionFile));
  if (verdict.ok) return true;
  if (verdict.code === 'KEYSTORE_UNAVAILABLE') {
    dialog.showErrorBox('Messagerie MSSanté', messageFr('KEYSTORE_UNAVAILABLE'));
    return false;
  }
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: 'Messagerie MSSanté',
    message: messageFr('KEYSTORE_WEAK'),
    detail:
      'Toute personne ayant accès à ce poste et à votre session pourrait lire la base locale des messages. ' +
      'Installez et déverrouillez le trousseau de votre bureau (GNOME Keyring ou KWallet) puis relancez l’application, ' +
      'ou continuez en acceptant ce risque.',
    buttons: ['Quitter', 'Continuer sans protection'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  if (response !== 1) return false;
  recordWeakKeystoreAcceptance(layout.keyProtectionFile);
  return true;
}

/**
 * The store thread's write hooks: the sender trust decision of each new message and the access
 * journal (src-main/audit/store-hooks). Without that module the store still works, unjournaled: said in the log.
 */
function storeHooks(home: string): { hooksModule?: string; hooksOptions?: unknown } {
  const module = fileURLToPath(new URL(`../audit/store-hooks${moduleExt}`, import.meta.url));
  if (!existsSync(module)) {
    log('store hooks module missing: no trust decision or journal at sync');
    return {};
  }
  return { hooksModule: module, hooksOptions: { home, trust: true } };
}

/** Annuaire and liste blanche of the data folder (`mssante --home <userData> annuaire import …` writes them to <userData>/trust). */
function openTrust(trustDir: string): TrustContext | null {
  try {
    return TrustContext.open(trustDir);
  } catch (err) {
    log(`trust data unavailable: ${toAppError(err).code}`);
    return null;
  }
}

function onPowerEvent(event: 'resume' | 'unlock-screen', listener: () => void): () => void {
  if (event === 'resume') {
    powerMonitor.on('resume', listener);
    return () => powerMonitor.off('resume', listener);
  }
  powerMonitor.on('unlock-screen', listener);
  return () => powerMonitor.off('unlock-screen', listener);
}

function fatal(err: unknown): void {
  const code = toAppError(err).code;
  log(`startup failed: ${code}`);
  dialog.showErrorBox('Messagerie MSSanté', `Le démarrage a échoué. ${messageFr(code)}`);
  app.exit(1);
}
