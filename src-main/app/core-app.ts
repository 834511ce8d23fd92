// Builds the application facade from whatever core pieces the caller has:
// settings and the session lock always; card, mail, sync… when given. Missing
// pieces answer SERVICE_UNAVAILABLE. The result is guarded by the session lock.
// Used by the Electron shell and by the test-only loopback harness alike.
import type { CardService } from '../card/index.js';
import type { DkimEvidence, TrustContext } from '../trust/index.js';
import type { SyncStatus } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import { createCardApp, type CardApp, type CardAppOptions } from './card-app.js';
import { createMailApp, type MailStorePort } from './mail-app.js';
import { createImagesApp, type ImagesAppDeps } from './images-app.js';
import { createComposeApp, type ComposeApp } from './compose-app.js';
import { patientCheck, patientIdentityResolver } from './patient-app.js';
import { createSendApp, type SendApp, type SendAppDeps } from './send-app.js';
import { trustChannels } from './trust-app.js';
import { guardLocked, SessionGate } from './session.js';
import type { CoreChannelHandlers, CoreServices } from './services.js';
import { SettingsFile } from './settings.js';
import { unavailableServices } from './unavailable.js';
import { withActor, type JournalPort } from '../audit/port.js';
import { settingsChanges } from '../audit/records.js';
import { AppError } from '../errors/index.js';
import { createPscApp, type PscApp, type PscAppOptions } from './psc-app.js';
import { accountSetupChannels, type AccountSetupOptions } from './account-setup.js';

/** The sync engine as the facade needs it (sync-app.ts). */
export interface SyncPort {
  status(): SyncStatus;
  /** Sync now / retry after an error. */
  syncNow(): Promise<SyncStatus>;
  /** Started when the session unlocks (it needs the logged-in card), stopped when it locks. */
  start?(): Promise<SyncStatus>;
  stop?(): Promise<void>;
}

export interface CoreAppDeps {
  emit: EventSink;
  settingsFile: string;
  /** The folder of the clinic's rules (clinic-policy.json): the data folder; default: settings.json's folder. */
  clinicPolicyDir?: string;
  card?: CardService;
  cardOptions?: CardAppOptions;
  sync?: SyncPort;
  /** The store (worker client API), once open; throws SERVICE_UNAVAILABLE before. */
  mail?: () => MailStorePort;
  /** Sending (outbox over a main-thread store connection, account, card-signed channel), once wired. */
  send?: Pick<SendAppDeps, 'outbox' | 'account' | 'channel'>;
  /** The user's own address (left out of reply-all). */
  me?: () => Promise<string | undefined>;
  /** Annuaire + liste blanche, or null when not imported yet. */
  trust?: () => TrustContext | null;
  /** Further channel implementations (mail, compose, trust, xdm…), added as the core provides them. */
  extra?: Partial<CoreServices>;
  /** The access journal (audit/port.ts): card, reading, attachments, settings are recorded through it. */
  journal?: JournalPort;
  /** DKIM check of a message when it is opened (mail.read); none: the stored decision as is. */
  dkim?: (raw: Buffer) => Promise<DkimEvidence[]>;
  /** Remote images fetched by main: the per-sender choices file, TLS anchors for the test bench. */
  images?: Pick<ImagesAppDeps, 'choicesFile' | 'fetch'>;
  /** Pro Santé Connect on the lock screen (the account, the system browser). */
  psc?: Pick<PscAppOptions, 'account' | 'openExternal' | 'env' | 'home' | 'storeKey' | 'openStore' | 'openStoreWithRecovery' | 'storeRecoverable'>;
  /** The first-run screen (auto-configuration and the first account). */
  setup?: Omit<AccountSetupOptions, 'journal'>;
  /** How the store is protected (the clinic's keychain setting, app/store-policy.ts), for « Réglages ». */
  storeProtection?: () => 'card-only' | 'keychain';
}

export interface CoreApp {
  services: CoreServices;
  gate: SessionGate;
  settings: SettingsFile;
  card: CardApp | undefined;
  psc: PscApp | undefined;
  /** Draft attachments held in memory. */
  compose: ComposeApp | undefined;
  send: SendApp | undefined;
  dispose(): void;
  /** Quit: the card signs a last journal checkpoint while its session is open, then dispose. */
  close(): Promise<void>;
}

const STOPPED: SyncStatus = { online: false, state: 'stopped', lastSyncAt: null };

