// The app's store key at an unlock: the facts (keyring, card, clinic policy,
// consent, keychain) go to planStoreKey (store-key-plan.ts), and this module
// carries the plan out with the same store/keys provider as the CLI. It runs
// once per unlock (one PIN entry: the card session just opened signs the KEK
// challenge). An old store keyed by the OS keychain secret (the app before
// card binding) or `store.key` (the CLI) is migrated here at the first unlock
// and the old secret removed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { queuePendingRecords } from '../audit/pending.js';
import { AppError } from '../errors/index.js';
import { SignatureScheme } from '../rules/signature-schemes.js';
import { signerCard, type KekSigner } from '../store/keys/card-kek.js';
import { cardStoreKeyProvider, LEGACY_KEY_FILE, readLegacyKeyFile } from '../store/keys/card-key-provider.js';
import { createKeychainKeyring, newStoreKey, readKeyring, rebindToCard, setKeychainWrap, unlockWithKeychain, unlockWithRecovery, writeKeyring, type Keyring } from '../store/keys/keyring.js';
import { secureDelete } from '../store/keys/secure-delete.js';
import { wipe } from '../store/keys/wrap.js';
import { planAfterRecovery, planStoreKey, type KeychainReason, type StoreKeyFacts } from './store-key-plan.js';
import { readStorePolicy, recordKeychainConsent } from './store-policy.js';

/** The OS keychain as the store needs it: one random KEK sealed by it (shell: Electron safeStorage). */
export interface KeychainPort {
  /** it can protect a secret here (Linux `basic_text` is plaintext: not available unless accepted) */
  available(): boolean;
  /** the sealed KEK, created on first use (the caller wipes it) */
  kek(): Promise<Buffer>;
  /** forgets the sealed KEK (its wrap was dropped from the keyring) */
  remove(): void;
}

/** The secret of a store made before card binding (app: the store key sealed by the OS keychain). */
export interface LegacyKeyPort {
  read(): Promise<Buffer | null>;
  /** securely removes it once the key is bound to the card */
  remove(): void | Promise<void>;
}

export interface StoreUnlockEnv {
  home: string;
  storeFile: string;
  /** absent: no OS keychain (only the card opens the store) */
  keychain?: KeychainPort;
  legacyKey?: LegacyKeyPort;
  /** the recovery code of a new keyring: shown ONCE to the user (shell: a dialog) */
  onRecoveryCode(code: string): void | Promise<void>;
  /** asks whether the OS keychain may protect the store (French: keychainConsentText); absent → no */
  askKeychainConsent?(why: KeychainReason): Promise<boolean>;
  log?(line: string): void;
}

function keyringFacts(k: Keyring | null, certSha256: string | null): Pick<StoreKeyFacts, 'keyring' | 'keychainWrap'> {
  if (!k) return { keyring: 'none', keychainWrap: false };
  return { keyring: certSha256 && k.cards.some((c) => c.certSha256 === certSha256) ? 'this-card' : 'other-card', keychainWrap: k.keychain !== null };
}

