// The PIN asked again for one signature when the card's key demands it for every
// signature (CKA_ALWAYS_AUTHENTICATE): core emits `card.signaturePin` with a request
// id and what is being signed, the window shows a dialog and answers
// (`card.signaturePinAnswer`) or cancels (`card.signaturePinCancel`). Same rules as the
// login: one try per request (the card service never retries), the format (4–8 digits)
// checked here before the card — a malformed answer is refused and the dialog stays
// open, no card try spent. A cancelled or unanswered prompt fails that signature with
// CARD_SIGNATURE_PIN_CANCELLED / CARD_SIGNATURE_PIN_TIMEOUT. The PIN is never logged
// nor kept: the bytes go to the card service, which wipes them once handed over.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { EventSink } from '../ipc/dispatch.js';

/** What the signature is for, shown in the dialog. */
export type SignaturePurpose = 'server' | 'journal' | 'store';

/** Below the TLS handshake's signing bound (DEFAULT_SIGN_TIMEOUT_MS, 180 s): our error is the one shown. */
export const SIGNATURE_PIN_TIMEOUT_MS = 120_000;

const PIN_FORMAT = /^[0-9]{4,8}$/;

export interface SignaturePinBroker {
  /** The CardSigner's `pinForSignature` for one purpose. */
  pinFor(purpose: SignaturePurpose): () => Promise<Buffer>;
  /** The window's answer: the pending request resolves (once); a malformed PIN is refused, the request stays. */
  answer(requestId: string, pin: string): { accepted: boolean };
  cancel(requestId: string): { cancelled: boolean };
  /** Requests waiting for the window (tests, lock). */
  pending(): string[];
  /** Cancels every pending request (lock, quit). */
  cancelAll(): void;
}

interface Pending {
  resolve: (pin: Buffer) => void;
  reject: (err: AppError) => void;
  timer: NodeJS.Timeout;
}

export function createSignaturePinBroker(emit: EventSink, options: { timeoutMs?: number } = {}): SignaturePinBroker {
  const timeoutMs = options.timeoutMs ?? SIGNATURE_PIN_TIMEOUT_MS;
  const waiting = new Map<string, Pending>();
  const settle = (requestId: string): Pending | undefined => {
    const p = waiting.get(requestId);
    if (!p) return undefined;
    waiting.delete(requestId);
    clearTimeout(p.timer);
    emit('card.signaturePinDone', { requestId });
    return p;
  };
  const cancelled = (requestId: string): void =>
    settle(requestId)?.reject(new AppError('CARD_SIGNATURE_PIN_CANCELLED', 'the PIN for this signature was not given', { data: { attempted: false } }));

  return {
    pinFor: (purpose) => () =>
      new Promise<Buffer>((resolve, reject) => {
        const requestId = randomUUID();
        const timer = setTimeout(() => {
          settle(requestId)?.reject(new AppError('CARD_SIGNATURE_PIN_TIMEOUT', `no PIN for this signature within ${timeoutMs} ms`, { data: { attempted: false } }));
        }, timeoutMs);
        timer.unref();
        waiting.set(requestId, { resolve, reject, timer });
        emit('card.signaturePin', { requestId, purpose });
      }),
    answer(requestId, pin) {
      if (!waiting.has(requestId)) throw new AppError('NOT_FOUND', 'no signature is waiting for this PIN (cancelled or timed out)');
      if (!PIN_FORMAT.test(pin)) throw new AppError('CARD_PIN_FORMAT', 'PIN is not 4 to 8 digits: not sent to the card', { data: { attempted: false } });
      settle(requestId)!.resolve(Buffer.from(pin, 'utf8'));
      return { accepted: true };
    },
    cancel(requestId) {
      const had = waiting.has(requestId);
      cancelled(requestId);
      return { cancelled: had };
    },
    pending: () => [...waiting.keys()],
    cancelAll() {
      for (const id of [...waiting.keys()]) cancelled(id);
    },
  };
}
