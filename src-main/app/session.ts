// The session lock: content is hidden until the card holder proves presence
// (PIN login, or a Pro Santé Connect login for a PSC account), and again after card removal, idle timeout, the OS lock screen or
// a user request. While locked, only card/session/status channels answer;
// everything else fails with SESSION_LOCKED, whatever the renderer shows.
import { AppError } from '../errors/index.js';
import type { CoreChannel, SessionState } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import type { CoreServices } from './services.js';

export type LockReason = NonNullable<SessionState['reason']>;

/** Channels that work while the session is locked: what the lock screen needs. */
export const OPEN_WHEN_LOCKED: ReadonlySet<CoreChannel> = new Set<CoreChannel>([
  'card.status',
  'session.state',
  'session.lock',
  'session.unlock',
  'session.logout',
  // the store key and the journal are signed while locked (login, lock): their PIN prompt answers too
  'card.signaturePinAnswer',
  'card.signaturePinCancel',
  'sync.status',
  'settings.get',
  // first run (nothing to unlock yet; account.create refuses once an account exists) and the PSC login
  'account.get',
  'account.discover',
  'account.create',
  'psc.status',
  'psc.loginCiba',
  'psc.loginBrowser',
  'psc.resume',
  // refused unless a card-less login is waiting for the store's recovery code (psc-app.ts)
  'psc.recoveryUnlock',
  'psc.cancel',
]);

export class SessionGate {
  private current: SessionState = { locked: true, reason: 'startup' };
  private readonly listeners = new Set<(state: SessionState) => void>();

  constructor(private readonly emit: EventSink) {}

  /** Called on every change (the shell hides message content on lock). */
  onChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.emit('session.changed', this.state);
    for (const listener of this.listeners) listener(this.state);
  }

  get state(): SessionState {
    return { ...this.current };
  }

  get locked(): boolean {
    return this.current.locked;
  }

  lock(reason: LockReason): SessionState {
    if (!this.current.locked) {
      this.current = { locked: true, reason };
      this.changed();
    }
    return this.state;
  }

  /** Only after a successful card login or Pro Santé Connect login. */
  unlock(): SessionState {
    if (this.current.locked) {
      this.current = { locked: false };
      this.changed();
    }
    return this.state;
  }

  assertUnlocked(): void {
    if (this.current.locked) throw new AppError('SESSION_LOCKED', 'the session is locked');
  }
}

/** Wraps the facade so every method outside OPEN_WHEN_LOCKED refuses while locked. */
export function guardLocked(services: CoreServices, gate: SessionGate): CoreServices {
  const guarded: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(services) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    guarded[name] = OPEN_WHEN_LOCKED.has(name as CoreChannel)
      ? fn
      : async (...args: unknown[]) => {
          gate.assertUnlocked();
          return fn(...args);
        };
  }
  return guarded as unknown as CoreServices;
}
