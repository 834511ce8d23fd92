// Bundles the preload into dist/preload/preload.cjs: sandboxed preloads cannot
// load other files, so the contract (and zod) are inlined; only `electron` stays external.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/preload', import.meta.url)),
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    target: 'chrome130',
    lib: {
      entry: fileURLToPath(new URL('./preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
