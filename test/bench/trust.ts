// Trust benchmark (issue 7), wired into `npm run bench` by test/bench/run.ts:
//   (a) import of a generated 540,000-row extraction (real header, realistic fields, some
//       duplicates and malformed lines) into a fresh home on tmpfs, in a CHILD process so that
//       its peak RSS is the import's own (targets: ≤ 10 s, ≤ 250 MB); its CPU time too
//   (b) autocomplete latency over realistic prefixes (target: p95 ≤ 5 ms)
//   (c) full-text search latency (CLI `annuaire search`), and lookups by address (typed in full,
//       pasted with its display name, an address not in the annuaire) and by domain (issue 15)
//   (d) sender trust decision latency (what the sync adds per message; target ≤ 5 % of sync)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { nativeBinding } from '../../src-main/store/native-binding.js';
import { importAnnuaire, importListeBlanche, TrustContext, senderFactsFromHeaders } from '../../src-main/trust/index.js';
import { FIXTURES_DIR, writeExtraction } from '../unit/trust/support/extraction.js';

const ROWS = Number(process.env.MSSANTE_BENCH_ANNUAIRE_ROWS ?? 540_000);
const SELF = fileURLToPath(import.meta.url);

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Runs the import in a child process; returns its report and its peak RSS. */
interface ChildReport {
  seconds: number;
  cpuSeconds: number;
  indexSeconds: number;
  rows: number;
  imported: number;
  duplicates: number;
  malformed: number;
  maxRssMb: number;
}

function importInChild(file: string, home: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SELF, '--child-import', file, home], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`import child exited with ${code}`))));
  });
}

const FIRST_NAMES = ['Jean', 'Marie', 'Sophie', 'Philippe', 'Hélène', 'Éric', 'Chloé', 'Benoît'];
const LAST_NAMES = ['MARTIN', 'DUBOIS', 'LEFÈVRE', 'GUÉRIN', 'FOURNIER', 'DUPONT', 'KERDRAON', 'NGUYEN', 'MÜLLER'];

const FIRST = ['je', 'mar', 'soph', 'phil', 'isab', 'nico', 'hél', 'fra', 'cél', 'éri', 'jér', 'val'];
const LAST = ['mart', 'bern', 'dub', 'dur', 'lef', 'ler', 'rou', 'mor', 'four', 'gir', 'bonn', 'dupo', 'lamb', 'font', 'guér', 'garn'];
const OTHER = ['card', 'pédi', 'psych', 'infirm', 'pharma', 'kiné', 'sage', 'brest', 'lyon', 'toul', 'nantes', '750', '290', 'centre hosp', 'cabinet med'];

function autocompleteQueries(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const last = LAST[i % LAST.length]!;
    switch (i % 5) {
      case 0: out.push(last); break;
      case 1: out.push(`${last} ${FIRST[i % FIRST.length]}`); break;
      case 2: out.push(`${FIRST[i % FIRST.length]} ${last}`); break;
      case 3: out.push(OTHER[i % OTHER.length]!); break;
      default: out.push(`${FIRST[i % FIRST.length]!.normalize('NFD').replace(/[\u0300-\u036f]/g, '')}.${last.slice(0, 3)}`); break;
    }
  }
  return out;
}

