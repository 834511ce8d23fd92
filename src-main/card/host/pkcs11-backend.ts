// Everything that calls the card library (pkcs11js, synchronous). Runs only
// inside the card host process, one call at a time: the host handles one
// message to completion before the next, so PKCS#11 calls are serialised.
import { existsSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import { AppError, toAppError, type ErrorCode } from '../../errors/index.js';
import { describeAttempts, moduleCandidates, type ModuleAttempt } from '../discovery.js';
import { CKF, CKR, endsSession, errorFromCkr, pinStateFromFlags } from '../pkcs11-facts.js';
import type { CardEvent, LoginResult, ModuleInfo, RawCertificate, RawSlot } from '../protocol.js';
import type { SignPlan } from '../signature-schemes.js';

interface OpenSession {
  handle: Buffer;
  slot: string;
  serial: string;
  key: Buffer;
  alwaysAuthenticate: boolean;
  protectedPath: boolean;
}

type Pkcs11 = InstanceType<typeof pkcs11js.PKCS11>;

function ckrOf(err: unknown): number | null {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : null;
}

/** Runs one PKCS#11 step, turning a Cryptoki error into a typed one. */
function call<T>(what: string, fallback: ErrorCode, fn: () => T, data?: Record<string, unknown>): T {
  try {
    return fn();
  } catch (err) {
    const ckr = ckrOf(err);
    if (ckr === null) throw new AppError(fallback, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    throw errorFromCkr(ckr, what, fallback, data);
  }
}

const trimmed = (s: string): string => s.replace(/[\s\0]+$/, '');
/** PKCS#11 slot id (CK_ULONG, native byte order) as a decimal string, as the module's tools show it. */
const slotId = (h: Buffer): string => (h.length === 8 ? h.readBigUInt64LE() : BigInt(h.readUInt32LE())).toString();
const wipe = (b: Uint8Array | null | undefined): void => void b?.fill(0);

export class Pkcs11Backend {
  private lib: Pkcs11 | null = null;
  private readonly sessions = new Map<string, OpenSession>();
  /** slot → serial of the card seen there at the last poll */
  private known = new Map<string, { label: string; serial: string }>();
  private nextSession = 1;

  constructor(private readonly emit: (event: CardEvent) => void) {}

  open(modulePath: string | undefined): ModuleInfo {
    if (this.lib) throw new AppError('INVALID_ARGUMENT', 'card module already open');
    const attempts: ModuleAttempt[] = [];
    for (const candidate of moduleCandidates({ explicit: modulePath })) {
      if (!existsSync(candidate.path)) {
        attempts.push({ ...candidate, outcome: 'absent' });
        continue;
      }
      const lib = new pkcs11js.PKCS11();
      try {
        lib.load(candidate.path);
      } catch (err) {
        attempts.push({ ...candidate, outcome: 'load-failed', detail: err instanceof Error ? err.message : String(err) });
        continue;
      }
      try {
        lib.C_Initialize();
      } catch (err) {
        if (ckrOf(err) !== 0x191 /* CKR_CRYPTOKI_ALREADY_INITIALIZED */) {
          attempts.push({ ...candidate, outcome: 'init-failed', detail: err instanceof Error ? err.message : String(err) });
          continue;
        }
      }
      this.lib = lib;
      const info = lib.C_GetInfo();
      this.known = this.snapshot();
      return {
        path: candidate.path,
        source: candidate.source,
        libraryDescription: trimmed(info.libraryDescription),
        manufacturer: trimmed(info.manufacturerID),
        attempts,
      };
    }
    const anyPresent = attempts.some((a) => a.outcome !== 'absent');
    throw new AppError(anyPresent ? 'CARD_MODULE_LOAD_FAILED' : 'CARD_MODULE_NOT_FOUND', `no usable PKCS#11 module: ${describeAttempts(attempts)}`, {
      data: { tried: attempts },
    });
  }

  private get p11(): Pkcs11 {
    if (!this.lib) throw new AppError('CARD_UNAVAILABLE', 'card module not open');
    return this.lib;
  }

  slots(): RawSlot[] {
    const p11 = this.p11;
    const handles = call('C_GetSlotList', 'CARD_UNAVAILABLE', () => p11.C_GetSlotList(false));
    return handles.map((h) => this.readSlot(h));
  }

  private readSlot(h: Buffer): RawSlot {
    const p11 = this.p11;
    const slot = slotId(h);
    const info = call('C_GetSlotInfo', 'CARD_UNAVAILABLE', () => p11.C_GetSlotInfo(h));
    const base = { slot, reader: trimmed(info.slotDescription), present: Boolean(info.flags & CKF.TOKEN_PRESENT) };
    if (!base.present) return { ...base, token: null };
    let token;
    try {
      token = p11.C_GetTokenInfo(h);
    } catch {
      return { ...base, present: false, token: null }; // pulled out between the two calls
    }
    if (!(token.flags & CKF.TOKEN_INITIALIZED)) return { ...base, token: null };
    const mechanisms = call('C_GetMechanismList', 'CARD_UNAVAILABLE', () => p11.C_GetMechanismList(h));
    return {
      ...base,
      token: {
        label: trimmed(token.label),
        serial: trimmed(token.serialNumber),
        model: trimmed(token.model),
        manufacturer: trimmed(token.manufacturerID),
        flags: token.flags,
        mechanisms,
        certificates: this.readCertificates(h),
      },
    };
  }

  /** Certificates are public objects: readable without logging in. */
  private readCertificates(h: Buffer): RawCertificate[] {
    const p11 = this.p11;
    const session = call('C_OpenSession', 'CARD_UNAVAILABLE', () => p11.C_OpenSession(h, pkcs11js.CKF_SERIAL_SESSION));
    try {
      const objects = this.find(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ]);
      return objects.map((o) => {
        const [id, label, value] = call('C_GetAttributeValue', 'CARD_UNAVAILABLE', () =>
          p11.C_GetAttributeValue(session, o, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }, { type: pkcs11js.CKA_VALUE }]),
        );
        return {
          idHex: Buffer.isBuffer(id?.value) ? id.value.toString('hex') : '',
          label: Buffer.isBuffer(label?.value) ? label.value.toString('utf8') : '',
          der: new Uint8Array(value?.value as Buffer),
        };
      });
    } finally {
      try {
        p11.C_CloseSession(session);
      } catch {
        // card gone meanwhile: nothing to close
      }
    }
  }

  private find(session: Buffer, template: pkcs11js.Template): Buffer[] {
    const p11 = this.p11;
    call('C_FindObjectsInit', 'CARD_UNAVAILABLE', () => p11.C_FindObjectsInit(session, template));
    try {
      return call('C_FindObjects', 'CARD_UNAVAILABLE', () => p11.C_FindObjects(session, 64));
    } finally {
      try {
        p11.C_FindObjectsFinal(session);
      } catch {
        // ignore: the search result is what matters
      }
    }
  }

  private slotHandle(slot: string): Buffer {
    const h = this.p11.C_GetSlotList(false).find((x) => slotId(x) === slot);
    if (!h) throw new AppError('CARD_NOT_PRESENT', `no reader with slot id ${slot}`);
    return h;
  }

  /**
   * One C_Login attempt, never more: the PIN is wiped whatever happens. A
   * locked card, or a PIN of a length the card cannot accept, is refused
   * before any attempt: it would only burn one of the card's tries.
   */
  login(slot: string, serial: string, keyIdHex: string, pin: Uint8Array | null): LoginResult {
    const p11 = this.p11;
    const h = this.slotHandle(slot);
    try {
      const token = this.tokenInfo(h, serial);
      const state = pinStateFromFlags(token.flags);
      if (state.locked) throw new AppError('CARD_PIN_LOCKED', 'token reports the user PIN locked', { data: { ...state } });
      if (!state.protectedPath) {
        if (!pin || pin.length === 0) throw new AppError('CARD_PIN_REQUIRED', 'no PIN given and the reader has no pinpad');
        if (pin.length < token.minPinLen || pin.length > token.maxPinLen) {
          throw new AppError('CARD_PIN_INCORRECT', `PIN length outside ${token.minPinLen}..${token.maxPinLen}: not sent to the card`, {
            data: { ...state, attempted: false, minLength: token.minPinLen, maxLength: token.maxPinLen },
          });
        }
      }
      const session = call('C_OpenSession', 'CARD_UNAVAILABLE', () => p11.C_OpenSession(h, pkcs11js.CKF_SERIAL_SESSION));
      try {
        this.loginOnce(session, pkcs11js.CKU_USER, pin, state.protectedPath, h, serial);
        const key = this.privateKey(session, keyIdHex);
        const alwaysAuthenticate = this.alwaysAuthenticate(session, key);
        const sessionId = `s${this.nextSession++}`;
        this.sessions.set(sessionId, { handle: session, slot, serial, key, alwaysAuthenticate, protectedPath: state.protectedPath });
        return { sessionId, alwaysAuthenticate };
      } catch (err) {
        try {
          p11.C_CloseSession(session);
        } catch {
          // already gone
        }
        throw err;
      }
    } finally {
      wipe(pin);
    }
  }

  /** C_Login exactly once; on a PIN failure, report the token's state after it. */
  private loginOnce(session: Buffer, userType: number, pin: Uint8Array | null, protectedPath: boolean, slot: Buffer, serial: string): void {
    const p11 = this.p11;
    // pkcs11js cannot pass NULL_PTR: an empty PIN (length 0) is how pinpad modules are asked to use the reader.
    // pkcs11js takes a JS string, which cannot be wiped: it lives only in this frame; the bytes are wiped by the caller.
    const pinText = pin && !protectedPath ? Buffer.from(pin.buffer, pin.byteOffset, pin.byteLength).toString('utf8') : '';
    try {
      p11.C_Login(session, userType, pinText);
    } catch (err) {
      const ckr = ckrOf(err);
      if (ckr === CKR.USER_ALREADY_LOGGED_IN) return; // another session of this app already logged this card in
      let after = {};
      try {
        after = pinStateFromFlags(this.tokenFlags(slot, serial));
      } catch {
        // card gone: report the login error itself
      }
      throw ckr === null ? toAppError(err, 'CARD_UNAVAILABLE') : errorFromCkr(ckr, 'C_Login', 'CARD_UNAVAILABLE', after);
    }
  }

  private tokenInfo(h: Buffer, serial: string): pkcs11js.TokenInfo {
    const info = call('C_GetTokenInfo', 'CARD_NOT_PRESENT', () => this.p11.C_GetTokenInfo(h));
    if (trimmed(info.serialNumber) !== serial) throw new AppError('CARD_REMOVED', 'another card is in the reader');
    return info;
  }

  private tokenFlags(h: Buffer, serial: string): number {
    return this.tokenInfo(h, serial).flags;
  }

  private privateKey(session: Buffer, keyIdHex: string): Buffer {
    const keys = this.find(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyIdHex, 'hex') },
    ]);
    const key = keys[0];
    if (!key) throw new AppError('CARD_NO_CERTIFICATE', `no private key with CKA_ID ${keyIdHex} on the card`);
    return key;
  }

  private alwaysAuthenticate(session: Buffer, key: Buffer): boolean {
    try {
      const [attr] = this.p11.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_ALWAYS_AUTHENTICATE }]);
      const v = attr?.value;
      return Buffer.isBuffer(v) ? v[0] === 1 : v === true;
    } catch {
      return false; // attribute unknown to older modules
    }
  }

  sign(sessionId: string, plan: SignPlan, pin: Uint8Array | null | undefined): Uint8Array {
    try {
      const s = this.sessions.get(sessionId);
      if (!s) throw new AppError('CARD_REMOVED', `session ${sessionId} has ended`);
      if (s.alwaysAuthenticate && !pin && !s.protectedPath) {
        throw new AppError('CARD_PIN_REQUIRED', 'the key demands the PIN for every signature', { data: { alwaysAuthenticate: true } });
      }
      const p11 = this.p11;
      const mechanism: pkcs11js.Mechanism = plan.pss
        ? { mechanism: plan.mechanism, parameter: { type: pkcs11js.CK_PARAMS_RSA_PSS, ...plan.pss } }
        : { mechanism: plan.mechanism };
      try {
        call('C_SignInit', 'CARD_SIGN_FAILED', () => p11.C_SignInit(s.handle, mechanism, s.key));
        const out = Buffer.alloc(1024);
        if (s.alwaysAuthenticate) {
          try {
            this.loginOnce(s.handle, pkcs11js.CKU_CONTEXT_SPECIFIC, pin ?? null, s.protectedPath, this.slotHandle(s.slot), s.serial);
          } catch (err) {
            // A failed C_Sign ends the pending operation (PKCS#11 §5.12), so the session can sign again later.
            try {
              p11.C_Sign(s.handle, Buffer.from(plan.input), out);
            } catch {
              // expected: CKR_USER_NOT_LOGGED_IN
            }
            throw err;
          }
        }
        return new Uint8Array(call('C_Sign', 'CARD_SIGN_FAILED', () => p11.C_Sign(s.handle, Buffer.from(plan.input), out)));
      } catch (err) {
        const e = toAppError(err, 'CARD_SIGN_FAILED');
        if (endsSession(e.code)) this.endSession(sessionId, 'removed');
        throw e;
      }
    } finally {
      wipe(pin);
    }
  }

  logout(sessionId: string): null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    try {
      this.p11.C_Logout(s.handle);
    } catch {
      // already logged out or card gone
    }
    this.endSession(sessionId, 'logout');
    return null;
  }

  private endSession(sessionId: string, reason: 'removed' | 'logout'): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.delete(sessionId);
    try {
      this.p11.C_CloseSession(s.handle);
    } catch {
      // the module already dropped it
    }
    this.emit({ type: 'sessionEnded', sessionId, reason });
  }

  /** Which card is in which reader now (cheap: slot and token info only). */
  private snapshot(): Map<string, { label: string; serial: string }> {
    const p11 = this.p11;
    const now = new Map<string, { label: string; serial: string }>();
    for (const h of p11.C_GetSlotList(true)) {
      try {
        const t = p11.C_GetTokenInfo(h);
        if (t.flags & CKF.TOKEN_INITIALIZED) now.set(slotId(h), { label: trimmed(t.label), serial: trimmed(t.serialNumber) });
      } catch {
        // not present after all
      }
    }
    return now;
  }

  /** Called by the host's timer: emits insertions/removals, ends sessions of removed cards. */
  poll(): void {
    if (!this.lib) return;
    let now: Map<string, { label: string; serial: string }>;
    try {
      now = this.snapshot();
    } catch {
      return; // module hiccup: try again next tick
    }
    for (const [slot, card] of this.known) {
      const current = now.get(slot);
      if (current?.serial === card.serial) continue;
      this.emit({ type: 'removed', slot, ...card });
      for (const [id, s] of this.sessions) if (s.slot === slot && s.serial === card.serial) this.endSession(id, 'removed');
    }
    for (const [slot, card] of now) {
      if (this.known.get(slot)?.serial !== card.serial) this.emit({ type: 'inserted', slot, ...card });
    }
    this.known = now;
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.logout(id);
    try {
      this.lib?.C_Finalize();
      this.lib?.close();
    } catch {
      // exiting anyway
    }
    this.lib = null;
  }
}
