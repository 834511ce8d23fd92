// CRLs kept on disk for offline use and to avoid downloading them for every connection. Entries are
// raw CRL bytes keyed by distribution-point URL; they are re-verified against the issuer on every
// use (a tampered cache file is just an invalid CRL), so the cache needs no integrity of its own.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../files/private.js';

export interface CrlCache {
  get(url: string): Promise<Buffer | undefined>;
  put(url: string, crl: Buffer): Promise<void>;
}

export class DiskCrlCache implements CrlCache {
  constructor(private readonly dir: string) {}

  async get(url: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.file(url));
    } catch {
      return undefined;
    }
  }

  /** Atomic replace (write then rename): a crash never leaves a half-written CRL behind. */
  async put(url: string, crl: Buffer): Promise<void> {
    ensurePrivateDir(this.dir); // owner-only like the rest of the data folder (umask 022 gives 0755/0644)
    const tmp = `${this.file(url)}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, crl, { mode: PRIVATE_FILE_MODE });
    await rename(tmp, this.file(url));
  }

  private file(url: string): string {
    return join(this.dir, `${createHash('sha256').update(url).digest('hex')}.crl`);
  }
}

export class MemoryCrlCache implements CrlCache {
  private readonly entries = new Map<string, Buffer>();
  get(url: string): Promise<Buffer | undefined> {
    return Promise.resolve(this.entries.get(url));
  }
  put(url: string, crl: Buffer): Promise<void> {
    this.entries.set(url, crl);
    return Promise.resolve();
  }
}

/** Where the CLI and the app keep CRLs: <home>/crl-cache. */
export function crlCacheDir(home: string): string {
  return join(home, 'crl-cache');
}
