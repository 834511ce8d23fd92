// The card as the rest of the application sees it: an async API over the card
// host process, with insertion/removal events and sessions that end when their
// card goes away. Never retries a PIN; after a host crash the user logs in again.
import { EventEmitter } from 'node:events';
import { AppError } from '../errors/index.js';
import { forkCardHost, type CardHostLauncher, type CardHostProcess } from './host-launcher.js';
import { identityFromCertificate, pickAuthenticationCertificate, type CardIdentity } from './identity.js';
import { offersPss, pinStateFromFlags, signatureMechanismNames, type PinState } from './pkcs11-facts.js';
import type { CardEvent, CardRequest, CardResults, HostMessage, ModuleInfo, RawCertificate, RawSlot } from './protocol.js';
import type { SignPlan } from './signature-schemes.js';
import { isCpsPinFormat } from '../rules/cps.js';

/** One reader and what is in it, ready for display (`mssante card status`). */
export interface CardToken {
  slot: string;
  reader: string;
  present: boolean;
  label: string | null;
  serial: string | null;
  cardType: CardIdentity['cardType'] | null;
  holder: CardIdentity['holder'];
  certificate: CardIdentity['certificate'] | null;
  pin: PinState | null;
  /** RSA signature mechanisms offered, e.g. CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS(, CKM_RSA_PKCS_PSS) */
  mechanisms: string[];
  pss: boolean;
  /** not serialised to users: what login and signing need */
  readonly internal?: { mechanismIds: number[]; authCertificate: RawCertificate | null };
}

export interface CardServiceOptions {
  /** explicit PKCS#11 module (setting / --pkcs11-module / env); otherwise discovery */
  modulePath?: string | undefined;
  launcher?: CardHostLauncher;
  pollIntervalMs?: number;
  /** a request without answer for that long means a hung card: the host is restarted */
  requestTimeoutMs?: number;
  /** login may wait for the user to type on a pinpad */
  loginTimeoutMs?: number;
  /** a host process that is not ready by then is replaced (process start is not card time) */
  startupTimeoutMs?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout | undefined };

export interface CardServiceEvents {
  inserted: [CardEvent & { type: 'inserted' }];
  removed: [CardEvent & { type: 'removed' }];
  sessionEnded: [CardEvent & { type: 'sessionEnded' }];
  unavailable: [{ detail: string }];
}

export class CardService extends EventEmitter<CardServiceEvents> {
  private host: CardHostProcess | null = null;
  private opening: Promise<ModuleInfo> | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly liveSessions = new Set<string>();
  private nextId = 1;
  private closed = false;
  private watchers = 0;
  /** request timers start once the host is ready: a slow process start is not a hung card */
  private hostReady = false;
  private readyWaiters: (() => void)[] = [];
  private readonly opts: Required<Omit<CardServiceOptions, 'modulePath'>> & { modulePath: string | undefined };

  constructor(options: CardServiceOptions = {}) {
    super();
    this.opts = {
      modulePath: options.modulePath,
      launcher: options.launcher ?? forkCardHost,
      pollIntervalMs: options.pollIntervalMs ?? 500,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      loginTimeoutMs: options.loginTimeoutMs ?? 120_000,
      startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
    };
  }

  /** Process id of the current card host (tests, diagnostics). */
  get hostPid(): number | undefined {
    return this.host?.pid;
  }

  /** Loads the module (in the host); restarts a crashed host. */
  open(): Promise<ModuleInfo> {
    if (this.closed) return Promise.reject(new AppError('CARD_UNAVAILABLE', 'card service closed'));
    if (!this.opening) {
      this.startHost();
      const host = this.host;
      this.opening = this.send({ op: 'open', modulePath: this.opts.modulePath, pollIntervalMs: this.opts.pollIntervalMs }, this.opts.requestTimeoutMs);
      // No module (or a broken one): reported to the caller, not retried in a loop.
      this.opening.catch(() => {
        if (this.host === host) this.stopHost('open failed', false);
      });
    }
    return this.opening;
  }

  async tokens(): Promise<CardToken[]> {
    await this.open();
    const slots = await this.send({ op: 'slots' }, this.opts.requestTimeoutMs);
    return slots.map(describeSlot);
  }

  /**
   * The card to use: the one matching `ref` (label or serial), or the only
   * card present. CARD_NOT_PRESENT / CARD_TOKEN_AMBIGUOUS otherwise.
   */
  async selectToken(ref?: string): Promise<CardToken> {
    const cards = (await this.tokens()).filter((t) => t.present && t.label !== null);
    const matches = ref ? cards.filter((t) => t.label === ref || t.serial === ref) : cards;
    if (matches.length === 1) return matches[0] as CardToken;
    if (matches.length === 0) throw new AppError('CARD_NOT_PRESENT', ref ? `no card labelled or numbered "${ref}"` : 'no card in any reader', { data: { token: ref ?? null } });
    throw new AppError('CARD_TOKEN_AMBIGUOUS', `${matches.length} cards present`, { data: { tokens: matches.map((t) => t.label) } });
  }

