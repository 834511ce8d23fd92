// The Pro Santé Connect refresh token kept across commands and restarts, only when the
// account's `keepRefreshToken` setting is on (default off). It is sealed under the store
// key — whatever protects that key (the CPS card, or the clinic keychain by setting or consent: docs/STORE-KEY.md)
// protects the token: AES-256-GCM with a key derived by HKDF-SHA256 from the store key
// (random salt per file), the account address as associated data. Never in clear on
// disk; the access token is never written at all. node:crypto only (no library needed
// for one AEAD call).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const INFO = 'mssante psc refresh token v1';

export interface KeptSession {
  refreshToken: string;
  /** the professional's PSC identifier, for the status */
  subject?: string;
}

/** One file per account of the data folder (named by a hash of the address, not the address). */
export function refreshVaultFile(home: string, address: string): string {
  return join(home, `psc-session-${createHash('sha256').update(address).digest('hex').slice(0, 16)}.sealed`);
}

function derive(storeKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', storeKey, salt, INFO, 32));
}

export function sealRefreshToken(file: string, storeKey: Buffer, address: string, kept: KeptSession): void {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = derive(storeKey, salt);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(address, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(kept), 'utf8'), cipher.final()]);
  key.fill(0);
  const sealed = { v: 1, address, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(sealed), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The sealed file's shape: anything else (truncated, edited, another format) is "nothing kept", never a crash. */
const SealedFile = z.object({ v: z.literal(1), address: z.string(), salt: z.string(), iv: z.string(), tag: z.string(), data: z.string() });
const Kept = z.object({ refreshToken: z.string().min(1), subject: z.string().optional() });

/** The kept session of `address`, or undefined (none, damaged, another account's, or not openable with this key). */
export function openRefreshToken(file: string, storeKey: Buffer, address: string): KeptSession | undefined {
  let sealed: z.infer<typeof SealedFile>;
  try {
    const parsed = SealedFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    sealed = parsed.data;
  } catch {
    return undefined;
  }
  if (sealed.address !== address) return undefined;
  const key = derive(storeKey, Buffer.from(sealed.salt, 'base64'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(address, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    const kept = Kept.safeParse(JSON.parse(plain.toString('utf8')));
    return kept.success ? { refreshToken: kept.data.refreshToken, ...(kept.data.subject ? { subject: kept.data.subject } : {}) } : undefined;
  } catch {
    return undefined; // another store key (store rebuilt, other card), a cut tag: as if nothing were kept
  } finally {
    key.fill(0);
  }
}

/** A file is there but does not open (damaged, or sealed by another card or data folder): the caller erases it and says so. */
export function refreshVaultUnreadable(file: string, storeKey: Buffer, address: string): boolean {
  return existsSync(file) && openRefreshToken(file, storeKey, address) === undefined;
}

export function eraseRefreshToken(file: string): boolean {
  try {
    readFileSync(file);
  } catch {
    return false;
  }
  rmSync(file, { force: true });
  return true;
}
