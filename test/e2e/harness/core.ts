// The real core as the Electron shell wires it — the same createCore
// (src-main/app/core.ts), minus Electron: the encrypted store in its worker
// (trust decision, journal and read-receipt hooks), the card service
// (SoftHSM / cps-sim, child-process host), the annuaire, the sync run loop after
// card login, the session gate. Shell-owned channels get test stand-ins that
// record what the UI asked for (no OS dialogs here). Test-only, never shipped.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeychainPort } from '../../../src-main/app/store-unlock.js';
import { createCore, type Core, type CoreEnv } from '../../../src-main/app/core.js';
import type { CoreApp } from '../../../src-main/app/core-app.js';
import { startInOrder } from '../../../src-main/app/lifecycle.js';
import type { SyncApp } from '../../../src-main/app/sync-app.js';
import { fileKeyProvider } from '../../../src-main/store/key-provider.js';
import type { StoreWorkerClient } from '../../../src-main/store/worker/client.js';
import { trustDirOf } from '../../../src-main/trust/index.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { renderPdfWithChromium } from '../../../src-main/print/chromium-pdf.js';
import type { EventSink } from '../../../src-main/ipc/dispatch.js';
import { countTabStops } from '../../../src-main/shell/message-focus.js';

export interface HarnessCoreOptions {
  /** Data folder: store, settings, accounts (accounts.json written by the test), trust/ (imported annuaire). */
  home: string;
  emit: EventSink;
  /** PKCS#11 module; omitted → no card service (card channels unavailable). */
  cardModule?: string;
  tokenRef?: string;
  /** Files the stand-in for the OS file dialog returns on compose.pickFiles. */
  pickFiles?: () => { filename: string; contentType: string; data: Buffer }[];
  /** Open the session without a card (UI bench: only the list is measured): the store opens at start with a test key. */
  unlocked?: boolean;
  /** Remote images fetched by main: the test's HTTPS server CA, loopback allowed. */
  remoteImages?: { ca?: string; allowLoopback?: boolean };
  /** Answer of the stand-in for the keychain consent dialog (default: refused). */
  keychainConsent?: boolean;
  /** No card, but the store bound as the shell binds it (a card-less PSC login opens it: keychain or recovery code). */
  storeBound?: boolean;
  /** First run and Pro Santé Connect: the bench's PSC registration, DNS server, PKI anchors for new accounts. */
  setup?: CoreEnv['setup'];
}

export interface HarnessCore {
  core: CoreApp;
  /** The composition root's result (what runs: Core.active()). */
  root: Core;
  handlers: ChannelHandlers;
  /** The open store (SERVICE_UNAVAILABLE while locked: with a card, it opens at the PIN unlock). */
  readonly store: StoreWorkerClient;
  /** Recovery codes the app showed (once each), in order. */
  recoveryCodes: string[];
  sync: SyncApp;
  /** URLs the UI asked to open (after its confirmation), attachments opened/saved. */
  opened: { links: string[]; attachments: string[]; saved: string[]; printed: { file: string; bytes: Uint8Array }[] };
  /**
   * The Electron message view, played for the renderer's half of its focus hand-off: when `isolated` is set (then
   * reload the page), app.info says so, messageView.show answers with the tab stops main's own count finds, and
   * each messageView.focus request is recorded (`backwards`); the test sends messageView.focusLeft as main would.
   */
  messageView: { isolated: boolean; focusRequests: boolean[]; stops: number };
  /** URLs main opened in the "system browser" (PSC login by card); the test plays the browser on them. */
  browser: { urls: string[]; next(): Promise<string> };
  close(): Promise<void>;
}

/**
 * Stand-in for the OS keychain (the shell's is Electron safeStorage): a KEK in a file of the data
 * folder, which is exactly what the real keychain avoids; test-only, to drive the consent path.
 */
function testKeychain(home: string): KeychainPort {
  const file = join(home, 'test-keychain.kek');
  return {
    available: () => true,
    kek: async () => {
      if (!existsSync(file)) writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
      return readFileSync(file);
    },
    remove: () => rmSync(file, { force: true }),
  };
}

