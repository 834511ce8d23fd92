// Reading a data folder or a server's state from a test's side.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file below `dir` (recursively); entries that vanish while walking are skipped. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return [];
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}
