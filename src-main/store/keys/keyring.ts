// The keyring file `<home>/store-keyring.json`: the store's random key, only
// ever wrapped (wrap.ts) under
// - the card KEK of each card allowed to open the store (normally one),
// - the recovery code's KEK (set-up; re-wraps for a renewed card),
// - optionally a KEK kept by the OS keychain (clinic setting: offline reading
//   without the card on this workstation session).
// Nothing in this file opens the store by itself. Operations are pure over the
// parsed file; reading and writing are at the bottom.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '../../errors/index.js';
import { deriveCardKek, signerCard, type CardRef, type KekSigner } from './card-kek.js';
import { generateRecoveryCode, recoveryKek } from './recovery-code.js';
import { STORE_KEY_BYTES, unwrapKey, wipe, wrapKey, type WrappedKey } from './wrap.js';

const KEYRING_FILE = 'store-keyring.json';
const keyringFile = (home: string): string => join(home, KEYRING_FILE);

export interface CardWrap extends CardRef {
  createdAt: string;
  wrap: WrappedKey;
}

export interface Keyring {
  version: 1;
  /** random per store: part of every card challenge and of the HKDF salt */
  salt: string;
  cards: CardWrap[];
  recovery: { salt: string; createdAt: string; wrap: WrappedKey } | null;
  keychain: { createdAt: string; wrap: WrappedKey } | null;
}

// Additional data: a wrap only opens for its own store, kind and card.
const aad = (k: Pick<Keyring, 'salt'>, kind: 'card' | 'recovery' | 'keychain', card = ''): string => `mssante-store-key|v1|${kind}|${k.salt}|${card}`;
const saltOf = (k: Keyring): Buffer => Buffer.from(k.salt, 'base64');

async function cardWrap(k: Pick<Keyring, 'salt'>, storeKey: Buffer, signer: KekSigner, now: Date): Promise<CardWrap> {
  const { kek, card } = await deriveCardKek(signer, Buffer.from(k.salt, 'base64'), { confirm: true });
  try {
    return { ...card, createdAt: now.toISOString(), wrap: wrapKey(storeKey, kek, aad(k, 'card', card.certSha256)) };
  } finally {
    wipe(kek);
  }
}

function recoveryWrap(k: Pick<Keyring, 'salt'>, storeKey: Buffer, now: Date): { recovery: NonNullable<Keyring['recovery']>; code: string } {
  const code = generateRecoveryCode();
  const salt = randomBytes(16);
  const kek = recoveryKek(code, salt);
  try {
    return { code, recovery: { salt: salt.toString('base64'), createdAt: now.toISOString(), wrap: wrapKey(storeKey, kek, aad(k, 'recovery')) } };
  } finally {
    wipe(kek);
  }
}

/**
 * A new keyring for `storeKey` (a fresh random key, or the key of a store
 * made before card binding): wrapped for the logged-in card and a new
 * recovery code, returned once to be shown to the user.
 */
export async function createKeyring(signer: KekSigner, storeKey: Buffer, now = new Date()): Promise<{ keyring: Keyring; recoveryCode: string }> {
  const base = { salt: randomBytes(32).toString('base64') };
  const card = await cardWrap(base, storeKey, signer, now);
  const { recovery, code } = recoveryWrap(base, storeKey, now);
  return { keyring: { version: 1, ...base, cards: [card], recovery, keychain: null }, recoveryCode: code };
}

/**
 * A keyring without card wrap (a card that signs only with PSS, or a card-less
 * e-CPS session, with the user's consent): the OS keychain's KEK and a new
 * recovery code; a card can be bound later (rebindToCard).
 */
export function createKeychainKeyring(storeKey: Buffer, keychainKek: Buffer, now = new Date()): { keyring: Keyring; recoveryCode: string } {
  const base = { salt: randomBytes(32).toString('base64') };
  const { recovery, code } = recoveryWrap(base, storeKey, now);
  const keyring: Keyring = { version: 1, ...base, cards: [], recovery, keychain: null };
  return { keyring: setKeychainWrap(keyring, storeKey, keychainKek, now), recoveryCode: code };
}

/**
 * A keyring without any card or keychain wrap: a card-less (e-CPS) user of the
 * CLI, which has no OS keychain. The recovery code is the only KEK; a card can
 * be bound later (`store rekey --new-card`).
 */