export async function startHarnessCore(options: HarnessCoreOptions): Promise<HarnessCore> {
  const recoveryCodes: string[] = [];
  // the stand-in for Electron's shell.openExternal: records the URL and hands it to the waiting test
  const browser = systemBrowserStandIn();
  const root = createCore({
    home: options.home,
    storeFile: join(options.home, 'store.db'),
    settingsFile: join(options.home, 'settings.json'),
    trustDir: trustDirOf(options.home),
    ...((options.cardModule || options.storeBound) && !options.unlocked
      ? {
          // As the shell: the store is bound to the card and opens at the PIN unlock, closes at lock.
          storeUnlock: {
            onRecoveryCode: (code: string) => void recoveryCodes.push(code),
            ...(options.keychainConsent !== undefined ? { keychain: testKeychain(options.home), askKeychainConsent: async () => options.keychainConsent! } : {}),
          },
        }
      : // No card (UI bench, composition tests): a key file opened at start.
        { keyProvider: fileKeyProvider(join(options.home, 'store.key')) }),
    emit: options.emit,
    ...(options.cardModule ? { card: { modulePath: options.cardModule, pollIntervalMs: 250, ...(options.tokenRef ? { tokenRef: options.tokenRef } : {}) } } : {}),
    isOnline: () => true,
    ...(options.remoteImages ? { remoteImages: options.remoteImages } : {}),
    ...(options.setup ? { setup: options.setup } : {}),
    openExternal: browser.open,
  });
  const lifecycle = await startInOrder(root.startables);
  const core = root.app;
  if (options.unlocked) core.gate.unlock();

  const opened: HarnessCore['opened'] = { links: [], attachments: [], saved: [], printed: [] };
  const messageView: HarnessCore['messageView'] = { isolated: false, focusRequests: [], stops: 0 };
  const handlers: ChannelHandlers = {
    ...core.services,
    'app.info': async () => ({ version: 'harness', platform: 'linux', isolatedMessageView: messageView.isolated }),
    'attachment.open': async (ref) => {
      opened.attachments.push((await core.services.attachmentContent(ref)).filename);
      return { opened: true };
    },
    'attachment.save': async (ref) => {
      opened.saved.push((await core.services.attachmentContent(ref)).filename);
      return { saved: true };
    },
    'compose.pickFiles': async () => ({
      attachments: await Promise.all((options.pickFiles?.() ?? []).map((file) => core.services.attachFile(file))),
    }),
    // the save dialog answers "<title>.pdf"; the PDF comes from Chromium's PDF printing (playwright-core)
    'print.pdf': async (ref) => {
      const doc = await core.services.printable(ref, new Date());
      opened.printed.push({ file: `${doc.title}.pdf`, bytes: await renderPdfWithChromium(doc) });
      await core.services.recordPrinted(ref, 'pdf');
      return { saved: true };
    },
    'link.open': async ({ url }) => {
      opened.links.push(url);
      return { opened: true };
    },
    'messageView.show': async ({ html }) => {
      messageView.stops = messageView.isolated ? countTabStops(html) : 0;
      return { shown: messageView.isolated, tabStops: messageView.stops };
    },
    'messageView.setBounds': async () => ({ shown: messageView.isolated }),
    'messageView.hide': async () => {
      messageView.stops = 0;
      return { shown: false };
    },
    'messageView.focus': async ({ backwards }) => {
      messageView.focusRequests.push(backwards);
      return { focused: messageView.stops > 0 };
    },
  };

  return {
    core,
    root,
    handlers,
    get store() {
      return root.store();
    },
    recoveryCodes,
    sync: root.sync,
    opened,
    messageView,
    browser: { urls: browser.urls, next: browser.next },
    close: () => lifecycle.stop(),
  };
}

function systemBrowserStandIn(): { urls: string[]; open(url: string): Promise<void>; next(): Promise<string> } {
  const urls: string[] = [];
  const waiters: ((url: string) => void)[] = [];
  let taken = 0;
  return {
    urls,
    open: async (url) => {
      urls.push(url);
      const w = waiters.shift();
      if (w) {
        taken++;
        w(url);
      }
    },
    next: () => (taken < urls.length ? Promise.resolve(urls[taken++]!) : new Promise((resolve) => waiters.push(resolve))),
  };
}
