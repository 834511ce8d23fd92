// The StoreKeyProvider of a card-bound store: the key is unwrapped with the
// logged-in card (one PIN entry opens both the card session and the store).
// First unlock of a data folder without a keyring: a new random key — or the
// key of a store made before card binding (the `store.key` file, or the OS
// keychain key in the app) — is wrapped for the card and a recovery code, the
// code is handed to `onRecoveryCode` (shown once), then the old key file is
// overwritten and removed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../errors/index.js';
import type { StoreKeyProvider } from '../key-provider.js';
import type { KekSigner } from './card-kek.js';
import { createKeyring, newStoreKey, readKeyring, unlockWithCard, writeKeyring } from './keyring.js';
import { secureDelete } from './secure-delete.js';
import { wipe } from './wrap.js';

/** The key file of stores made before card binding (CLI). */
export const LEGACY_KEY_FILE = 'store.key';

export interface CardStoreKeyOptions {
  home: string;
  /** the logged-in card (asks the PIN once when not yet logged in) */
  signer: () => Promise<KekSigner>;
  /** told the recovery code of a new keyring, once; it must reach the user */
  onRecoveryCode: (code: string) => void | Promise<void>;
  /** the key of an existing store not bound yet (app: the OS keychain key); the CLI's store.key file is read here */
  legacyKey?: () => Promise<Buffer | null>;
  /** called once the key from `legacyKey` is bound to the card: the caller removes the old secret */
  onLegacyMigrated?: () => void | Promise<void>;
  /** the store file: an existing store without keyring nor old key cannot be opened (never a new key over it) */
  storeFile?: string;
}

/** The CLI's pre-card `store.key`, or null when there is none. */
export function readLegacyKeyFile(home: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(join(home, LEGACY_KEY_FILE), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('IO_FAILED', 'cannot read the old store key file', { cause: err });
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new AppError('STORE_BAD_KEY', 'old key file: expected 64 hex characters');
  return Buffer.from(text, 'hex');
}

export function cardStoreKeyProvider(opts: CardStoreKeyOptions): StoreKeyProvider {
  return {
    async getKey() {
      const existing = readKeyring(opts.home);
      const signer = await opts.signer();
      if (existing) return unlockWithCard(existing, signer);
      const legacyFile = readLegacyKeyFile(opts.home);
      const legacyPort = legacyFile ? null : opts.legacyKey ? await opts.legacyKey() : null;
      const legacy = legacyFile ?? legacyPort;
      if (!legacy && opts.storeFile && existsSync(opts.storeFile)) {
        throw new AppError('STORE_BAD_KEY', 'an existing store has neither keyring nor old key');
      }
      const storeKey = legacy ?? newStoreKey();
      const { keyring, recoveryCode } = await createKeyring(signer, storeKey);
      if (!writeKeyring(opts.home, keyring, { create: true })) {
        // another process bound the store meanwhile: use its keyring
        wipe(storeKey);
        const theirs = readKeyring(opts.home);
        if (!theirs) throw new AppError('IO_FAILED', 'the store keyring vanished');
        return unlockWithCard(theirs, signer);
      }
      await opts.onRecoveryCode(recoveryCode);
      if (legacyFile) secureDelete(join(opts.home, LEGACY_KEY_FILE));
      if (legacyPort) await opts.onLegacyMigrated?.();
      return storeKey;
    },
  };
}