/** The store key for this unlock; `signer` is the card session just opened, or null for a card-less session (PSC). */
export async function unlockStoreKey(env: StoreUnlockEnv, signer: KekSigner | null): Promise<Buffer> {
  const log = env.log ?? (() => undefined);
  const keyring = readKeyring(env.home);
  const card = signer ? await signerCard(signer) : null;
  const policy = readStorePolicy(env.home);
  const facts: StoreKeyFacts = {
    ...keyringFacts(keyring, card?.certSha256 ?? null),
    card: signer !== null,
    deterministic: signer ? (await signer.supportedSchemes()).includes(SignatureScheme.rsa_pkcs1_sha256) : false,
    policy: policy.keychain,
    consent: policy.consent !== null,
    keychainAvailable: env.keychain?.available() ?? false,
  };
  let plan = planStoreKey(facts);
  if (plan.open === 'ask-consent') {
    const why = plan.why;
    if (!(await env.askKeychainConsent?.(why))) {
      throw new AppError(why === 'no-card' ? 'STORE_CARD_REQUIRED' : 'STORE_CARD_NOT_DETERMINISTIC', 'the OS keychain was not accepted for the store');
    }
    recordKeychainConsent(env.home, why);
    // journalled when the store opens (pending until then): who accepted is the session's actor
    queuePendingRecords(env.home, [{ action: 'settings.changed', data: { changes: { storeKeychainConsent: why } } }]);
    log(`store: keychain accepted by the user (${why})`);
    plan = planStoreKey({ ...facts, consent: true });
  }
  switch (plan.open) {
    case 'refuse':
    case 'ask-consent': // (not after a recorded consent: planStoreKey never asks twice)
      throw new AppError(plan.open === 'refuse' ? plan.code : 'STORE_CARD_REQUIRED', 'the store cannot be opened in this session');
    case 'card': {
      const key = await cardStoreKeyProvider({
        home: env.home,
        storeFile: env.storeFile,
        signer: async () => signer!,
        onRecoveryCode: (code) => env.onRecoveryCode(code),
        ...(env.legacyKey ? { legacyKey: () => env.legacyKey!.read(), onLegacyMigrated: () => env.legacyKey!.remove() } : {}),
      }).getKey();
      if (plan.keychainWrap !== 'keep') {
        try {
          await applyKeychainWrap(env, key, plan.keychainWrap);
          queuePendingRecords(env.home, [{ action: 'settings.changed', data: { changes: { storeKeychainWrap: plan.keychainWrap === 'add' } } }]);
          log(`store: keychain wrap ${plan.keychainWrap === 'add' ? 'added' : 'dropped'}`);
        } catch (err) {
          wipe(key);
          throw err;
        }
      }
      return key;
    }
    case 'keychain':
      return openWithKeychain(env, plan.bindCard ? signer : null);
  }
}

/** The keyring of this data folder can be opened with its recovery code (the window offers the code field). */
export function storeRecoverableByCode(home: string): boolean {
  return readKeyring(home)?.recovery != null;
}

/**
 * The store key opened with the recovery code, in a card-less session (the window's « Ouvrir avec
 * le code de secours »): one try, the code normalised as the CLI does (recovery-code.ts), never
 * kept. Then, by planAfterRecovery, the keychain may wrap the key for the next login (clinic
 * keychain policy + consent); under 'card-only' the code opens this session only. Journalled
 * (`store.recovery_unlock`, no code) when the store opens.
 */
export async function unlockStoreKeyWithRecovery(env: StoreUnlockEnv, code: string): Promise<Buffer> {
  const keyring = readKeyring(env.home);
  if (!keyring?.recovery) throw new AppError('STORE_RECOVERY_INVALID', 'this data folder has no recovery code', { data: { reason: 'not-set-up' } });
  let key: Buffer;
  try {
    key = unlockWithRecovery(keyring, code);
  } catch (err) {
    if (err instanceof AppError && err.code === 'STORE_RECOVERY_INVALID') {
      // a failed attempt at the store is journalled like a wrong PIN (at the next opening); never the code
      queuePendingRecords(env.home, [{ action: 'store.recovery_failed', data: { cardBound: keyring.cards.length > 0, where: 'window' } }]);
      // the window's wording (type it again), not the CLI's (run the command again)
      throw new AppError('STORE_RECOVERY_INVALID', err.message, { data: { reason: 'window' } });
    }
    throw err;
  }
  const policy = readStorePolicy(env.home);
  let plan = planAfterRecovery({ policy: policy.keychain, consent: policy.consent !== null, keychainAvailable: env.keychain?.available() ?? false });
  if (plan === 'ask-consent') {
    if (await env.askKeychainConsent?.('no-card').catch(() => false)) {
      recordKeychainConsent(env.home, 'no-card');
      queuePendingRecords(env.home, [{ action: 'settings.changed', data: { changes: { storeKeychainConsent: 'no-card' } } }]);
      plan = 'add';
    } else plan = 'session-only';
  }
  if (plan === 'add') {
    try {
      await applyKeychainWrap(env, key, 'add');
      queuePendingRecords(env.home, [{ action: 'settings.changed', data: { changes: { storeKeychainWrap: true } } }]);
      env.log?.('store: keychain wrap added after the recovery code');
    } catch (err) {
      // the store still opens for this session; the next login asks for the code again
      env.log?.(`store: keychain wrap not added (${err instanceof AppError ? err.code : 'error'})`);
    }
  }
  // journalled when the store opens (the pending records are flushed into it)
  queuePendingRecords(env.home, [{ action: 'store.recovery_unlock', data: { cardBound: keyring.cards.length > 0 } }]);
  return key;
}