export async function benchTrust(opts: { log?: (line: string) => void; workDir?: string } = {}): Promise<Record<string, number | string>> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  // tmpfs by default, like the sync bench: on this shared VM, disk writeback would dominate.
  const work = mkdtempSync(join(opts.workDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'mssante-bench-trust-'));
  try {
    const file = join(work, 'Extraction_Correspondance_MSSante_202611260300.txt');
    log(`trust: generating a ${ROWS}-row extraction…`);
    const generated = await writeExtraction(file, { rows: ROWS, duplicateEvery: 3000, malformedEvery: 50_000 });
    const home = join(work, 'home');

    log('trust: importing it (child process)…');
    const imp = await importInChild(file, home);
    if (imp.rows !== generated.rows || imp.duplicates !== generated.duplicates || imp.malformed !== generated.malformed) {
      throw new Error(`import counts ${JSON.stringify(imp)} differ from the generated ones ${JSON.stringify(generated)}`);
    }
    await importListeBlanche(join(FIXTURES_DIR, 'listeblanche', 'listeblanchemssante.xml'), { home });
    const ctx = TrustContext.open(home);
    try {
      const queries = autocompleteQueries(600);
      for (const q of queries.slice(0, 50)) ctx.autocomplete(q); // warm the page cache
      // Wall time, and CPU time of the call (the machine may be shared: CPU time is what our code costs).
      const auto: number[] = [];
      const autoCpu: number[] = [];
      for (const q of queries) {
        const c = process.cpuUsage();
        const t = performance.now();
        ctx.autocomplete(q, 10);
        auto.push(performance.now() - t);
        const used = process.cpuUsage(c);
        autoCpu.push((used.user + used.system) / 1000);
      }
      const search = queries.slice(0, 200).map((q) => {
        const t = performance.now();
        ctx.search(q, 20);
        return performance.now() - t;
      });
      // 200 addresses spread over the imported file, asked for in four forms.
      const db = new Database(join(home, 'annuaire.sqlite'), { readonly: true, nativeBinding: nativeBinding() });
      const sample = (db.prepare('SELECT address FROM entry WHERE id % ? = 0 LIMIT 200').all(Math.max(1, Math.floor(imp.imported / 200))) as { address: string }[]).map((r) => r.address);
      db.close();
      const addressQueries: string[] = [];
      for (const [i, picked] of sample.entries()) {
        switch (i % 4) {
          case 0: addressQueries.push(picked); break;
          case 1: addressQueries.push(`"Dr X" <${picked.toUpperCase()}>`); break;
          case 2: addressQueries.push(`inconnu.${i}@${picked.slice(picked.indexOf('@') + 1)}`); break;
          default: addressQueries.push('@' + picked.slice(picked.indexOf('@') + 1)); break;
        }
      }
      const timed = (fn: (q: string) => unknown, qs: string[]): number[] =>
        qs.map((q) => {
          const t = performance.now();
          fn(q);
          return performance.now() - t;
        });
      const addressSearch = timed((q) => ctx.search(q, 20), addressQueries);
      const addressAuto = timed((q) => ctx.autocomplete(q, 10), addressQueries);
      const senders = [
        '"Dr Jean Martin" <jean.martin.3@pharmacien.mssante.fr>',
        'Secrétariat <secretariat.9@ch-439.mssante.fr>',
        '"Dr Jеan Dupont" <jean.dupont.cardio@gmail.com>',
        'inconnu@medecin.mssante.fr',
        '=?UTF-8?Q?H=C3=A9l=C3=A8ne_Lef=C3=A8vre?= <helene.lefevre@infirmier.mssante.fr>',
      ].map((from) => senderFactsFromHeaders({ from, returnPath: '<bounce@medecin.mssante.fr>' }));
      for (const s of senders) ctx.decide(s);
      const decide: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const t = performance.now();
        ctx.decide(senders[i % senders.length]!);
        decide.push(performance.now() - t);
      }
      // First message of each sender (no cached look-alike lookup): distinct display names.
      const firstSeen: number[] = [];
      const firstSeenCpu: number[] = [];
      for (let i = 0; i < 500; i++) {
        const facts = senderFactsFromHeaders({ from: `"${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[(i * 7) % LAST_NAMES.length]} ${i}" <x${i}@medecin.mssante.fr>` });
        const c = process.cpuUsage();
        const t = performance.now();
        ctx.decide(facts);
        firstSeen.push(performance.now() - t);
        const used = process.cpuUsage(c);
        firstSeenCpu.push((used.user + used.system) / 1000);
      }
      return {
        trust_import_rows: imp.rows,
        trust_import_seconds: imp.seconds,
        trust_import_seconds_target: 10,
        trust_import_cpu_seconds: imp.cpuSeconds,
        trust_import_index_seconds: imp.indexSeconds,
        trust_import_peak_rss_mb: imp.maxRssMb,
        trust_import_peak_rss_mb_target: 250,
        trust_import_rows_per_second: Math.round(imp.rows / imp.seconds),
        trust_annuaire_db_mb: round(statSync(join(home, 'annuaire.sqlite')).size / 1048576, 1),
        trust_autocomplete_p50_ms: round(percentile(auto, 50), 3),
        trust_autocomplete_p95_ms: round(percentile(auto, 95), 3),
        trust_autocomplete_p95_ms_target: 5,
        trust_autocomplete_cpu_p95_ms: round(percentile(autoCpu, 95), 3),
        trust_search_p50_ms: round(percentile(search, 50), 3),
        trust_search_p95_ms: round(percentile(search, 95), 3),
        trust_address_search_p50_ms: round(percentile(addressSearch, 50), 3),
        trust_address_search_p95_ms: round(percentile(addressSearch, 95), 3),
        trust_address_autocomplete_p50_ms: round(percentile(addressAuto, 50), 3),
        trust_address_autocomplete_p95_ms: round(percentile(addressAuto, 95), 3),
        trust_decision_p50_us: round(percentile(decide, 50) * 1000, 1),
        trust_decision_p95_us: round(percentile(decide, 95) * 1000, 1),
        trust_decision_first_seen_p50_us: round(percentile(firstSeen, 50) * 1000, 1),
        trust_decision_first_seen_p95_us: round(percentile(firstSeen, 95) * 1000, 1),
        trust_decision_first_seen_cpu_p95_us: round(percentile(firstSeenCpu, 95) * 1000, 1),
      };
    } finally {
      ctx.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Child mode: `node --import tsx test/bench/trust.ts --child-import FILE HOME` prints the report as JSON.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child-import') {
  const [file, home] = process.argv.slice(3);
  const cpu = process.cpuUsage();
  let indexStart = 0;
  const r = await importAnnuaire(file!, { home: home!, onIndexing: () => (indexStart = performance.now()) });
  const used = process.cpuUsage(cpu);
  const report: ChildReport = {
    seconds: r.seconds,
    cpuSeconds: round((used.user + used.system) / 1e6),
    indexSeconds: round((performance.now() - indexStart) / 1000),
    rows: r.rows,
    imported: r.imported,
    duplicates: r.duplicates,
    malformed: r.malformed,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(report));
} else if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  console.log(JSON.stringify(await benchTrust(), null, 2));
}
