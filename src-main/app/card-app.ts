// Card and session channels of the facade over the card module's CardService:
// status for the lock screen, ONE login attempt per user action (never
// retried), lock on card removal or when the card session ends. While the card
// session is open, the card signs the journal head (after the PIN login, when
// the session locks, at quit), like `mssante sync` does at its end.
import { AppError, isAppError } from '../errors/index.js';
import { CardSigner, type CardService, type CardSession, type CardToken } from '../card/index.js';
import type { PinState as CardPinState } from '../card/pkcs11-facts.js';
import type { CardStatus } from '../ipc/contract.js';
import type { EventSink } from '../ipc/dispatch.js';
import type { SessionGate } from './session.js';
import type { CoreChannelHandlers } from './services.js';
import type { JournalPort } from '../audit/port.js';
import { cardFacts, pinFailureRecords } from '../audit/records.js';
import { createSignaturePinBroker, type SignaturePurpose } from './signature-pin.js';

type CardChannels = Pick<CoreChannelHandlers, 'card.status' | 'session.state' | 'session.lock' | 'session.unlock' | 'session.logout' | 'card.signaturePinAnswer' | 'card.signaturePinCancel'>;

function pinLabel(pin: CardPinState | null | undefined): CardStatus['pinState'] {
  if (!pin) return undefined;
  if (pin.locked) return 'locked';
  if (pin.finalTry) return 'final-try';
  if (pin.countLow) return 'count-low';
  return 'ok';
}

/** What the lock screen shows for a token (no PIN needed: read from the certificate). */
function statusOfToken(token: CardToken | undefined, loggedIn: boolean): CardStatus {
  if (!token) return { state: 'absent', pinpad: false };
  const holder = token.holder
    ? { name: `${token.holder.firstName} ${token.holder.lastName}`.trim(), profession: token.holder.profession || undefined, rpps: token.holder.rpps ?? undefined }
    : undefined;
  return {
    state: loggedIn ? 'logged-in' : 'present',
    ...(holder ? { holder } : {}),
    pinState: pinLabel(token.pin),
    pinpad: token.pin?.protectedPath ?? false,
  };
}

export interface CardApp {
  channels: CardChannels;
  /** The logged-in card session (the TLS signer of sync and sending), if any. */
  currentSession(): CardSession | undefined;
  /**
   * The CardSigner's `pinForSignature` for a key that demands the PIN for every signature: asked in
   * the window (signature-pin.ts), one try, never retried.
   */
  pinFor(purpose: SignaturePurpose): () => Promise<Buffer>;
  /**
   * Signs the journal head with the open card session (end of a sync pass, after a send);
   * nothing without a session. Never throws.
   */
  checkpoint(): Promise<void>;
  /** Resolves once the journal checkpoint being signed, if any, is written (or has failed). */
  settled(): Promise<void>;
  /** Quit: a last checkpoint while the card session is still open, then dispose. */
  close(): Promise<void>;
  dispose(): void;
}

export interface CardAppOptions {
  /** Label or serial of the card to use when several are present. */
  tokenRef?: string;
  /** The access journal: login, logout, PIN failures and lock are recorded. */
  journal?: JournalPort;
  /** How long the window has to answer a signature PIN request (default SIGNATURE_PIN_TIMEOUT_MS). */
  signaturePinTimeoutMs?: number;
  /** Maximum card session length (settings `maxSessionHours`); then the session ends and the PIN is asked again. */
  maxSessionMs?: () => number;
  /**
   * Opens the card-bound store with the session just logged in (app/core.ts), before the gate opens:
   * one PIN entry opens both. A failure (another card's store, a PSS-only card refused…) ends that
   * card session and is the unlock's error.
   */
  openStore?: (session: CardSession) => Promise<void>;
}

