// Pro Santé Connect in the window: the lock screen's second way in, for an account
// whose servers take XOAUTH2. CIBA (e-CPS on the phone, RPPS typed or read from the
// card) or code + PKCE in the system browser (the shell's `openExternal`; the
// loopback redirect is the core's, psc/oidc.ts). A successful login unlocks the
// session gate like a PIN login does; the access token stays inside PscSession and
// is only handed to the mail connections (sync-target.ts), never to the renderer.
// A refused refresh ends the session: journalled, the window locks ('psc-ended')
// and the lock screen asks to log in again. When the account keeps its session
// (keepRefreshToken), the refresh token is sealed under the store key
// (psc/refresh-vault.ts) after each login and refresh, and `psc.resume` reopens it
// after a restart without a new validation, until PSC refuses it (then erased).
import type { AccountConfig, PscAuth } from '../accounts/account.js';
import type { JournalPort } from '../audit/port.js';
import { AppError } from '../errors/index.js';
import type { PscStatus, SessionState } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import { PscClient, PscSession, pscClientOptions, eraseRefreshToken, openRefreshToken, refreshVaultFile, sealRefreshToken, type PscTokens, type SessionEndReason } from '../psc/index.js';
import type { SessionGate } from './session.js';
import type { CoreChannelHandlers } from './services.js';
import { RECOVERABLE_BY_CODE } from './store-key-plan.js';

type PscChannels = Pick<CoreChannelHandlers, 'psc.status' | 'psc.loginCiba' | 'psc.loginBrowser' | 'psc.resume' | 'psc.recoveryUnlock' | 'psc.cancel'>;

export interface PscAppOptions {
  gate: SessionGate;
  emit: EventSink;
  /** the data folder's account (card first, else PSC): PSC is offered when it is a PSC account */
  account: () => Promise<AccountConfig | undefined>;
  /** opens the authorization URL in the system browser (Electron `shell.openExternal`); none: no browser login */
  openExternal?: (url: string) => Promise<void>;
  journal?: JournalPort;
  /** environment the client secret is read from (by the name the account gives) */
  env?: NodeJS.ProcessEnv;
  /** data folder and store key: where and under what a kept session is sealed (keepRefreshToken) */
  home?: string;
  storeKey?: () => Promise<Buffer>;
  /** Opens the card-bound store for a card-less session (the app; app/core.ts unlockStore(null)) before the vault or the mailbox is used. */
  openStore?: () => Promise<void>;
  /** Opens that store with its recovery code (core.unlockStoreWithRecovery): one try, the code never kept. */
  openStoreWithRecovery?: (code: string) => Promise<void>;
  /** The data folder's keyring has a recovery wrap (the lock screen may ask for the code). */
  storeRecoverable?: () => boolean;
}

export interface PscApp {
  channels: PscChannels;
  /** The current access token, for XOAUTH2 (refreshed when near expiry); PSC_NOT_LOGGED_IN without a session. */
  accessToken(): Promise<string>;
  loggedIn(): boolean;
  /** the professional acting (journal actor) */
  subject(): string | undefined;
  /** « Se déconnecter »: ends the session (revoked at PSC, journalled). */
  logout(): Promise<void>;
  /** Refreshes now (what the timer does before expiry); tests and the shell's resume use it. */
  refreshNow(): Promise<void>;
  dispose(): void;
}

function pscAuthOf(account: AccountConfig | undefined): PscAuth {
  if (!account) throw new AppError('ACCOUNT_NOT_FOUND', 'no account in the data folder');
  if (account.auth.kind !== 'psc') throw new AppError('PSC_NOT_LOGGED_IN', `${account.address} does not use Pro Santé Connect`);
  return account.auth;
}

