// Our side of the sync benchmark, in its own process so that its peak RSS is
// its own: (c) full initial sync (parse + store + FTS) with the product's store
// hooks (trust decision, access journal, receipts), (d) no-change resync,
// (e) search latency. Prints one JSON line.
// Runs under tsx (sources) or compiled (`tsc -p tsconfig.bench.json` puts it in
// dist/test/bench/, next to dist/src-main/: the same relative imports reach the build).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreWorkerClient } from '../../src-main/store/worker/client.js';
import { MailStore } from '../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../src-main/store/key-provider.js';
import { SyncEngine } from '../../src-main/sync/engine.js';
import { CardService, CardSigner } from '../../src-main/card/index.js';
import { externalImapConnector } from '../../src-main/sync/imap-connector.js';
import { composeStoreHooks, PRODUCT_STORE_HOOKS } from '../../src-main/app/store-hooks.js';
import { trustDirOf } from '../../src-main/trust/home.js';
import type { TestbedState } from '../support/testbed.js';
import { benchVerifier } from '../support/tls-bench.js';
import { BENCH_QUERIES } from './sync-queries.js';

// <home> holds the trust folder the parent filled (annuaire + liste blanche) and gets the store;
// <state> is the bench's state.json (the compiled child does not live at the repository's root)
const [user, folder, home, stateFile] = process.argv.slice(2) as [string, string, string, string];
const state = JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedState;
// the product channel: our TLS 1.2 client, CertificateVerify signed by the (virtual) CPS card, IMAP EXTERNAL
const holder = state.cards.find((c) => c.address === user)!;
process.env.SOFTHSM2_CONF = state.softhsm.conf; // inherited by the card host
const cards = new CardService({ modulePath: holder.pkcs11Module });
const session = await cards.login(await cards.selectToken(holder.tokenSerial), Buffer.from(holder.userPin));
// default inactivity timeouts (30 s, issue 14), as in the product
const connector = externalImapConnector({ host: 'localhost', port: state.ports.imaps, security: 'tls' }, new CardSigner(session), benchVerifier(state));
// the Electron configuration: parser + store worker threads with the product's hooks, IMAP on the main thread;
// MSSANTE_BENCH_STORE=inprocess: the CLI configuration (one thread, same hooks), for comparison
const file = join(home, `ours-${Date.now()}.db`);
const keyProvider = staticKeyProvider(randomBytes(32));
const hookOptions = { home, trustDir: trustDirOf(home) };
const inProcess = process.env.MSSANTE_BENCH_STORE === 'inprocess';
const worker = inProcess ? null : await StoreWorkerClient.start({ file, keyProvider, hooks: PRODUCT_STORE_HOOKS, hookOptions });
if (worker && worker.activeHooks.length !== PRODUCT_STORE_HOOKS.length) throw new Error(`store hooks not active: ${worker.activeHooks.join(', ')}`);
const local = inProcess ? await MailStore.open({ file, keyProvider, hooks: composeStoreHooks(PRODUCT_STORE_HOOKS, hookOptions) }) : null;
const store = worker ? worker.api : local!;
const engine = new SyncEngine({ store, connector, account: { address: user } });
function rssKinds(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => /^Rss(Anon|File|Shmem):/.test(l)).map((l) => l.replace(/\s+/g, ' ')).join(', ');
  } catch {
    return '';
  }
}
// where the peak is: the main thread's heap and off-heap memory, sampled during the initial sync
const mainPeak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
// and the kind of resident memory at the highest RSS seen (Linux: anonymous, file-backed, shared)
let kinds = '';
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss / 1048576 > mainPeak.rss) kinds = rssKinds();
  for (const k of Object.keys(mainPeak) as (keyof typeof mainPeak)[]) mainPeak[k] = Math.max(mainPeak[k], Math.round(m[k] / 1048576));
}, 500);
let firstChunkAt = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
engine.on('progress', (p) => {
  if (!firstChunkAt && p.phase === 'initial' && p.done > 0) firstChunkAt = performance.now() - t0;
});
const initial = await engine.syncOnce({ folders: [folder] });
const initialS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
const initialPeakRssMB = process.resourceUsage().maxRSS / 1024;
// (d) no-change resync: full pass (connect + login + LIST-STATUS + plan) and on an open session
const t1 = performance.now();
const again = await engine.syncOnce({ folders: [folder] });
const resyncConnectS = (performance.now() - t1) / 1000;
const client = await connector.connect();
const resync: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await engine.syncOnce({ client, folders: [folder] });
  resync.push((performance.now() - t) / 1000);
}
await client.logout();
// (e) search latency over the fixed query set, 20 rounds
const lat: number[] = [];
let hits = 0;
for (let round = 0; round < 20; round++) {
  for (const q of BENCH_QUERIES) {
    const t = performance.now();
    hits += (await store.search(q, { limit: 50 })).length;
    lat.push(performance.now() - t);
  }
}
lat.sort((a, b) => a - b);
const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;
const f = (await store.findFolder(folder))!;
const stored = await store.countMessages(f.id);
process.stdout.write(
  JSON.stringify({
    stored,
    // a folder that failed is reported in the summary, not thrown (one folder never aborts a pass)
    failedFolders: initial.failedFolders.map((f) => `${f.folder}: ${f.code}`).join('; '),
    initialNew: initial.new,
    initialS,
    // CPU seconds of all threads: comparable even on a loaded machine
    initialCpuS: (cpu.user + cpu.system) / 1e6,
    firstChunkS: firstChunkAt / 1000,
    resyncWithConnectS: resyncConnectS,
    resyncS: resync.sort((a, b) => a - b)[2],
    resyncPlan: again.perFolder[0]?.plan,
    searchP50Ms: pct(50),
    searchP95Ms: pct(95),
    searchHits: hits,
    hooks: worker ? worker.activeHooks : PRODUCT_STORE_HOOKS,
    // worker threads share the process: this is the whole client's peak
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    initialPeakRssMB,
    mainPeakMB: mainPeak,
    rssKindsAtPeak: kinds,
  }) + '\n',
);
await worker?.close();
local?.close();
await session.logout();
cards.close();
