// One professional's Pro Santé Connect session, in memory only: the access token
// never leaves this object except towards a mail server we verified (XOAUTH2),
// never to disk, logs, the journal or the renderer. The refresh token is kept in
// memory too (persisting it sealed is a setting, default off: not done here).
// Silent refresh `marginMs` before expiry; a refused refresh ends the session
// ('ended' with the reason), which the app journals and answers by locking.
import { EventEmitter } from 'node:events';
import { AppError } from '../errors/index.js';
import type { PscTokens } from './oidc.js';

export interface Refresher {
  refresh(refreshToken: string): Promise<PscTokens>;
  /** false when the provider could not be told */
  revoke?(token: string): Promise<boolean | void>;
}

export type SessionEndReason = 'refresh-refused' | 'expired' | 'logout';

export interface PscSessionStatus {
  loggedIn: boolean;
  subject?: string;
  /** ISO time the current access token expires */
  expiresAt?: string;
  silentRefresh: boolean;
  endedBecause?: SessionEndReason;
}

export class PscSession extends EventEmitter<{ ended: [SessionEndReason]; refreshed: [] }> {
  private tokens: PscTokens | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended: SessionEndReason | undefined;
  private refreshing: Promise<void> | undefined;
  /** lifetime of the current access token: the timer's margin never exceeds half of it */
  private lifetimeMs = Infinity;

  constructor(private readonly refresher: Refresher, private readonly opts: { marginMs?: number; now?: () => number } = {}) {
    super();
  }

  /** Installs the tokens of a successful login. */
  start(tokens: PscTokens): void {
    this.tokens = tokens;
    this.lifetimeMs = tokens.expiresAt - this.now();
    this.ended = undefined;
    this.schedule();
  }

  /** The current access token, refreshed first if it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.ended && this.ended !== 'logout') throw new AppError('PSC_SESSION_ENDED', `session ended: ${this.ended}`);
    if (!this.tokens) throw new AppError('PSC_NOT_LOGGED_IN', 'no Pro Santé Connect session');
    if (this.now() >= this.tokens.expiresAt - this.margin()) {
      try {
        await this.refreshNow();
      } catch (err) {
        // PSC unreachable for a moment (network, 5xx): a token still valid is still used, so a long sync
        // is not cut during the refresh margin; once it has expired, the error is the user's to see.
        if (this.tokens && this.now() < this.tokens.expiresAt) return this.tokens.accessToken;
        throw err;
      }
    }
    if (!this.tokens) throw new AppError('PSC_SESSION_ENDED', `session ended: ${this.ended ?? 'unknown'}`);
    return this.tokens.accessToken;
  }

  status(): PscSessionStatus {
    return {
      loggedIn: !!this.tokens,
      ...(this.tokens?.subject ? { subject: this.tokens.subject } : {}),
      ...(this.tokens ? { expiresAt: new Date(this.tokens.expiresAt).toISOString() } : {}),
      silentRefresh: !!this.tokens?.refreshToken,
      ...(this.ended ? { endedBecause: this.ended } : {}),
    };
  }

  /** Refreshes now (also what the timer does); ends the session if PSC refuses. */
  refreshNow(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * The refresh token, for sealing only (psc/refresh-vault.ts, when the account keeps it):
   * read again after each 'refreshed' since PSC may rotate it.
   */
  refreshTokenForSealing(): string | undefined {
    return this.tokens?.refreshToken;
  }

  /** Ends the session, then tells PSC (revocation); false when PSC could not be told (the session ends anyway). */
  async logout(): Promise<boolean> {
    const rt = this.tokens?.refreshToken;
    this.end('logout');
    if (!rt || !this.refresher.revoke) return true;
    return (await this.refresher.revoke(rt)) !== false;
  }

  private async doRefresh(): Promise<void> {
    const current = this.tokens;
    if (!current) return;
    if (!current.refreshToken) {
      if (this.now() >= current.expiresAt) this.end('expired');
      return;
    }
    try {
      const next = await this.refresher.refresh(current.refreshToken);
      this.tokens = { ...next, subject: next.subject ?? current.subject };
      this.lifetimeMs = next.expiresAt - this.now();
      this.schedule();
      this.emit('refreshed');
    } catch (err) {
      if (err instanceof AppError && err.code === 'PSC_SESSION_ENDED') {
        this.end('refresh-refused');
        return;
      }
      throw err; // network: the session stays, the next use retries
    }
  }

  private end(reason: SessionEndReason): void {
    clearTimeout(this.timer);
    this.tokens = undefined;
    this.ended = reason;
    this.emit('ended', reason);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.tokens) return;
    // a short-lived token (seconds on the bench) is refreshed by the timer at half its life, never in a loop
    const delay = Math.max(0, this.tokens.expiresAt - Math.min(this.margin(), this.lifetimeMs / 2) - this.now());
    this.timer = setTimeout(() => void this.refreshNow().catch(() => undefined), delay);
    this.timer.unref();
  }

  private margin(): number {
    return this.opts.marginMs ?? 30_000;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
