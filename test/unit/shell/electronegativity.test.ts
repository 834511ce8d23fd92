// Electronegativity (Doyensec) over the shell and renderer sources: no HIGH
// finding allowed. A deliberately insecure fixture proves the scanner really
// reads our TypeScript (otherwise "no finding" would prove nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(join(root, 'package.json'));

interface Finding {
  id: string;
  file: string;
  location: { line: number };
  severity: { name: string };
  confidence: { name: string };
}
type Runner = (options: Record<string, unknown>, forCli: boolean) => Promise<{ issues: Finding[]; errors: { file: string; message: string; tolerable: boolean }[] }>;

function loadRunner(): Runner {
  // The tool fetches translations over the network at each run: answer "offline" at once.
  const i18n = require.resolve('@doyensec/electronegativity/dist/locales/i18n.js');
  const got = createRequire(i18n).resolve('got');
  require.cache[got] = { id: got, filename: got, loaded: true, exports: () => Promise.reject(new Error('offline')) } as never;
  const mod = require('@doyensec/electronegativity/dist/runner.js') as Runner | { default: Runner };
  return typeof mod === 'function' ? mod : mod.default;
}

async function scan(input: string): Promise<Finding[]> {
  const log = console.log;
  console.log = () => {};
  try {
    const result = await loadRunner()({
      input, output: null, isSarif: false, customScan: [], excludeFromScan: [], severitySet: 'informational',
      confidenceSet: 'tentative', isRelative: true, electronVersionOverride: '41.7.1', parserPlugins: [],
    }, false);
    assert.deepEqual(result.errors.filter((e) => !e.tolerable), [], 'every file parsed');
    return result.issues;
  } finally {
    console.log = log;
  }
}

const high = (findings: Finding[]) => findings.filter((f) => f.severity.name === 'HIGH' || f.severity.name === 'CRITICAL');

test('Electronegativity finds no HIGH issue in the shell and the renderer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-eng-'));
  try {
    // One tree as packaged: main process sources, preload, and the renderer (its index.html carries the CSP).
    cpSync(join(root, 'src-main', 'shell'), join(dir, 'shell'), { recursive: true });
    cpSync(join(root, 'src-renderer', 'src'), join(dir, 'renderer', 'src'), { recursive: true });
    cpSync(join(root, 'src-renderer', 'index.html'), join(dir, 'renderer', 'index.html'));
    const findings = await scan(dir);
    const report = findings.map((f) => `${f.severity.name} ${f.id} ${f.file}:${f.location.line}`);
    assert.deepEqual(high(findings).map((f) => `${f.id} ${f.file}:${f.location.line}`), [], report.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the scan does flag an insecure window written in TypeScript (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-eng-bad-'));
  try {
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src', 'main.ts'),
      "import { BrowserWindow } from 'electron';\n" +
        "const w: BrowserWindow = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n" +
        "void w.loadURL('https://example.org');\n",
    );
    const ids = high(await scan(dir)).map((f) => f.id);
    assert.ok(ids.includes('CONTEXT_ISOLATION_JS_CHECK'), ids.join(', '));
    assert.ok(ids.includes('LIMIT_NAVIGATION_GLOBAL_CHECK'), ids.join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
