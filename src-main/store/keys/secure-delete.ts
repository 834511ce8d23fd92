// Removes a file that held key material: overwritten with random bytes of the
// same length, flushed, then unlinked. On SSDs, copy-on-write filesystems
// (btrfs, APFS) and in backups the old blocks may survive: docs/STORE-KEY.md
// says so; the key it held stays valid for copies of the store made before.
import { closeSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export function secureDelete(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const noise = randomBytes(Math.max(size, 1));
    writeSync(fd, noise, 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(file);
}
