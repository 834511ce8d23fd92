// Which compiled better-sqlite3 addon to load. The addon is built against one V8 ABI: `npm install`
// builds it for Node (CLI, tests); Electron needs its own build, which `npm start` puts beside it
// in a cache folder (scripts/electron-native.mjs). The packaged app needs neither: electron-builder
// rebuilds node_modules for Electron, so the default lookup finds the right one there.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface RuntimeFacts {
  /** process.versions.electron: undefined under plain Node */
  electron: string | undefined;
  platform: string;
  arch: string;
}

/** Folder (under node_modules/.cache) of the Electron build for one Electron version, platform and arch. */
export function electronNativeDir(nodeModules: string, rt: { electron: string; platform: string; arch: string }): string {
  return join(nodeModules, '.cache', 'mssante-electron-native', `electron-${rt.electron}-${rt.platform}-${rt.arch}`);
}

export const ADDON_FILE = 'better_sqlite3.node';

/**
 * The `nativeBinding` option for better-sqlite3: undefined under Node (its own lookup finds the Node
 * build), the cached Electron build under Electron when there is one, else undefined (packaged app).
 */
export function selectNativeBinding(rt: RuntimeFacts, nodeModules: string, exists: (path: string) => boolean): string | undefined {
  if (rt.electron === undefined) return undefined;
  const candidate = join(electronNativeDir(nodeModules, { electron: rt.electron, platform: rt.platform, arch: rt.arch }), ADDON_FILE);
  return exists(candidate) ? candidate : undefined;
}

let cached: { value: string | undefined } | undefined;

/** selectNativeBinding for this process (resolved once). */
export function nativeBinding(): string | undefined {
  if (!cached) {
    const rt = { electron: process.versions.electron, platform: process.platform, arch: process.arch };
    let value: string | undefined;
    if (rt.electron !== undefined) {
      try {
        const pkg = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers/package.json');
        value = selectNativeBinding(rt, dirname(dirname(pkg)), existsSync);
      } catch {
        value = undefined; // no cache to look in: better-sqlite3's own lookup decides
      }
    }
    cached = { value };
  }
  return cached.value;
}
