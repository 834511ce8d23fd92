// Electron main process: lifecycle, windows, IPC, OS integration. Thin: the
// application itself is the Electron-free core behind src-main/app/.
//
// Order: single-instance lock → privileged scheme → (ready) data folder, session
// hardening, UI protocol → store (annuaire only: the mail store opens at the card
// unlock) → card host → sync (the core, built by app/core.ts createCore) →
// reconnect → window. Quit stops them in reverse (sync before the store it
// writes to). Every lock (idle, OS lock screen, card removal, session expiry,
// « Se déconnecter ») closes the mail store in the core and unmounts the
// renderer's mailbox; the PIN reopens it.
import { app, BrowserWindow, dialog, ipcMain, net, powerMonitor, protocol, safeStorage, session, shell, utilityProcess, WebContentsView } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageFr, toAppError } from '../errors/index.js';
import { createCore } from '../app/core.js';
import { readPscRegistration } from '../app/psc-registration.js';
import { startInOrder, type Lifecycle } from '../app/lifecycle.js';
import { rebuildStore } from '../app/store-recovery.js';
import { staticKeyProvider } from '../store/key-provider.js';
import type { Startable } from '../app/services.js';
import { serveAppRequest } from './app-protocol.js';
import { utilityProcessCardHost } from './card-host.js';
import { registerIpcHandlers, windowEventSink, type IpcRegistration } from './ipc-handlers.js';
import { MessageViewController } from './message-view.js';
import { watchReconnect } from './reconnect.js';
import { watchIdle } from './idle-lock.js';
import { confirmingOpener, hardenSession, hardenWebContents } from './security.js';
import { shellChannels } from './shell-channels.js';
import { electronPdfRenderer } from './print-pdf.js';
import { keychainKekPort, keyProtection, legacySealedKeyPort, readWeakKeystoreAcceptance } from './store-key.js';
import { keychainConsentText, recoveryCodeText } from '../app/store-unlock.js';
import type { KeychainReason } from '../app/store-key-plan.js';
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

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

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

  let ipc: IpcRegistration | undefined;
  let stopReconnect: (() => void) | undefined;
  const emit = windowEventSink(() => (currentWindow() ? [currentWindow()!.webContents] : []), log);
  // The same core as the CLI and the harness (app/core.ts); what differs is this env.
  const { app: core, startables } = createCore({
    home: layout.root,
    storeFile: layout.storeFile,
    settingsFile: layout.settingsFile,
    trustDir: layout.trustDir,
    // The store key is bound to the card (app/store-unlock.ts): the store opens at the PIN unlock.
    storeUnlock: {
      keychain: keychainKekPort(layout.keychainKekFile, safeStorage, () =>
        keyProtection(process.platform, safeStorage, readWeakKeystoreAcceptance(layout.keyProtectionFile)),
      ),
      legacyKey: legacySealedKeyPort(layout.sealedKeyFile, safeStorage),
      onRecoveryCode: (code) => showRecoveryCode(code),
      askKeychainConsent: (why) => askKeychainConsent(why),
    },
    emit,
    card: {
      launcher: utilityProcessCardHost(utilityProcess.fork, join(here, `card-host-entry${moduleExt}`)),
      modulePath: process.env.MSSANTE_PKCS11_MODULE,
    },
    isOnline: () => net.isOnline(),
    // a damaged store (quick_check at open): offer the rebuild `mssante store rebuild` does
    recoverStore: (err, key) => offerStoreRebuild(err, layout, key),
    log,
    // Pro Santé Connect: IT's registration file; the card login in the system browser (never a web view)
    setup: { ...optional('psc', readPscRegistration(join(layout.root, 'psc.json'), log)) },
    openExternal: async (url) => {
      if (!url.startsWith('https://')) throw new Error('PSC authorization URL must be https');
      await shell.openExternal(url);
    },
  });
  const messageView = new MessageViewController(
    () => createMessageView(WebContentsView),
    session.fromPartition(MESSAGE_PARTITION),
    currentWindow,
    // the view hands the keyboard back: the renderer gets the OS focus, then puts it on the right control
    (to) => {
      currentWindow()?.webContents.focus();
      if (to) emit('messageView.focusLeft', { to });
    },
  );
  // Locking takes message content off the screen (the core stops sync, drops draft attachments and closes the store).
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
    ...startables, // store → card host → sync
    {
      name: 'reconnect',
      start: async () => {
        stopReconnect = watchReconnect(
          { onPower: (event, listener) => onPowerEvent(event, listener), isOnline: () => net.isOnline() },
          (why) => {
            log(`reconnect after ${why}`);
            void core.services['sync.now']({}).catch(() => undefined);
          },
        );
      },
      stop: async () => stopReconnect?.(),
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
            renderPdf: electronPdfRenderer(BrowserWindow),
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

/** Shown once when the store is bound to the card (new store, or migration of the keychain-keyed one). */
async function showRecoveryCode(code: string): Promise<void> {
  const text = recoveryCodeText(code);
  await dialog.showMessageBox({ type: 'info', title: 'Messagerie MSSanté', message: text.message, detail: text.detail, buttons: ['J’ai noté le code'], noLink: true });
}

/** The card cannot make a KEK (PSS only) or there is no card: the keychain only with the user's consent. */
async function askKeychainConsent(why: KeychainReason): Promise<boolean> {
  const text = keychainConsentText(why);
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: 'Messagerie MSSanté',
    message: text.message,
    detail: text.detail,
    buttons: [text.decline, text.accept],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  return response === 1;
}

function onPowerEvent(event: 'resume' | 'unlock-screen', listener: () => void): () => void {
  if (event === 'resume') {
    powerMonitor.on('resume', listener);
    return () => powerMonitor.off('resume', listener);
  }
  powerMonitor.on('unlock-screen', listener);
  return () => powerMonitor.off('unlock-screen', listener);
}

/**
 * The store is damaged: asks whether to rebuild it (outbox, local drafts and the verified journal
 * carried over, the damaged file set aside; the messages come back from the server at the next
 * sync, after the card unlock). Returns false when it is not damage or the user chose to quit.
 */
async function offerStoreRebuild(err: unknown, layout: UserDataLayout, key: Buffer): Promise<boolean> {
  if (toAppError(err).code !== 'STORE_CORRUPT') return false;
  log('store damaged (integrity check at open failed): rebuild offered');
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: 'Messagerie MSSanté',
    message: 'La base locale des messages est endommagée.',
    detail:
      'La messagerie peut la reconstruire : la boîte d’envoi, les brouillons enregistrés sur cet ordinateur et le journal des accès (après vérification) sont conservés, ' +
      'et les messages sont de nouveau téléchargés depuis le serveur après le déverrouillage par votre carte CPS. La base endommagée est gardée à part.',
    buttons: ['Reconstruire depuis le serveur', 'Quitter'],
    defaultId: 0,
    cancelId: 1,
    noLink: true,
  });
  if (response !== 0) return false;
  const report = await rebuildStore({ file: layout.storeFile, home: layout.root, keyProvider: staticKeyProvider(Buffer.from(key)), onProgress: () => undefined });
  log(`store rebuilt: outbox ${report.outbox.carried} (drafts ${report.outbox.drafts}), journal ${report.journal.carried} (verified ${report.journal.verified})`);
  if (!report.journal.verified) {
    await dialog.showMessageBox({
      type: 'warning',
      title: 'Messagerie MSSanté',
      message: 'Le journal des accès n’a pas pu être repris.',
      detail: `${report.journal.reasonFr ?? 'Il était illisible dans la base endommagée.'} Il reste dans la base mise de côté : ${report.damagedFile}`,
      buttons: ['Continuer'],
    });
  }
  return true;
}

function fatal(err: unknown): void {
  const code = toAppError(err).code;
  log(`startup failed: ${code}`);
  dialog.showErrorBox('Messagerie MSSanté', `Le démarrage a échoué. ${messageFr(code)}`);
  app.exit(1);
}
