// `npm run bench [-- part...]`: speed and memory figures, each part measured
// against its baselines in the same run on this machine (never asserted in
// tests). Parts: tls, sync, trust, ui, audit, storekey, actions (default: all). Brings the test bench up if
// needed and down again if it started it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchTls } from './tls.js';
import { benchSync } from './sync.js';
import { benchTrust } from './trust.js';
import { benchUi } from './ui.js';
import { benchAudit } from './audit.js';
import { benchStoreKey } from './store-key.js';
import { benchActions } from './actions.js';

type Figures = Record<string, number | string>;
const PARTS: Record<string, () => Promise<Figures>> = {
  tls: () => benchTls(),
  sync: () => benchSync(),
  trust: () => benchTrust(),
  ui: () => benchUi(),
  audit: () => benchAudit(),
  storekey: () => benchStoreKey(),
  actions: () => benchActions(),
};

const root = fileURLToPath(new URL('../../', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const parts = wanted.length ? wanted : Object.keys(PARTS);
for (const p of parts) if (!PARTS[p]) throw new Error(`unknown bench part ${p} (known: ${Object.keys(PARTS).join(', ')})`);

const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'up', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (up.status !== 0) throw new Error('the test bench could not start');
const startedHere = (JSON.parse(up.stdout) as { started?: boolean }).started === true;

const all: Record<string, Figures> = {};
try {
  for (const p of parts) {
    process.stderr.write(`== bench ${p}\n`);
    const t = performance.now();
    all[p] = await PARTS[p]!();
    all[p]['bench_seconds'] = Math.round((performance.now() - t) / 100) / 10;
    for (const [k, v] of Object.entries(all[p])) console.log(`${p.padEnd(6)} ${k.padEnd(44)} ${v}`);
  }
} finally {
  if (startedHere) spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'down'], { cwd: root, stdio: 'inherit' });
}
console.log(JSON.stringify(all, null, 2));