  /**
   * One login attempt. `pin` is wiped here once handed over (null on a pinpad
   * reader: the user types it there). Failure: CARD_PIN_INCORRECT with the
   * token's state after the attempt in `data` — and no second attempt.
   */
  async login(token: CardToken, pin: Buffer | null): Promise<CardSession> {
    try {
      // never spend a try on a PIN that cannot be a CPS PIN (" 1234 " typed with spaces)
      if (pin && pin.length > 0 && !isCpsPinFormat(pin)) {
        throw new AppError('CARD_PIN_FORMAT', 'PIN is not 4 to 8 digits: not sent to the card', { data: { attempted: false } });
      }
      const cert = token.internal?.authCertificate;
      if (!token.present || !token.serial || !token.internal) throw new AppError('CARD_NOT_PRESENT', 'no card in this reader');
      if (!cert) throw new AppError('CARD_NO_CERTIFICATE', 'no authentication certificate on the card');
      await this.open(); // the PIN copy below is wiped right after sending: the host must be there now
      const request: CardRequest = { op: 'login', slot: token.slot, serial: token.serial, keyIdHex: cert.idHex, pin: pin ? new Uint8Array(pin) : null };
      const sent = this.send(request, this.opts.loginTimeoutMs);
      if (request.pin) request.pin.fill(0); // the host got its own copy at send time
      const result = await sent;
      this.liveSessions.add(result.sessionId);
      return new CardSession(this, token, result.sessionId, result.alwaysAuthenticate, cert.der);
    } finally {
      pin?.fill(0);
    }
  }

  /** @internal used by CardSession */
  signRaw(sessionId: string, plan: SignPlan, pin: Buffer | null): Promise<Uint8Array> {
    if (!this.liveSessions.has(sessionId)) {
      pin?.fill(0);
      return Promise.reject(new AppError('CARD_REMOVED', 'card session has ended'));
    }
    if (pin && pin.length > 0 && !isCpsPinFormat(pin)) {
      pin.fill(0);
      return Promise.reject(new AppError('CARD_PIN_FORMAT', 'PIN is not 4 to 8 digits: not sent to the card', { data: { attempted: false } }));
    }
    const request: CardRequest = { op: 'sign', sessionId, plan, ...(pin ? { pin: new Uint8Array(pin) } : {}) };
    const sent = this.send(request, pin ? this.opts.loginTimeoutMs : this.opts.requestTimeoutMs);
    if (request.pin) request.pin.fill(0);
    pin?.fill(0);
    return sent;
  }

  /** @internal */
  async logoutSession(sessionId: string): Promise<void> {
    if (!this.liveSessions.has(sessionId)) return;
    await this.send({ op: 'logout', sessionId }, this.opts.requestTimeoutMs);
  }

  isLive(sessionId: string): boolean {
    return this.liveSessions.has(sessionId);
  }

