// Sync benchmark (issue 5), wired into `npm run bench` by test/bench/run.ts:
// on the bench's Dovecot with a generated corpus (default 10,000 messages of
// ~20 KB) whose Maildir and every local store live on tmpfs (/dev/shm):
//   (a) raw imapflow fetch of all sources over Node's TLS with PLAIN
//   (b) mbsync pull to a Maildir + `notmuch new`
//   (c) our full initial sync (parse + store + FTS) over the card channel (our TLS 1.2 client, CPS card, EXTERNAL),
//       with the product's store hooks (trust decision over an imported annuaire + liste blanche, access journal,
//       receipts): with the store threads (the app) and in process (the CLI)
//   (d) our no-change resync
//   (e) search p50/p95, ours vs `notmuch search`
// plus peak RSS of our sync process and the ratios c/a and c/b.
// Our side runs the compiled build by default (`tsc -p tsconfig.bench.json`: dist/src-main as
// `npm run build:main` makes it, plus the bench child in dist/test/bench); `--source` runs it under tsx.
// `--cpu-prof` writes V8 CPU profiles of our sync (main thread and worker threads) to
// /dev/shm/mssante-bench-prof (open them in Chrome DevTools, or `node --import tsx test/bench/prof-summary.ts DIR`);
// `--no-build` reuses dist/ as it is; `--threads-only` leaves out the in-process run; `--no-notmuch` leaves out (b) and notmuch's search (quicker profiling runs).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { card, loadTestbed, STATE_FILE } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { BENCH_QUERIES, loadCorpusFolder } from './sync-corpus.js';
import { importAnnuaire, importListeBlanche } from '../../src-main/trust/index.js';
import { trustDirOf } from '../../src-main/trust/home.js';
import { FIXTURES_DIR, writeExtraction } from '../unit/trust/support/extraction.js';