export function createCardApp(card: CardService, gate: SessionGate, emit: EventSink, options: CardAppOptions = {}): CardApp {
  let session: CardSession | undefined;
  const signaturePins = createSignaturePinBroker(emit, options.signaturePinTimeoutMs !== undefined ? { timeoutMs: options.signaturePinTimeoutMs } : {});
  // a journal failure never blocks the card: the card events are the lock screen's business
  const record = (records: Parameters<JournalPort['record']>[0]): Promise<void> => options.journal?.record(records).catch(() => undefined) ?? Promise.resolve();
  // One checkpoint at a time; a failure (card pulled meanwhile, store closed) never blocks the card.
  let signing: Promise<void> = Promise.resolve();
  const checkpoint = (): Promise<void> => {
    const open = session && !session.ended ? session : undefined;
    const port = options.journal;
    if (!open || !port?.checkpoint) return signing;
    signing = signing.then(() => port.checkpoint!(new CardSigner(open, { pinForSignature: signaturePins.pinFor('journal') }))).catch(() => undefined);
    return signing;
  };
  // the maximum session length runs from each login
  let expiry: NodeJS.Timeout | undefined;
  const clearExpiry = (): void => {
    clearTimeout(expiry);
    expiry = undefined;
  };
  /** « Se déconnecter » and the end of the maximum session length: signed, logged out, locked. */
  const endSession = async (reason: 'logout' | 'expired'): Promise<void> => {
    clearExpiry();
    await checkpoint();
    const ending = session;
    session = undefined;
    gate.lock(reason);
    await ending?.logout().catch(() => undefined);
    await loggedOut(ending);
    emit('card.changed', await status().catch(() => ({ state: 'unavailable' as const, pinpad: false })));
  };
  const loggedOut = (s: CardSession | undefined): Promise<void> => {
    if (!s) return Promise.resolve();
    const card = cardFacts(s.token);
    return record([{ action: 'card.logout', data: card, actor: card.nationalId }]);
  };

  const status = async (): Promise<CardStatus> => {
    let tokens: CardToken[];
    try {
      tokens = await card.tokens();
    } catch (err) {
      const code = isAppError(err) ? err.code : 'CARD_UNAVAILABLE';
      if (code === 'CARD_MODULE_NOT_FOUND' || code === 'CARD_MODULE_LOAD_FAILED') return { state: 'no-module', pinpad: false };
      return { state: 'unavailable', pinpad: false };
    }
    if (tokens.length === 0) return { state: 'no-reader', pinpad: false };
    const live = session && !session.ended ? session : undefined;
    if (live) return statusOfToken(tokens.find((t) => t.serial === live.token.serial) ?? live.token, true);
    let token: CardToken | undefined;
    try {
      token = await card.selectToken(options.tokenRef);
    } catch (err) {
      if (isAppError(err) && err.code === 'CARD_TOKEN_AMBIGUOUS') return { state: 'several', pinpad: false };
      token = undefined;
    }
    return statusOfToken(token, false);
  };

  /** One attempt; the PIN buffer is wiped by the card service once handed over. */
  const login = async (pin: string | undefined): Promise<CardStatus> => {
    const token = await card.selectToken(options.tokenRef);
    const pinpad = token.pin?.protectedPath ?? false;
    if (!pinpad && pin === undefined) throw new AppError('CARD_PIN_REQUIRED', 'no PIN given for a reader without keypad');
    // Unlocking proves presence again: the previous card session ends before the new login.
    const previous = session;
    session = undefined;
    await previous?.logout().catch(() => undefined);
    await loggedOut(previous);
    try {
      session = await card.login(token, pinpad ? null : Buffer.from(pin ?? '', 'utf8'));
      const facts = cardFacts(token);
      await record([{ action: 'card.login', data: facts, actor: facts.nationalId }]);
    } catch (err) {
      if (isAppError(err) && (err.code === 'CARD_PIN_INCORRECT' || err.code === 'CARD_PIN_LOCKED')) {
        await record(pinFailureRecords(token, err));
        const after = await status().catch(() => undefined);
        throw new AppError(err.code, err.message, { cause: err, data: { pinState: after?.pinState ?? (err.code === 'CARD_PIN_LOCKED' ? 'locked' : null) } });
      }
      throw err;
    }
    if (options.openStore) {
      try {
        await options.openStore(session);
      } catch (err) {
        const opened = session;
        session = undefined;
        await opened.logout().catch(() => undefined);
        await loggedOut(opened);
        emit('card.changed', await status().catch(() => ({ state: 'unavailable' as const, pinpad: false })));
        throw err;
      }
    }
    // the new card session anchors the journal before anything else is recorded in it
    await checkpoint();
    clearExpiry();
    const maxMs = options.maxSessionMs?.();
    if (maxMs) {
      expiry = setTimeout(() => void endSession('expired'), maxMs);
      expiry.unref();
    }
    gate.unlock();
    const now = statusOfToken(token, true);
    emit('card.changed', now);
    return now;
  };

  const onInserted = () => {
    void status().then((s) => emit('card.inserted', s), () => undefined);
  };
  const onRemoved = (event: { serial: string }) => {
    if (!session || session.token.serial === event.serial) {
      clearExpiry();
      void loggedOut(session);
      session = undefined;
      gate.lock('card-removed');
      signaturePins.cancelAll();
    }
    emit('card.removed', {});
  };
  const onSessionEnded = (event: { sessionId: string }) => {
    if (session?.id === event.sessionId) {
      clearExpiry();
      void loggedOut(session);
      session = undefined;
      gate.lock('card-removed');
    }
  };
  card.on('inserted', onInserted);
  card.on('removed', onRemoved);
  card.on('sessionEnded', onSessionEnded);
  // Locking keeps the card session open until the next login: it signs now (after a removal, no session is left).
  const offGate = gate.onChange((state) => {
    if (state.locked) void checkpoint();
  });
  const dispose = (): void => {
    clearExpiry();
    signaturePins.cancelAll();
    offGate();
    card.off('inserted', onInserted);
    card.off('removed', onRemoved);
    card.off('sessionEnded', onSessionEnded);
  };

  return {
    channels: {
      'card.status': () => status(),
      'session.state': async () => gate.state,
      'session.lock': async ({ reason }) => gate.lock(reason),
      'session.unlock': async ({ pin }) => {
        await login(pin);
        return gate.state;
      },
      'session.logout': async () => {
        await endSession('logout');
        return gate.state;
      },
      'card.signaturePinAnswer': async ({ requestId, pin }) => signaturePins.answer(requestId, pin),
      'card.signaturePinCancel': async ({ requestId }) => signaturePins.cancel(requestId),
    },
    pinFor: (purpose) => signaturePins.pinFor(purpose),
    currentSession: () => (session && !session.ended ? session : undefined),
    checkpoint,
    settled: () => signing,
    async close() {
      await checkpoint();
      dispose();
    },
    dispose,
  };
}