  /**
   * Keeps the host (and so the process) alive for insertion/removal events
   * until the returned function is called; restarts a crashed host meanwhile.
   */
  async watch(): Promise<() => void> {
    this.watchers++;
    this.updateKeepAlive();
    await this.open();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers--;
      this.updateKeepAlive();
    };
  }

  private updateKeepAlive(): void {
    this.host?.keepAlive(this.pending.size > 0 || this.watchers > 0);
  }

  /** Ends the host (and with it every card session). */
  close(): void {
    this.closed = true;
    this.stopHost('closed');
  }

  private startHost(): void {
    const host = this.opts.launcher();
    this.host = host;
    this.hostReady = false;
    this.readyWaiters = [];
    const startup = setTimeout(() => {
      if (this.host === host && !this.hostReady) this.stopHost(`card host not ready within ${this.opts.startupTimeoutMs} ms`);
    }, this.opts.startupTimeoutMs);
    startup.unref();
    host.port.onMessage((m) => {
      if (m.kind === 'ready' && this.host === host) {
        clearTimeout(startup);
        this.hostReady = true;
        for (const arm of this.readyWaiters.splice(0)) arm();
      }
      this.onHostMessage(m);
    });
    host.onExit((detail) => {
      if (this.host === host) this.hostLost(`card host ended (${detail})`);
    });
  }

  private stopHost(reason: string, recover = true): void {
    const host = this.host;
    if (!host) return;
    this.hostLost(reason, recover);
    host.kill();
  }

  /** Everything in flight fails as CARD_UNAVAILABLE; every session ends; the next call starts a new host. */
  private hostLost(detail: string, recover = true): void {
    this.host = null;
    this.opening = null;
    this.hostReady = false;
    this.readyWaiters = [];
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new AppError('CARD_UNAVAILABLE', detail));
      this.pending.delete(id);
    }
    for (const sessionId of this.liveSessions) this.emit('sessionEnded', { type: 'sessionEnded', sessionId, reason: 'unavailable' });
    this.liveSessions.clear();
    if (this.closed || !recover) return;
    this.emit('unavailable', { detail });
    // Someone is watching: bring a new host up (never logging in again: that needs the user).
    if (this.watchers > 0) {
      setTimeout(() => {
        if (!this.closed && !this.host && this.watchers > 0) this.open().catch(() => undefined);
      }, 1000).unref();
    }
  }

  private onHostMessage(m: HostMessage): void {
    if (m.kind === 'event') {
      const e = m.event;
      if (e.type === 'sessionEnded') {
        if (!this.liveSessions.delete(e.sessionId)) return;
        this.emit('sessionEnded', e);
      } else if (e.type === 'inserted') this.emit('inserted', e);
      else this.emit('removed', e);
      return;
    }
    if (m.kind !== 'response') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    this.updateKeepAlive();
    if (m.ok) p.resolve(m.result);
    else p.reject(new AppError(m.error.code, m.error.detail, { data: m.error.data }));
  }

  private send<K extends CardRequest['op']>(request: Extract<CardRequest, { op: K }>, timeoutMs: number): Promise<CardResults[K]> {
    if (!this.host) {
      // Never defer a request carrying a PIN: its bytes are wiped as soon as send() returns.
      if (request.op !== 'open' && !('pin' in request && request.pin)) return this.open().then(() => this.send(request, timeoutMs));
      return Promise.reject(new AppError('CARD_UNAVAILABLE', 'card host not running'));
    }
    const host = this.host;
    const id = this.nextId++;
    return new Promise<CardResults[K]>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject, timer: undefined };
      const arm = (): void => {
        pending.timer = setTimeout(() => {
          // A card that does not answer: restart the host rather than wait forever.
          if (this.host === host) this.stopHost(`card did not answer ${request.op} within ${timeoutMs} ms`);
        }, timeoutMs);
        pending.timer.unref();
      };
      if (this.hostReady) arm();
      else this.readyWaiters.push(arm);
      this.pending.set(id, pending);
      this.updateKeepAlive();
      host.port.postMessage({ id, ...request });
    });
  }
}

function describeSlot(s: RawSlot): CardToken {
  const base = { slot: s.slot, reader: s.reader, present: s.present && s.token !== null };
  if (!s.token) {
    return { ...base, present: false, label: null, serial: null, cardType: null, holder: null, certificate: null, pin: null, mechanisms: [], pss: false };
  }
  const t = s.token;
  const auth = pickAuthenticationCertificate(t.certificates);
  let identity: CardIdentity | null;
  try {
    identity = auth ? identityFromCertificate(auth.der) : null;
  } catch {
    identity = null; // unreadable certificate: shown as a card without identity
  }
  const token: CardToken = {
    ...base,
    label: t.label,
    serial: t.serial,
    cardType: identity?.cardType ?? null,
    holder: identity?.holder ?? null,
    certificate: identity?.certificate ?? null,
    pin: pinStateFromFlags(t.flags),
    mechanisms: signatureMechanismNames(t.mechanisms),
    pss: offersPss(t.mechanisms),
  };
  // Not enumerable: JSON output and IPC copies carry only the display facts.
  Object.defineProperty(token, 'internal', { value: { mechanismIds: t.mechanisms, authCertificate: auth }, enumerable: false });
  return token;
}

/** A logged-in card. Ends when the card is removed, on logout, or if the host dies. */
export class CardSession {
  constructor(
    private readonly service: CardService,
    readonly token: CardToken,
    readonly id: string,
    readonly alwaysAuthenticate: boolean,
    readonly certificateDer: Uint8Array,
  ) {}

  get ended(): boolean {
    return !this.service.isLive(this.id);
  }

  get mechanisms(): number[] {
    return this.token.internal?.mechanismIds ?? [];
  }

  sign(plan: SignPlan, pin: Buffer | null = null): Promise<Uint8Array> {
    return this.service.signRaw(this.id, plan, pin);
  }

  logout(): Promise<void> {
    return this.service.logoutSession(this.id);
  }
}