export interface BenchSyncOptions {
  /** corpus size (default 10,000, or MSSANTE_BENCH_SYNC_MESSAGES) */
  messages?: number;
  seed?: number;
  /** tmpfs work directory (default /dev/shm/mssante-bench-sync-<pid>) */
  workDir?: string;
  log?: (line: string) => void;
  /** our side under tsx instead of the compiled build (default: from --source on the command line) */
  source?: boolean;
  /** V8 CPU profiles of our side into this folder (default: /dev/shm/mssante-bench-prof with --cpu-prof) */
  cpuProfDir?: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SOURCE_CHILD = fileURLToPath(new URL('./sync-child.ts', import.meta.url));
const DIST_CHILD = join(ROOT, 'dist', 'test', 'bench', 'sync-child.js');
/** annuaire rows generated for the trust hook of (c) (MSSANTE_BENCH_SYNC_ANNUAIRE_ROWS) */
const ANNUAIRE_ROWS = Number(process.env.MSSANTE_BENCH_SYNC_ANNUAIRE_ROWS ?? 50_000);

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  return (performance.now() - t) / 1000;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;

export async function benchSync(opts: BenchSyncOptions = {}): Promise<Record<string, number | string>> {
  const n = opts.messages ?? Number(process.env.MSSANTE_BENCH_SYNC_MESSAGES ?? 10_000);
  const seed = opts.seed ?? 7;
  // one folder per run: another checkout's bench may run the same part at the same time
  const work = opts.workDir ?? `/dev/shm/mssante-bench-sync-${process.pid}`;
  const log = opts.log ?? ((l: string) => process.stderr.write(`[bench sync] ${l}\n`));
  const state = loadTestbed();
  // a card holder's mailbox: (c) syncs it over the card channel (IMAP EXTERNAL), (a) and (b) log in with PLAIN on the tooling port
  const user = card(state, 'doctorA').address;
  const password = state.plainUsers.find((u) => u.user === user)!.password;
  const folder = `bench-sync-${n}-${seed}-${Date.now().toString(36)}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const argv = process.argv.slice(2);
  const source = opts.source ?? argv.includes('--source');
  // --no-notmuch: (a) and ours only (profiling runs; c/b is then NaN)
  const withB = !argv.includes('--no-notmuch');
  const cpuProfDir = opts.cpuProfDir ?? (argv.includes('--cpu-prof') ? '/dev/shm/mssante-bench-prof' : undefined);
  const out: Record<string, number | string> = { 'sync.messages': n, 'sync.c_build': source ? 'sources under tsx' : 'compiled (dist/)' };
  if (!source && !argv.includes('--no-build')) {
    // the compiled build: dist/src-main exactly as `npm run build:main` emits it, plus the bench child
    const t = performance.now();
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.bench.json')], { cwd: ROOT, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed: ${tsc.stdout}${tsc.stderr}`);
    log(`compiled build in ${round((performance.now() - t) / 1000, 1)} s`);
  }

  // corpus: CREATE over IMAP (Dovecot lists it), then the Maildir on tmpfs
  const admin = plainImapClient(state, { user });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.mailboxCreate(folder);
  await admin.logout();
  let t = performance.now();
  const bytes = loadCorpusFolder(state, user, folder, n, seed, work);
  out['sync.corpusMB'] = round(bytes / 1e6, 1);
  out['sync.corpusAvgKB'] = round(bytes / n / 1000, 1);
  log(`corpus: ${n} messages, ${out['sync.corpusMB']} MB in ${round((performance.now() - t) / 1000, 1)} s`);

  try {
    // (a) raw fetch
    const client = plainImapClient(state, { user });
    client.on('error', () => undefined);
    t = performance.now();
    const aCpu0 = process.cpuUsage();
    await client.connect();
    await client.mailboxOpen(folder, { readOnly: true });
    let fetched = 0;
    let fetchedBytes = 0;
    for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
      fetched++;
      fetchedBytes += m.source!.length;
    }
    const a = (performance.now() - t) / 1000;
    const aCpu = process.cpuUsage(aCpu0);
    await client.logout();
    if (fetched !== n) throw new Error(`raw fetch got ${fetched} of ${n}`);
    out['sync.a_rawFetchS'] = round(a);
    out['sync.a_rawFetchMBps'] = round(fetchedBytes / 1e6 / a, 1);
    // client CPU only (Dovecot's is not counted): with c_*CpuS, a load-independent view of our overhead
    out['sync.a_rawFetchCpuS'] = round((aCpu.user + aCpu.system) / 1e6);
    log(`(a) raw imapflow fetch: ${round(a)} s`);

    // (b) mbsync + notmuch new
    const mb = join(work, 'mbsync');
    const md = join(mb, 'mail');
    mkdirSync(md, { recursive: true });
    const port = (state.ports as { toolingImaps?: number }).toolingImaps ?? state.ports.imaps;
    writeFileSync(
      join(mb, 'mbsyncrc'),
      `IMAPAccount bench\nHost localhost\nPort ${port}\nUser ${user}\nPass ${password}\nSSLType IMAPS\nSSLVersions TLSv1.2\nCertificateFile ${state.pki.caBundle}\n` +
        `ClientCertificate ${state.pki.toolingClient.chain}\nClientKey ${state.pki.toolingClient.key}\nAuthMechs PLAIN\n\n` +
        `IMAPStore remote\nAccount bench\n\nMaildirStore local\nPath ${md}/\nInbox ${md}/INBOX\nSubFolders Verbatim\n\n` +
        `Channel bench\nFar :remote:${folder}\nNear :local:${folder}\nCreate Near\nSync Pull\nExpunge None\n`,
      { mode: 0o600 },
    );
    writeFileSync(join(mb, 'notmuch-config'), `[database]\npath=${md}\n[new]\ntags=unread;inbox;\n[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=true\n`);
    const nmEnv = { NOTMUCH_CONFIG: join(mb, 'notmuch-config') };
    const b1 = withB ? timed('mbsync', ['-q', '-c', join(mb, 'mbsyncrc'), 'bench']) : NaN;
    const b2 = withB ? timed('notmuch', ['new', '--quiet'], nmEnv) : NaN;
    const b = b1 + b2;
    out['sync.b_mbsyncS'] = round(b1);
    out['sync.b_notmuchNewS'] = round(b2);
    out['sync.b_mbsyncNotmuchS'] = round(b);
    log(`(b) mbsync ${round(b1)} s + notmuch new ${round(b2)} s`);

    // the trust hook's data: a generated annuaire extraction and the real liste blanche, imported
    // once into a trust folder that each run of ours copies (the runs' stores stay apart)
    const trustSeed = join(work, 'trust-seed');
    t = performance.now();
    const extraction = join(work, 'annuaire.txt');
    await writeExtraction(extraction, { rows: ANNUAIRE_ROWS });
    await importAnnuaire(extraction, { home: trustDirOf(trustSeed) });
    await importListeBlanche(join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante.xml'), { home: trustDirOf(trustSeed) });
    rmSync(extraction);
    out['sync.c_annuaireRows'] = ANNUAIRE_ROWS;
    log(`trust data: ${ANNUAIRE_ROWS} annuaire rows + liste blanche in ${round((performance.now() - t) / 1000, 1)} s`);

    // (c) (d) (e-ours) in a child process (own peak RSS): the CLI configuration
    // (store in process) and the Electron one (parser + store worker threads).
    // Each run gets its own home, never inside `work` itself: opening a store makes its
    // folder 0700, and Dovecot (another user) must still reach the corpus Maildir in `work`.
    let runs = 0;
    const runOurs = (store: 'inprocess' | 'worker'): Promise<Record<string, number | string>> =>
      new Promise((resolve, reject) => {
        const home = join(work, `ours-${store}-${++runs}`);
        spawnSync('cp', ['-a', trustSeed, home]);
        const execArgv = source ? process.execArgv : [];
        const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, store)}`] : [];
        const child = spawn(process.execPath, [...execArgv, ...prof, source ? SOURCE_CHILD : DIST_CHILD, user, folder, home, STATE_FILE], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, MSSANTE_BENCH_STORE: store },
        });
        let buf = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (buf += d));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(buf.trim().split('\n').pop()!)) : reject(new Error(`bench child exited ${code}`))));
      });
    // the product path first: store threads (the app); then the CLI's in-process store unless --threads-only
    const threaded = await runOurs('worker');
    if (threaded.stored !== n) throw new Error(`our threaded sync stored ${threaded.stored} of ${n} (${threaded.failedFolders || 'no folder failed'})`);
    out['sync.c_workerInitialS'] = round(threaded.initialS as number);
    out['sync.c_workerInitialCpuS'] = round(threaded.initialCpuS as number);
    out['sync.c_workerFirstChunkReadableS'] = round(threaded.firstChunkS as number);
    out['sync.e_workerSearchP95Ms'] = round(threaded.searchP95Ms as number, 2);
    out['sync.workerPeakRssMB'] = round(threaded.peakRssMB as number, 1);
    out['sync.workerInitialPeakRssMB'] = round(threaded.initialPeakRssMB as number, 1);
    out['sync.workerMainThreadPeakMB'] = JSON.stringify(threaded.mainPeakMB);
    out['sync.workerRssKindsAtPeak'] = String(threaded.rssKindsAtPeak);
    log(`(c) ours with store threads ${out['sync.c_workerInitialS']} s, peak RSS ${out['sync.workerPeakRssMB']} MB`);
    const ours = argv.includes('--threads-only') ? null : await runOurs('inprocess');
    if (ours && ours.stored !== n) throw new Error(`our sync stored ${ours.stored} of ${n} (${ours.failedFolders || 'no folder failed'})`);
    const c = ours ? (ours.initialS as number) : NaN;
    out['sync.c_oursInitialS'] = round(c);
    out['sync.c_oursInitialCpuS'] = ours ? round(ours.initialCpuS as number) : NaN;
    out['sync.c_firstChunkReadableS'] = ours ? round(ours.firstChunkS as number) : NaN;
    out['sync.c_connector'] = 'our TLS 1.2 client + CPS card (SoftHSM via cps-sim) + IMAP EXTERNAL';
    out['sync.d_noChangeResyncS'] = round(threaded.resyncS as number);
    out['sync.d_noChangeResyncWithConnectS'] = round(threaded.resyncWithConnectS as number);
    out['sync.e_oursSearchP50Ms'] = ours ? round(ours.searchP50Ms as number, 2) : NaN;
    out['sync.e_oursSearchP95Ms'] = ours ? round(ours.searchP95Ms as number, 2) : NaN;
    out['sync.peakRssMB'] = ours ? round(ours.peakRssMB as number, 1) : NaN;
    if (ours) log(`(c') ours in process ${round(c)} s (first chunk readable after ${round(ours.firstChunkS as number)} s), peak RSS ${out['sync.peakRssMB']} MB`);
    out['sync.c_hooks'] = String(threaded.hooks);
    out['sync.loadAverage'] = loadavg().map((l) => round(l, 2)).join(' ');

    // (e-notmuch): one `notmuch search` process per query, as a client would call it
    const nm: number[] = [];
    if (withB) for (let r = 0; r < 3; r++) for (const q of BENCH_QUERIES) nm.push(timed('notmuch', ['search', '--output=threads', '--limit=50', q], nmEnv) * 1000);
    out['sync.e_notmuchSearchP50Ms'] = round(percentile(nm, 50), 2);
    out['sync.e_notmuchSearchP95Ms'] = round(percentile(nm, 95), 2);
    out['sync.ratio_c_over_a'] = round(c / a, 2);
    out['sync.ratio_c_over_b'] = round(c / b, 2);
    out['sync.ratio_c_worker_over_a'] = round((threaded.initialS as number) / a, 2);
    out['sync.ratio_c_worker_over_b'] = round((threaded.initialS as number) / b, 2);
    log(`in process: c/a = ${out['sync.ratio_c_over_a']}, c/b = ${out['sync.ratio_c_over_b']}; store threads: c/a = ${out['sync.ratio_c_worker_over_a']}, c/b = ${out['sync.ratio_c_worker_over_b']}`);
  } finally {
    const cleanup = plainImapClient(state, { user });
    cleanup.on('error', () => undefined);
    await cleanup.connect().then(() => cleanup.mailboxDelete(folder)).catch(() => undefined);
    await cleanup.logout().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

// `node --import tsx test/bench/sync.ts [N]`: run this part alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  const n = count ? Number(count) : undefined;
  const r = await benchSync(n ? { messages: n } : {});
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(40)} ${v}`);
}
