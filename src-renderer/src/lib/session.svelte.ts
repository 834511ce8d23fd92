// Card, session, sync and settings state shared by the window, kept in sync
// with main's events. Content is shown only while `session.locked` is false.
import type { AccountInfo, CardStatus, PscStatus, SessionState, Settings, SyncStatus } from '../../../src-main/ipc/contract.js';
import { api, call } from './api.js';

export const app = $state({
  card: { state: 'absent', pinpad: false } as CardStatus,
  session: { locked: true, reason: 'startup' } as SessionState,
  sync: { online: true, state: 'stopped', lastSyncAt: null } as SyncStatus,
  settings: {
    idleLockMinutes: 10,
    idleLockMaxMinutes: 240,
    maxSessionHours: 12,
    remoteImages: 'ask',
    groupThreads: false,
    readReceipts: 'ask',
    outsideTrustSpace: 'confirm',
    patientDomain: 'patient.mssante.fr',
    clinic: { outsideTrustSpace: 'default', maxSessionHours: 'default', patientDomain: 'default', idleLockMaxMinutes: 'default' },
  } as Settings,
  isolatedMessageView: false,
  /** null until asked; `configured: false` → the first-run screen */
  account: null as AccountInfo | null,
  psc: { available: false, loggedIn: false, silentRefresh: false, sealedAcrossRestarts: false } as PscStatus,
  /** a PSC login waiting on the phone (until `expiresAt`) or in the browser */
  pscPending: null as { method: 'ciba' | 'browser'; expiresAt?: string | undefined } | null,
  ready: false,
  /** per-folder progress of the passes seen since start (the first-sync screen lists them) */
  syncFolders: [] as { name: string; done: number; total: number }[],
});

function folderProgress(p: { folderName: string; done: number; total: number }): void {
  const i = app.syncFolders.findIndex((f) => f.name === p.folderName);
  const entry = { name: p.folderName, done: p.done, total: p.total };
  if (i < 0) app.syncFolders.push(entry);
  else app.syncFolders[i] = entry;
}

export async function refreshAccount(): Promise<void> {
  const m = api();
  const [account, psc] = await Promise.allSettled([call(m.account.get()), call(m.psc.status())]);
  if (account.status === 'fulfilled') app.account = account.value;
  if (psc.status === 'fulfilled') app.psc = psc.value;
}

export async function refreshSettings(): Promise<void> {
  try {
    app.settings = await call(api().settings.get());
  } catch {
    // the last known settings stay; main applies its own anyway
  }
}

export async function refreshCard(): Promise<void> {
  try {
    app.card = await call(api().card.status());
  } catch {
    app.card = { state: 'unavailable', pinpad: false };
  }
}

export async function start(): Promise<void> {
  const m = api();
  m.on('card.inserted', (s) => (app.card = s));
  m.on('card.changed', (s) => (app.card = s));
  m.on('card.removed', () => void refreshCard());
  m.on('session.changed', (s) => {
    app.session = s;
    // the clinic's rules may have changed while locked (`mssante policy set`): what applies is read again
    if (!s.locked) void refreshSettings();
  });
  m.on('sync.status', (s) => (app.sync = s));
  m.on('psc.changed', (s) => (app.psc = s));
  m.on('psc.pending', (p) => (app.pscPending = p));
  m.on('sync.progress', (p) => {
    app.sync = { ...app.sync, state: 'syncing', progress: p };
    folderProgress(p);
  });
  const [session, settings, info, sync] = await Promise.allSettled([
    call(m.session.state()),
    call(m.settings.get()),
    call(m.app.info()),
    call(m.sync.status()),
  ]);
  if (session.status === 'fulfilled') app.session = session.value;
  if (settings.status === 'fulfilled') app.settings = settings.value;
  if (info.status === 'fulfilled') app.isolatedMessageView = info.value.isolatedMessageView;
  if (sync.status === 'fulfilled') app.sync = sync.value;
  await Promise.all([refreshCard(), refreshAccount()]);
  app.ready = true;
}

/** Locks after `idleLockMinutes` without keyboard or pointer input (main also locks on OS idle). */
export function watchIdle(): () => void {
  let last = Date.now();
  const touch = () => (last = Date.now());
  const events = ['keydown', 'pointerdown', 'pointermove', 'wheel'] as const;
  for (const e of events) window.addEventListener(e, touch, { passive: true });
  const timer = setInterval(() => {
    if (!app.session.locked && Date.now() - last > app.settings.idleLockMinutes * 60_000) {
      void call(api().session.lock({ reason: 'idle' })).then((s) => (app.session = s), () => undefined);
    }
  }, 5_000);
  return () => {
    clearInterval(timer);
    for (const e of events) window.removeEventListener(e, touch);
  };
}