export function createRecoveryKeyring(storeKey: Buffer, now = new Date()): { keyring: Keyring; recoveryCode: string } {
  const base = { salt: randomBytes(32).toString('base64') };
  const { recovery, code } = recoveryWrap(base, storeKey, now);
  return { keyring: { version: 1, ...base, cards: [], recovery, keychain: null }, recoveryCode: code };
}

export function newStoreKey(): Buffer {
  return randomBytes(STORE_KEY_BYTES);
}

/** The store key with the logged-in card; STORE_WRONG_CARD when the keyring has no wrap for it. */
export async function unlockWithCard(k: Keyring, signer: KekSigner): Promise<Buffer> {
  const card = await signerCard(signer);
  const entry = k.cards.find((c) => c.certSha256 === card.certSha256);
  if (!entry) throw new AppError('STORE_WRONG_CARD', 'this store is not bound to this card', { data: { cards: k.cards.length } });
  const { kek } = await deriveCardKek(signer, saltOf(k));
  try {
    const key = unwrapKey(entry.wrap, kek, aad(k, 'card', entry.certSha256));
    if (!key) throw new AppError('STORE_WRONG_CARD', 'the card signature does not unwrap the store key');
    return key;
  } finally {
    wipe(kek);
  }
}

export function unlockWithRecovery(k: Keyring, code: string): Buffer {
  if (!k.recovery) throw new AppError('STORE_RECOVERY_INVALID', 'this store has no recovery code');
  const kek = recoveryKek(code, Buffer.from(k.recovery.salt, 'base64'));
  try {
    const key = unwrapKey(k.recovery.wrap, kek, aad(k, 'recovery'));
    if (!key) throw new AppError('STORE_RECOVERY_INVALID', 'the recovery code does not open this store');
    return key;
  } finally {
    wipe(kek);
  }
}

export function unlockWithKeychain(k: Keyring, kek: Buffer): Buffer | null {
  return k.keychain ? unwrapKey(k.keychain.wrap, kek, aad(k, 'keychain')) : null;
}

/** Binds the store to the logged-in card ALONE (renewal): every other card's wrap is dropped. */
export async function rebindToCard(k: Keyring, storeKey: Buffer, signer: KekSigner, now = new Date()): Promise<Keyring> {
  return { ...k, cards: [await cardWrap(k, storeKey, signer, now)] };
}

/** A new recovery code (the old one lost or seen): the previous one stops working. */
export function renewRecovery(k: Keyring, storeKey: Buffer, now = new Date()): { keyring: Keyring; recoveryCode: string } {
  const { recovery, code } = recoveryWrap(k, storeKey, now);
  return { keyring: { ...k, recovery }, recoveryCode: code };
}

/** Adds (kek given) or removes (null) the OS-keychain wrap. */
export function setKeychainWrap(k: Keyring, storeKey: Buffer, kek: Buffer | null, now = new Date()): Keyring {
  return { ...k, keychain: kek ? { createdAt: now.toISOString(), wrap: wrapKey(storeKey, kek, aad(k, 'keychain')) } : null };
}

// ---- file I/O ----

function isWrap(w: unknown): w is WrappedKey {
  const o = w as Partial<WrappedKey> | null;
  return !!o && typeof o.iv === 'string' && typeof o.ciphertext === 'string' && typeof o.tag === 'string';
}

/** The keyring of a data folder, or null when the store was never bound to a card. */
export function readKeyring(home: string): Keyring | null {
  let text: string;
  try {
    text = readFileSync(keyringFile(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('IO_FAILED', 'cannot read the store keyring', { cause: err });
  }
  try {
    const k = JSON.parse(text) as Keyring;
    if (k.version !== 1 || typeof k.salt !== 'string' || !Array.isArray(k.cards) || !k.cards.every((c) => isWrap(c.wrap) && typeof c.certSha256 === 'string')) throw new Error('bad shape');
    if (k.recovery && !isWrap(k.recovery.wrap)) throw new Error('bad recovery');
    return { ...k, keychain: k.keychain && isWrap(k.keychain.wrap) ? k.keychain : null };
  } catch (err) {
    throw new AppError('STORE_CORRUPT', 'the store keyring is malformed', { cause: err });
  }
}

/**
 * Writes the keyring atomically. `create`: only when none exists yet (two
 * processes binding a new store at once: the second gets false and reads the first's).
 */
export function writeKeyring(home: string, k: Keyring, opts: { create?: boolean } = {}): boolean {
  const file = keyringFile(home);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(k, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    if (!opts.create) {
      renameSync(tmp, file);
      return true;
    }
    try {
      linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot write the store keyring', { cause: err });
  }
}
