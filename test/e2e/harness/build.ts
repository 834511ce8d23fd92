// Builds the renderer (the product's vite config) and the harness's page bridge
// into test-artifacts/, once per change of their sources: several e2e files and
// the UI bench share the build.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from '../../support/testbed.js';

export const BUILD_DIR = join(REPO_ROOT, 'test-artifacts', 'renderer-build');
const STAMP = join(BUILD_DIR, '.built-at');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Returns the folder holding index.html (with the bridge script) and its assets. */
export async function buildRenderer(): Promise<string> {
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'src-renderer')), newestMtime(join(REPO_ROOT, 'src-main', 'ipc')), statSync(join(REPO_ROOT, 'test/e2e/harness/page-bridge.ts')).mtimeMs);
  if (existsSync(STAMP) && Number(readFileSync(STAMP, 'utf8')) >= sources) return BUILD_DIR;
  await build({
    configFile: join(REPO_ROOT, 'src-renderer', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: BUILD_DIR, emptyOutDir: true, sourcemap: false },
  });
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: join(BUILD_DIR, 'harness'),
      emptyOutDir: true,
      lib: { entry: join(REPO_ROOT, 'test/e2e/harness/page-bridge.ts'), formats: ['iife'], name: 'harnessBridge', fileName: () => 'bridge.js' },
      minify: false,
    },
  });
  // A classic script runs before the app's module script: window.mssante exists when the app starts.
  const indexFile = join(BUILD_DIR, 'index.html');
  const html = readFileSync(indexFile, 'utf8');
  writeFileSync(indexFile, html.replace('<head>', '<head>\n    <script src="./harness/bridge.js"></script>'));
  mkdirSync(BUILD_DIR, { recursive: true });
  writeFileSync(STAMP, String(sources));
  return BUILD_DIR;
}
