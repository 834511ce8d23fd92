// The real core as the Electron shell wires it (src-main/shell/main.ts), minus
// Electron: the encrypted store in its worker (trust decision hook), the card
// service (SoftHSM / cps-sim), the annuaire, the sync run loop after card login,
// the session gate. Shell-owned channels get test stand-ins that record what the
// UI asked for (no OS dialogs here). Test-only, never shipped.
import { join } from 'node:path';
import { CardService } from '../../../src-main/card/index.js';
import { StoreWorkerClient } from '../../../src-main/store/worker/client.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { fileKeyProvider, staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { TrustContext, trustDirOf } from '../../../src-main/trust/index.js';
import { Outbox } from '../../../src-main/send/index.js';
import { createCoreApp, type CoreApp } from '../../../src-main/app/core-app.js';
import { createSyncApp, type SyncApp } from '../../../src-main/app/sync-app.js';
import { cardAccount, cardAccountTarget, cardMailChannel } from '../../../src-main/app/sync-target.js';
import { SyncEngine } from '../../../src-main/sync/engine.js';
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
}

export interface HarnessCore {
  core: CoreApp;
  handlers: ChannelHandlers;
  store: StoreWorkerClient;
  sync: SyncApp;
  /** URLs the UI asked to open (after its confirmation), attachments opened/saved. */
  opened: { links: string[]; attachments: string[]; saved: string[]; printed: { file: string; bytes: Uint8Array }[] };
  close(): Promise<void>;
}

const log = () => undefined;

export async function startHarnessCore(options: HarnessCoreOptions): Promise<HarnessCore> {
  const file = join(options.home, 'store.db');
  // A key file in the data folder (created on first use): a restarted harness reopens the same store.
  const key = await fileKeyProvider(join(options.home, 'store.key')).getKey();
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  // The store thread's write hooks as the shell loads them: sender trust decision + access journal.
  const store = await StoreWorkerClient.start({
    file,
    keyProvider: staticKeyProvider(key),
    hooksModule: join(import.meta.dirname, '..', '..', '..', 'src-main', 'audit', `store-hooks${ext}`),
    hooksOptions: { home: options.home, trust: true },
  });
  try {
    return await wireCore(options, store, file, key);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function wireCore(options: HarnessCoreOptions, store: StoreWorkerClient, file: string, key: Buffer): Promise<HarnessCore> {
  const outboxDb = openDatabase(file, key);
  let trust: TrustContext | null = null;
  try {
    trust = TrustContext.open(trustDirOf(options.home));
  } catch {
    trust = null;
  }
  const card = options.cardModule ? new CardService({ modulePath: options.cardModule, pollIntervalMs: 250 }) : undefined;
  const stopWatch = card ? await card.watch() : undefined;
  const target = { home: options.home, currentSession: () => core.card?.currentSession(), log };

  const sync = createSyncApp({
    emit: options.emit,
    store: () => store.api,
    target: cardAccountTarget(target),
    createEngine: (engineOptions) => new SyncEngine(engineOptions),
    folderIds: async (paths) => (await store.api.listFolders()).filter((f) => paths.includes(f.path)).map((f) => String(f.id)),
    isOnline: () => true,
  });

  const core: CoreApp = createCoreApp({
    emit: options.emit,
    settingsFile: join(options.home, 'settings.json'),
    ...(card ? { card } : {}),
    ...(options.tokenRef ? { cardOptions: { tokenRef: options.tokenRef } } : {}),
    sync,
    mail: () => store.api,
    trust: () => trust,
    me: async () => (await cardAccount(options.home))?.address,
    send: {
      outbox: () => new Outbox(outboxDb),
      account: () => cardAccount(options.home),
      channel: cardMailChannel(target),
    },
  });
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
    handlers,
    store,
    sync,
    opened,
    close: async () => {
      await core.send?.idle();
      await sync.stop();
      stopWatch?.();
      core.dispose();
      card?.close();
      trust?.close();
      await store.close();
      outboxDb.close();
    },
  };
}
