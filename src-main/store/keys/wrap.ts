// Wrapping of the store's random 256-bit key under key-encryption keys (KEKs):
// AES-256-GCM from node:crypto (authenticated: a wrong KEK fails cleanly, and
// the additional data binds each wrap to its store and its kind), HKDF-SHA-256
// for deriving KEKs. Nothing here touches files or the card.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../errors/index.js';

export const STORE_KEY_BYTES = 32;

/** One wrapped copy of the store key, as stored in the keyring file (base64 fields). */
export interface WrappedKey {
  iv: string;
  ciphertext: string;
  tag: string;
}

export function wrapKey(storeKey: Buffer, kek: Buffer, aad: string): WrappedKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(storeKey), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The store key, or null when this KEK (or the additional data) is not the one that wrapped it. */
export function unwrapKey(w: WrappedKey, kek: Buffer, aad: string): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(w.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(w.tag, 'base64'));
    const key = Buffer.concat([decipher.update(Buffer.from(w.ciphertext, 'base64')), decipher.final()]);
    if (key.length !== STORE_KEY_BYTES) {
      key.fill(0);
      throw new AppError('STORE_BAD_KEY', 'unwrapped store key has the wrong length');
    }
    return key;
  } catch (err) {
    if (err instanceof AppError) throw err;
    return null;
  }
}

/** HKDF-SHA-256 to a 32-byte KEK; the input keying material is the caller's to wipe. */
export function deriveKek(ikm: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), 32));
}

/** Overwrites key material we hold in Buffers (JS strings cannot be wiped: see docs/STORE-KEY.md). */
export function wipe(...buffers: (Buffer | Uint8Array | null | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}