export function createPscApp(o: PscAppOptions): PscApp {
  let session: PscSession | undefined;
  let address: string | undefined;
  /** who the session is for (kept after it ends, for the journal) */
  let who: string | null = null;
  let lastEnd: SessionEndReason | undefined;
  let waiting: AbortController | undefined;
  let client: { key: string; client: Promise<PscClient> } | undefined;
  /** the local bookkeeping of the last end (journal, erasing the kept copy): done before a logout returns and the store closes */
  let endWork: Promise<unknown> = Promise.resolve();
  /** telling PSC at the last « Se déconnecter » (PscStatus.revocation) */
  let revocation: 'pending' | 'done' | 'failed' | undefined;
  /** a card-less login whose store waits for the recovery code (psc.recoveryUnlock); not the session yet */
  let awaitingStore: { session: PscSession; account: AccountConfig; method: 'ciba' | 'browser' | 'resume' } | undefined;
  const record = (records: Parameters<JournalPort['record']>[0]): Promise<void> => o.journal?.record(records).catch(() => undefined) ?? Promise.resolve();

  const clientFor = (auth: PscAuth): Promise<PscClient> => {
    const key = `${auth.issuer} ${auth.clientId} ${auth.scope} ${auth.clientCertFile ?? ''}`;
    if (client?.key !== key) {
      // the secret or the organisation certificate (RFC 8705), read at use from the environment
      const c = pscClientOptions(auth, o.env ?? process.env).then((options) =>
        PscClient.discover({ issuer: auth.issuer, clientId: auth.clientId, scope: auth.scope, keepRefreshToken: false }, options));
      client = { key, client: c };
      c.catch(() => (client = undefined)); // discovery is tried again at the next login
    }
    return client.client;
  };

  /** The sealed-session file of a keeping account, with the store key; undefined when the account does not keep it. */
  const vault = async <T>(account: AccountConfig | undefined, fn: (file: string, key: Buffer) => T): Promise<T | undefined> => {
    if (account?.auth.kind !== 'psc' || !account.auth.keepRefreshToken || !o.home || !o.storeKey) return undefined;
    const key = await o.storeKey();
    try {
      return fn(refreshVaultFile(o.home!, account.address), key);
    } finally {
      key.fill(0);
    }
  };
  const seal = (s: PscSession, account: AccountConfig): Promise<void> =>
    vault(account, (file, key) => {
      const rt = s.refreshTokenForSealing();
      if (rt) sealRefreshToken(file, key, account.address, { refreshToken: rt, ...(who ? { subject: who } : {}) });
    }).then(() => undefined, () => undefined);

  const status = async (): Promise<PscStatus> => {
    const account = await o.account().catch(() => undefined);
    const available = account?.auth.kind === 'psc';
    const s = session?.status();
    const kept = await vault(account, (file, key) => openRefreshToken(file, key, account!.address) !== undefined).catch(() => false);
    return {
      available,
      loggedIn: s?.loggedIn ?? false,
      ...(s?.subject ? { subject: s.subject } : {}),
      ...(s?.expiresAt ? { expiresAt: s.expiresAt } : {}),
      silentRefresh: s?.silentRefresh ?? false,
      ...(lastEnd ? { endedBecause: lastEnd } : {}),
      sealedAcrossRestarts: kept ?? false,
      ...(revocation ? { revocation } : {}),
      ...(awaitingStore ? { storeNeedsRecoveryCode: true } : {}),
    };
  };
  const changed = (): void => void status().then((s) => o.emit('psc.changed', s), () => undefined);

  const onEnded = (ended: PscSession) => (reason: SessionEndReason): void => {
    if (awaitingStore?.session === ended) {
      // PSC ended the login waiting for the recovery code: nothing to open any more
      awaitingStore = undefined;
      changed();
      return;
    }
    if (session !== ended) return;
    lastEnd = reason;
    // the kept copy goes with the session (refused by PSC, or « Se déconnecter »)
    const erased = o.account().then((a) => vault(a, (file) => eraseRefreshToken(file))).catch(() => undefined);
    const recorded = record([{ action: 'psc.session_ended', data: { account: address ?? null, subject: who, reason }, actor: who }]);
    endWork = Promise.all([erased, recorded]);
    // the doctor must log in again: nothing stays readable behind a session PSC refused
    if (reason !== 'logout') o.gate.lock('psc-ended');
    // the status says "kept" until the sealed copy is really gone (the lock screen offers no stale resume)
    void erased.then(changed);
  };

  /** Drops the login waiting for the recovery code (cancel, a new login): logged out at PSC. */
  const dropAwaiting = async (): Promise<void> => {
    const w = awaitingStore;
    awaitingStore = undefined;
    if (!w) return;
    w.session.removeAllListeners();
    await w.session.logout().catch(() => undefined);
  };

  const begin = async (tokens: PscTokens, psc: PscClient, account: AccountConfig, method: 'ciba' | 'browser' | 'resume'): Promise<SessionState> => {
    const previous = session;
    session = undefined;
    previous?.removeAllListeners();
    await previous?.logout().catch(() => undefined);
    await dropAwaiting();
    const next = new PscSession(psc);
    next.on('ended', onEnded(next));
    next.on('refreshed', () => void seal(next, account)); // PSC may rotate the refresh token
    next.start(tokens);
    address = account.address;
    lastEnd = undefined;
    revocation = undefined;
    who = tokens.subject ?? null;
    try {
      await o.openStore?.();
    } catch (err) {
      // The keychain cannot open this store (a recovery-only keyring, a keychain wrap this OS profile
      // lost): the doctor may type the store's recovery code — a deliberate act on the lock screen,
      // never tried automatically. Until then the login waits here, not as the session.
      if (err instanceof AppError && RECOVERABLE_BY_CODE.has(err.code) && o.openStoreWithRecovery && o.storeRecoverable?.()) {
        awaitingStore = { session: next, account, method };
        changed();
        return o.gate.state;
      }
      // no store for this session (e.g. the keychain refused): nothing stays logged in behind a locked window
      next.removeAllListeners();
      await next.logout().catch(() => undefined);
      throw err;
    }
    return established(next, account, method);
  };

  /** The store is open: the login becomes the session and the gate opens. */
  const established = async (next: PscSession, account: AccountConfig, method: 'ciba' | 'browser' | 'resume'): Promise<SessionState> => {
    session = next;
    await seal(next, account);
    await record([{ action: 'psc.login', data: { account: account.address, subject: who, method }, actor: who }]);
    o.gate.unlock();
    changed();
    return o.gate.state;
  };

  /** One login at a time; `psc.cancel` aborts the wait. */
  const login = async (method: 'ciba' | 'browser', run: (psc: PscClient, signal: AbortSignal) => Promise<PscTokens>): Promise<SessionState> => {
    const account = await o.account();
    const auth = pscAuthOf(account);
    waiting?.abort();
    const ctl = new AbortController();
    waiting = ctl;
    try {
      const psc = await clientFor(auth);
      const tokens = await run(psc, ctl.signal);
      if (ctl.signal.aborted) throw new AppError('PSC_LOGIN_FAILED', 'login cancelled');
      return await begin(tokens, psc, account!, method);
    } finally {
      if (waiting === ctl) waiting = undefined;
    }
  };

  return {
    channels: {
      'psc.status': () => status(),
      'psc.loginCiba': ({ rpps }) =>
        login('ciba', (psc, signal) =>
          psc.loginCiba(rpps, ({ expiresInS }) => o.emit('psc.pending', { method: 'ciba', expiresAt: new Date(Date.now() + expiresInS * 1000).toISOString() }), signal)),
      'psc.loginBrowser': () => {
        const open = o.openExternal;
        if (!open) return Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'no system browser to open'));
        return login('browser', (psc, signal) =>
          psc.loginBrowser(async (url) => {
            o.emit('psc.pending', { method: 'browser' });
            await open(url);
          }, signal));
      },
      'psc.resume': async () => {
        const account = await o.account();
        const auth = pscAuthOf(account);
        await o.openStore?.(); // the kept session is sealed under the store key
        const kept = await vault(account, (file, key) => openRefreshToken(file, key, account!.address));
        if (!kept) throw new AppError('PSC_NOT_LOGGED_IN', 'no kept Pro Santé Connect session');
        const psc = await clientFor(auth);
        let tokens: PscTokens;
        try {
          tokens = await psc.refresh(kept.refreshToken);
        } catch (err) {
          if (err instanceof AppError && err.code === 'PSC_SESSION_ENDED') {
            await vault(account, (file) => eraseRefreshToken(file));
            lastEnd = 'refresh-refused';
            await record([{ action: 'psc.session_ended', data: { account: account!.address, subject: kept.subject ?? null, reason: 'refresh-refused' }, actor: kept.subject ?? null }]);
            changed();
          }
          throw err;
        }
        return begin({ ...tokens, ...(tokens.subject ?? kept.subject ? { subject: tokens.subject ?? kept.subject } : {}) }, psc, account!, 'resume');
      },
      'psc.recoveryUnlock': async ({ code }) => {
        const w = awaitingStore;
        if (!w || !o.openStoreWithRecovery) throw new AppError('PSC_NOT_LOGGED_IN', 'no card-less login waits for the store recovery code');
        // one try: a wrong code leaves the login waiting for the doctor's next deliberate try
        await o.openStoreWithRecovery(code);
        if (awaitingStore !== w) throw new AppError('PSC_NOT_LOGGED_IN', 'the waiting login was dropped meanwhile');
        awaitingStore = undefined;
        return established(w.session, w.account, w.method);
      },
      'psc.cancel': async () => {
        const w = waiting;
        w?.abort();
        const dropped = awaitingStore !== undefined;
        await dropAwaiting();
        if (dropped) changed();
        return { cancelled: w !== undefined || dropped };
      },
    },
    accessToken: async () => {
      if (!session) throw new AppError('PSC_NOT_LOGGED_IN', 'no Pro Santé Connect session');
      return session.accessToken();
    },
    loggedIn: () => session?.status().loggedIn ?? false,
    subject: () => session?.status().subject,
    logout: async () => {
      waiting?.abort();
      await dropAwaiting();
      const s = session;
      if (!s) return;
      // The local session ends now ('ended' with 'logout': onEnded journals it and erases the kept
      // copy, awaited below while the store is still open); telling PSC (revocation, up to
      // openid-client's 30 s timeout when PSC is slow) goes on behind, so the window locks at once.
      revocation = 'pending';
      void s.logout().then(
        (told) => {
          // not after a new login meanwhile (begin resets it)
          if (revocation !== 'pending') return;
          revocation = told ? 'done' : 'failed';
          changed();
        },
        () => undefined,
      );
      await endWork;
    },
    refreshNow: async () => {
      await session?.refreshNow();
    },
    dispose: () => {
      waiting?.abort();
      session?.removeAllListeners();
      awaitingStore?.session.removeAllListeners();
    },
  };
}