async function applyKeychainWrap(env: StoreUnlockEnv, key: Buffer, change: 'add' | 'drop'): Promise<void> {
  const k = readKeyring(env.home);
  if (!k || !env.keychain) return;
  if (change === 'drop') {
    writeKeyring(env.home, setKeychainWrap(k, key, null));
    env.keychain.remove();
    return;
  }
  const kek = await env.keychain.kek();
  try {
    writeKeyring(env.home, setKeychainWrap(k, key, kek));
  } finally {
    wipe(kek);
  }
}

async function openWithKeychain(env: StoreUnlockEnv, bindTo: KekSigner | null): Promise<Buffer> {
  const kek = await env.keychain!.kek();
  try {
    const existing = readKeyring(env.home);
    if (existing) {
      const key = unlockWithKeychain(existing, kek);
      if (!key) throw new AppError('KEYSTORE_UNAVAILABLE', 'the OS keychain KEK does not open this store');
      // a renewed card where the keychain is allowed: it becomes the store's card
      if (bindTo) writeKeyring(env.home, await rebindToCard(existing, key, bindTo));
      return key;
    }
    const legacyFile = readLegacyKeyFile(env.home);
    const legacyPort = legacyFile ? null : ((await env.legacyKey?.read()) ?? null);
    if (!legacyFile && !legacyPort && existsSync(env.storeFile)) throw new AppError('STORE_BAD_KEY', 'an existing store has neither keyring nor old key');
    const storeKey = legacyFile ?? legacyPort ?? newStoreKey();
    const { keyring, recoveryCode } = createKeychainKeyring(storeKey, kek);
    if (!writeKeyring(env.home, keyring, { create: true })) {
      wipe(storeKey);
      const theirs = readKeyring(env.home);
      const key = theirs ? unlockWithKeychain(theirs, kek) : null;
      if (!key) throw new AppError('KEYSTORE_UNAVAILABLE', 'another process bound the store to another key');
      return key;
    }
    await env.onRecoveryCode(recoveryCode);
    if (legacyFile) secureDelete(join(env.home, LEGACY_KEY_FILE));
    if (legacyPort) await env.legacyKey!.remove();
    return storeKey;
  } finally {
    wipe(kek);
  }
}

/** The consent dialog (shell), in French: what the keychain means and what the alternative is. */
export function keychainConsentText(why: KeychainReason): { message: string; detail: string; accept: string; decline: string } {
  const cause =
    why === 'no-card'
      ? 'Vous êtes connecté sans carte CPS (e-CPS via Pro Santé Connect) : la base locale des messages ne peut pas être protégée par votre carte.'
      : 'Votre carte CPS ne sait signer qu’en RSA-PSS : elle ne peut pas protéger la base locale des messages.';
  return {
    message: 'Protéger la base locale par le trousseau du système ?',
    detail:
      `${cause} La messagerie peut la protéger par le trousseau de votre session (Windows, macOS, GNOME Keyring ou KWallet) : ` +
      'toute personne ouverte sur cette session du poste pourrait alors lire la base sans votre carte. ' +
      'Un code de secours vous sera affiché une seule fois : imprimez-le et confiez-le à votre service informatique. ' +
      'Si vous refusez, la base ne s’ouvre pas ; demandez une carte CPS récente à votre service informatique.',
    accept: 'Utiliser le trousseau du système',
    decline: 'Refuser',
  };
}

/** The recovery code dialog (shell), shown once when the store is bound (new store or migration). */
export function recoveryCodeText(code: string): { message: string; detail: string } {
  return {
    message: 'Code de secours de la base locale',
    detail:
      `${code}\n\nImprimez ce code et conservez-le en lieu sûr : il ne sera plus jamais affiché. ` +
      'Il permet de rouvrir la base avec une carte CPS renouvelée (mssante store rekey --new-card).',
  };
}
