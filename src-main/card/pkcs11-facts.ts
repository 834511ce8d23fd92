// PKCS#11 numbers and how we read them (pure, no native module here so the
// caller side and unit tests never load pkcs11js).
import { AppError, type ErrorCode } from '../errors/index.js';

export const CKF = {
  TOKEN_PRESENT: 0x1,
  LOGIN_REQUIRED: 0x4,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  TOKEN_INITIALIZED: 0x400,
  USER_PIN_COUNT_LOW: 0x10000,
  USER_PIN_FINAL_TRY: 0x20000,
  USER_PIN_LOCKED: 0x40000,
} as const;

export const CKM = {
  RSA_PKCS: 0x1,
  RSA_PKCS_PSS: 0xd,
  SHA256_RSA_PKCS: 0x40,
  SHA384_RSA_PKCS: 0x41,
  SHA512_RSA_PKCS: 0x42,
  SHA256_RSA_PKCS_PSS: 0x43,
  SHA384_RSA_PKCS_PSS: 0x44,
  SHA512_RSA_PKCS_PSS: 0x45,
  SHA256: 0x250,
  SHA384: 0x260,
  SHA512: 0x270,
} as const;

export const CKG = { MGF1_SHA256: 0x2, MGF1_SHA384: 0x3, MGF1_SHA512: 0x4 } as const;

export const CKR = {
  OK: 0x0,
  DEVICE_ERROR: 0x30,
  DEVICE_REMOVED: 0x32,
  FUNCTION_FAILED: 0x6,
  MECHANISM_INVALID: 0x70,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  USER_PIN_NOT_INITIALIZED: 0x102,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
} as const;

/** The RSA signature mechanisms we report and may use, by name. */
const SIGNATURE_MECHANISM_NAMES: ReadonlyMap<number, string> = new Map(
  (['RSA_PKCS', 'RSA_PKCS_PSS', 'SHA256_RSA_PKCS', 'SHA384_RSA_PKCS', 'SHA512_RSA_PKCS', 'SHA256_RSA_PKCS_PSS', 'SHA384_RSA_PKCS_PSS', 'SHA512_RSA_PKCS_PSS'] as const)
    .map((name) => [CKM[name], `CKM_${name}`]),
);

export function signatureMechanismNames(mechanisms: readonly number[]): string[] {
  return mechanisms.flatMap((m) => SIGNATURE_MECHANISM_NAMES.get(m) ?? []);
}

export function offersPss(mechanisms: readonly number[]): boolean {
  return mechanisms.includes(CKM.RSA_PKCS_PSS) || mechanisms.includes(CKM.SHA256_RSA_PKCS_PSS);
}

export interface PinState {
  locked: boolean;
  finalTry: boolean;
  countLow: boolean;
  /** pinpad reader: the PIN is typed on the reader, never on the computer */
  protectedPath: boolean;
  /** what the token tells: 0 when locked, 1 on the final try, otherwise unknown */
  triesLeft: number | null;
}

export function pinStateFromFlags(flags: number): PinState {
  const locked = Boolean(flags & CKF.USER_PIN_LOCKED);
  const finalTry = !locked && Boolean(flags & CKF.USER_PIN_FINAL_TRY);
  return {
    locked,
    finalTry,
    countLow: !locked && Boolean(flags & CKF.USER_PIN_COUNT_LOW),
    protectedPath: Boolean(flags & CKF.PROTECTED_AUTHENTICATION_PATH),
    triesLeft: locked ? 0 : finalTry ? 1 : null,
  };
}

const CKR_TO_CODE: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [CKR.PIN_INCORRECT, 'CARD_PIN_INCORRECT'],
  [CKR.PIN_INVALID, 'CARD_PIN_INCORRECT'],
  [CKR.PIN_LEN_RANGE, 'CARD_PIN_INCORRECT'],
  [CKR.PIN_LOCKED, 'CARD_PIN_LOCKED'],
  [CKR.DEVICE_REMOVED, 'CARD_REMOVED'],
  [CKR.SESSION_CLOSED, 'CARD_REMOVED'],
  [CKR.SESSION_HANDLE_INVALID, 'CARD_REMOVED'],
  [CKR.TOKEN_NOT_PRESENT, 'CARD_NOT_PRESENT'],
  [CKR.TOKEN_NOT_RECOGNIZED, 'CARD_UNAVAILABLE'],
  [CKR.DEVICE_ERROR, 'CARD_UNAVAILABLE'],
  [CKR.USER_NOT_LOGGED_IN, 'CARD_PIN_REQUIRED'],
]);

/** Codes that mean "the card this session used is gone". */
export function endsSession(code: ErrorCode): boolean {
  return code === 'CARD_REMOVED' || code === 'CARD_NOT_PRESENT';
}

/** A PKCS#11 return value as a typed error (`fallback` when it says nothing specific). */
export function errorFromCkr(ckr: number, what: string, fallback: ErrorCode, data: Record<string, unknown> = {}): AppError {
  const code = CKR_TO_CODE.get(ckr) ?? fallback;
  return new AppError(code, `${what}: CKR 0x${ckr.toString(16)}`, { data: { ckr, ...data } });
}
