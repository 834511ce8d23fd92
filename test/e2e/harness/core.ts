// The real core as the Electron shell wires it — the same createCore
// (src-main/app/core.ts), minus Electron: the encrypted store in its worker
// (trust decision, journal and read-receipt hooks), the card service
// (SoftHSM / cps-sim, child-process host), the annuaire, the sync run loop after
// card login, the session gate. Shell-owned channels get test stand-ins that
// record what the UI asked for (no OS dialogs here). Test-only, never shipped.
import { join } from 'node:path';
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

export interface HarnessCoreOptions {
  /** Data folder: store, settings, accounts (accounts.json written by the test), trust/ (imported annuaire). */
  home: string;
  emit: EventSink;
  /** PKCS#11 module; omitted → no card service (card channels unavailable). */
  cardModule?: string;
  tokenRef?: string;
  /** Files the stand-in for the OS file dialog returns on compose.pickFiles. */
  pickFiles?: () => { filename: string; contentType: string; data: Buffer }[];
  /** Open the session without a card (UI bench: only the list is measured). */
  unlocked?: boolean;
  /** First run and Pro Santé Connect: the bench's PSC registration, DNS server, PKI anchors for new accounts. */
  setup?: CoreEnv['setup'];
}

export interface HarnessCore {
  core: CoreApp;
  /** The composition root's result (what runs: Core.active()). */
  root: Core;
  handlers: ChannelHandlers;
  store: StoreWorkerClient;
  sync: SyncApp;
  /** URLs the UI asked to open (after its confirmation), attachments opened/saved. */
  opened: { links: string[]; attachments: string[]; saved: string[]; printed: { file: string; bytes: Uint8Array }[] };
  /** URLs main opened in the "system browser" (PSC login by card); the test plays the browser on them. */
  browser: { urls: string[]; next(): Promise<string> };
  close(): Promise<void>;
}

export async function startHarnessCore(options: HarnessCoreOptions): Promise<HarnessCore> {
  // the stand-in for Electron's shell.openExternal: records the URL and hands it to the waiting test
  const browser = systemBrowserStandIn();
  const root = createCore({
    home: options.home,
    storeFile: join(options.home, 'store.db'),
    settingsFile: join(options.home, 'settings.json'),
    trustDir: trustDirOf(options.home),
    // A key file in the data folder (created on first use): a restarted harness reopens the same store.
    keyProvider: fileKeyProvider(join(options.home, 'store.key')),
    emit: options.emit,
    ...(options.cardModule ? { card: { modulePath: options.cardModule, pollIntervalMs: 250, ...(options.tokenRef ? { tokenRef: options.tokenRef } : {}) } } : {}),
    isOnline: () => true,
    ...(options.setup ? { setup: options.setup } : {}),
    openExternal: browser.open,
  });
  const lifecycle = await startInOrder(root.startables);
  const core = root.app;
  if (options.unlocked) core.gate.unlock();

  const opened: HarnessCore['opened'] = { links: [], attachments: [], saved: [], printed: [] };
  const handlers: ChannelHandlers = {
    ...core.services,
    'app.info': async () => ({ version: 'harness', platform: 'linux', isolatedMessageView: false }),
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
    'messageView.show': async () => ({ shown: false }),
    'messageView.setBounds': async () => ({ shown: false }),
    'messageView.hide': async () => ({ shown: false }),
  };

  return {
    core,
    root,
    handlers,
    store: root.store(),
    sync: root.sync,
    opened,
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