export function createCoreApp(deps: CoreAppDeps): CoreApp {
  const gate = new SessionGate(deps.emit);
  const settings = new SettingsFile(deps.settingsFile, deps.clinicPolicyDir);
  const card = deps.card
    ? createCardApp(deps.card, gate, deps.emit, { ...deps.cardOptions, ...(deps.journal ? { journal: deps.journal } : {}), maxSessionMs: () => settings.read().maxSessionHours * 3_600_000 })
    : undefined;
  // the professional acting: the card holder, else the PSC session's subject (RPPS)
  const journal = deps.journal ? withActor(deps.journal, () => card?.currentSession()?.token.holder?.nationalId ?? psc?.subject() ?? null) : undefined;
  const psc: PscApp | undefined = deps.psc ? createPscApp({ ...deps.psc, gate, emit: deps.emit, ...(deps.journal ? { journal: deps.journal } : {}) }) : undefined;
  const setup = deps.setup ? accountSetupChannels({ ...deps.setup, ...(journal ? { journal } : {}) }) : {};
  const logout: Partial<CoreChannelHandlers> = {
    // « Se déconnecter » ends whichever session is open: PSC (revoked, journalled) and the card
    'session.logout': async () => {
      await psc?.logout();
      if (card) return card.channels['session.logout']({});
      return gate.lock('logout');
    },
  };

  const images = deps.mail && deps.images ? createImagesApp({ ...deps.images, store: deps.mail, settings: () => settings.read() }) : undefined;
  const facts = () => ({ storeProtection: deps.storeProtection?.() ?? null, imageSenders: images?.senders() ?? [] });

  const always: Partial<CoreChannelHandlers> = {
    'settings.get': async () => settings.read(),
    // the user's preferences only: the contract refuses a clinic rule, and so does SettingsFile (settings-policy.ts)
    'settings.set': async (patch) => {
      const before = settings.read();
      const after = settings.update(patch);
      const changes = settingsChanges(before, after);
      delete changes.clinic;
      if (Object.keys(changes).length) await journal?.record([{ action: 'settings.changed', data: { changes } }]);
      return after;
    },
    'settings.facts': async () => facts(),
    'settings.forgetImageSender': async ({ address }) => {
      if (!images) throw new AppError('SERVICE_UNAVAILABLE', 'remote images are not wired');
      images.forgetSender(address);
      await journal?.record([{ action: 'settings.changed', data: { changes: { remoteImagesSenderForgotten: true } } }]);
      return facts();
    },
    'session.state': async () => gate.state,
    'session.lock': async ({ reason }) => gate.lock(reason),
    'sync.status': async () => deps.sync?.status() ?? STOPPED,
    ...(deps.sync ? { 'sync.now': () => deps.sync!.syncNow() } : {}),
  };

  const mail = deps.mail ? createMailApp(deps.mail, journal, { dkim: deps.dkim, emit: deps.emit, ...(images ? { imagesChoice: images.choiceFor } : {}) }) : undefined;
  const compose = deps.mail ? createComposeApp(deps.mail, deps.me ?? (async () => undefined)) : undefined;
  const patientIdentity = deps.mail ? patientIdentityResolver(deps.mail) : undefined;
  const mailParts: Partial<CoreServices> = mail && compose && patientIdentity
    ? { ...mail.channels, ...compose.channels, 'compose.patient': async (source) => patientCheck(await patientIdentity(source), settings.read().patientDomain), attachmentContent: (ref, purpose) => mail.attachmentContent(ref, purpose), attachFile: (file) => compose.attachFile(file), printable: (ref, at) => mail.printable(ref, at), recordPrinted: (ref, target) => mail.recordPrinted(ref, target) }
    : {};
  gate.onChange((state) => {
    if (state.locked) {
      // Draft attachments are patient data held in memory: gone when the session locks.
      compose?.clear();
      void deps.sync?.stop?.();
    } else {
      void deps.sync?.start?.().catch(() => undefined);
      void send?.flush(); // what waited for the card goes now
    }
  });
  const trustParts = deps.trust ? trustChannels(deps.trust) : {};
  const send =
    deps.send && deps.mail && compose
      ? createSendApp({ outsidePolicy: () => settings.read().outsideTrustSpace, patientDomain: () => settings.read().patientDomain, ...(patientIdentity ? { patientIdentity } : {}), ...deps.send, ...(journal ? { journal } : {}), checkpoint: () => card?.checkpoint() ?? Promise.resolve(), emit: deps.emit, store: deps.mail, trust: deps.trust ?? (() => null), attachment: (id) => compose.attachment(id) })
      : undefined;

  const services = { ...unavailableServices(), ...always, ...card?.channels, ...setup, ...psc?.channels, ...logout, ...mailParts, ...images?.channels, ...trustParts, ...send?.channels, ...deps.extra } as CoreServices;
  return {
    services: guardLocked(services, gate),
    gate,
    settings,
    card,
    psc,
    compose,
    send,
    dispose: () => {
      card?.dispose();
      psc?.dispose();
    },
    close: async () => {
      psc?.dispose();
      await card?.close();
    },
  };
}
