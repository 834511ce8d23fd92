// Which key opens the app's store at an unlock (pure decision, unit-tested).
// Default: the card KEK (store/keys/card-kek.ts) — only the doctor's card and
// PIN open the store. The OS keychain wrap is used only when
//  - the clinic set the keychain policy (offline reading without the card's
//    key on this workstation session: a card offering only PSS, a card-less
//    Pro Santé Connect session), or
//  - the user consented to it, because their card cannot sign
//    deterministically (PSS only) or they have no card (e-CPS through PSC).
// Anything else is refused with a typed error: never a silent downgrade.
import type { ErrorCode } from '../errors/index.js';

export type KeychainPolicy = 'card-only' | 'keychain';
export type KeychainReason = 'card-not-deterministic' | 'no-card';

export interface StoreKeyFacts {
  /** no keyring yet (new or pre-card store) | a wrap for the logged-in card | wraps for other cards only */
  keyring: 'none' | 'this-card' | 'other-card';
  /** the keyring holds a wrap under the OS keychain's KEK */
  keychainWrap: boolean;
  /** a CPS card is logged in (false: a card-less session, e.g. e-CPS through Pro Santé Connect) */
  card: boolean;
  /** the card signs RSA PKCS#1 v1.5 (deterministic, so it can make a KEK) */
  deterministic: boolean;
  /** the clinic's setting (store-policy.json); default card-only */
  policy: KeychainPolicy;
  /** the user accepted the keychain for this data folder (recorded with its reason) */
  consent: boolean;
  /** the OS keychain can protect a secret here (not Linux's plaintext `basic_text`) */
  keychainAvailable: boolean;
}

export type StoreKeyPlan =
  /** unwrap with the card (creating the keyring when none); then add, drop or keep the keychain wrap */
  | { open: 'card'; keychainWrap: 'add' | 'drop' | 'keep' }
  /** unwrap with the keychain KEK (creating a keyring without card wrap when none); bindCard: also wrap for this card */
  | { open: 'keychain'; bindCard: boolean }
  /** ask the user (French dialog) whether the keychain may protect the store, then plan again */
  | { open: 'ask-consent'; why: KeychainReason }
  | { open: 'refuse'; code: ErrorCode };

export function planStoreKey(f: StoreKeyFacts): StoreKeyPlan {
  const keychainAllowed = f.policy === 'keychain' || f.consent;
  if (f.card && f.deterministic) {
    if (f.keyring !== 'other-card') {
      const want = f.policy === 'keychain' && f.keychainAvailable;
      // a wrap kept under consent (an earlier PSS-only card) stays until the clinic or the user says otherwise
      const drop = f.keychainWrap && f.policy === 'card-only' && !f.consent;
      return { open: 'card', keychainWrap: want && !f.keychainWrap ? 'add' : drop ? 'drop' : 'keep' };
    }
    // another card's store (renewal): only the keychain, where allowed, or the recovery code opens it
    if (f.keychainWrap && keychainAllowed && f.keychainAvailable) return { open: 'keychain', bindCard: true };
    return { open: 'refuse', code: 'STORE_WRONG_CARD' };
  }
  const why: KeychainReason = f.card ? 'card-not-deterministic' : 'no-card';
  const refusal: ErrorCode = f.card ? 'STORE_CARD_NOT_DETERMINISTIC' : 'STORE_CARD_REQUIRED';
  // a store bound to cards only: the keychain cannot open it (the recovery code can: store rekey)
  if (f.keyring !== 'none' && !f.keychainWrap) return { open: 'refuse', code: f.card ? 'STORE_WRONG_CARD' : 'STORE_CARD_REQUIRED' };
  if (!f.keychainAvailable) return { open: 'refuse', code: f.keychainWrap ? 'KEYSTORE_UNAVAILABLE' : refusal };
  if (!keychainAllowed) return { open: 'ask-consent', why };
  return { open: 'keychain', bindCard: false };
}

/**
 * After the store was opened with its recovery code in a card-less session (the window's
 * « Ouvrir avec le code de secours »: a keyring without keychain wrap, or one the keychain of
 * this OS profile no longer opens): whether the OS keychain may now wrap the key so the next
 * login needs no code. Only under the clinic's keychain policy, and then only with the user's
 * consent; under 'card-only' the code opens this session only (a consent recorded for another
 * reason never widens it).
 */
export type RecoveryKeychainPlan = 'add' | 'ask-consent' | 'session-only';

export function planAfterRecovery(f: Pick<StoreKeyFacts, 'policy' | 'consent' | 'keychainAvailable'>): RecoveryKeychainPlan {
  if (f.policy !== 'keychain' || !f.keychainAvailable) return 'session-only';
  return f.consent ? 'add' : 'ask-consent';
}

/** Errors of a card-less store opening that the recovery code can get past (the keyring has a recovery wrap). */
export const RECOVERABLE_BY_CODE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['STORE_CARD_REQUIRED', 'KEYSTORE_UNAVAILABLE']);
