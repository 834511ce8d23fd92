// Keeps the suite runnable side by side and free of guessed delays (issue 16):
//  - no file under test/ or scripts/ listens on, or connects to, a literal port: servers listen on
//    port 0 (test/support/ports.ts: listenOnFreePort, freePort; openssl s_server -accept 0), bench
//    ports derive from MSSANTE_TESTBED_PORT_BASE. Numbers below 1024 are account data (993, 587…),
//    never a port a test can listen on without root, so they are not flagged;
//  - no file under test/ sleeps: waits are on events, or on test/support/wait.ts's waitUntil for a
//    state that announces nothing (it is the one place allowed to re-check on a timer).
// Each exception below is a file, a rule and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '../../support/testbed.js';

type Rule = 'literal-port' | 'sleep';

interface Finding {
  rule: Rule;
  line: number;
  text: string;
}

// A number from 1024 up in one of these places is a fixed port.
const PORT_PATTERNS: RegExp[] = [
  /\.listen\(\s*(\d+)/g, // server.listen(21010, …)
  /['"`](?:-accept|-port|--port|-connect)['"`]\s*,\s*['"`]?(?:[\w.[\]-]*:)?(\d+)/g, // 'openssl', ['s_server', '-accept', '21010']
  /(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0):(\d+)\b/g, // 'localhost:21040', `http://127.0.0.1:8080/`
  /\b(?:port|[a-z]\w*Port|PORT|[A-Z]\w*_PORT|PORT_[A-Z_]+)\s*[:=]\s*(\d+)\b/g, // port: 21061, const PORT = 21050
  /\b(?:startProxy|startMiniServer|waitForPort)\(\s*(\d+)/g,
];

// A promise that only waits for a timer, a sleep helper, or a blocking sleep.
const SLEEP_PATTERNS: RegExp[] = [
  /new Promise\w*(?:<[^>]*>)?\(\s*\(?\s*(\w+)\s*\)?\s*=>\s*setTimeout\(\s*\1\s*,/g, // new Promise((r) => setTimeout(r, 100))
  /new Promise\w*(?:<[^>]*>)?\(\s*\(?\s*(\w+)[^)]*\)?\s*=>\s*setTimeout\(\s*\(\)\s*=>\s*\1\(\)\s*,/g, // … setTimeout(() => r(), 100)
  /\b(?:async\s+)?function\s+(?:sleep|delay|pause|nap)\s*\(/g,
  /\b(?:const|let)\s+(?:sleep|delay|pause|nap)\s*=/g,
  /from\s+['"](?:node:)?timers\/promises['"]/g, // await setTimeout(100) from timers/promises
  /\bAtomics\.wait\(/g,
  /\b(?:exec|execSync|execFile|execFileSync|spawn|spawnSync)\(\s*['"`]sleep\b/g,
];

function findings(source: string, rules: readonly Rule[] = ['literal-port', 'sleep']): Finding[] {
  const out: Finding[] = [];
  const lineOf = (index: number): number => source.slice(0, index).split('\n').length;
  const textAt = (line: number): string => (source.split('\n')[line - 1] ?? '').trim();
  if (rules.includes('literal-port')) {
    for (const re of PORT_PATTERNS) {
      for (const m of source.matchAll(re)) {
        const n = Number(m[1]);
        if (n < 1024 || n > 65535) continue;
        const line = lineOf(m.index ?? 0);
        out.push({ rule: 'literal-port', line, text: textAt(line) });
      }
    }
  }
  if (rules.includes('sleep')) {
    for (const re of SLEEP_PATTERNS) {
      for (const m of source.matchAll(re)) {
        const line = lineOf(m.index ?? 0);
        out.push({ rule: 'sleep', line, text: textAt(line) });
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Exceptions: repository path → rule → why it is right there. */
const ALLOWED: Record<string, Partial<Record<Rule, string>>> = {
  'test/support/wait.ts': { sleep: 'waitUntil: the one re-check interval, for states that emit no event' },
  'test/support/tls.ts': { sleep: "SoftwareSigner's optional latency stands for a slow card: the delay is the behaviour under test (the handshake clock must not run while the key signs), not a wait" },
  'test/testbed/bench.ts': { sleep: 'bench supervision: daemons that detach (Dovecot, Postfix), their pid files and ports, and a start lock held by other processes announce nothing' },
};

// The rules' own examples live in this file.
const SELF = 'test/unit/lint/test-hygiene.test.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') out.push(...sourceFiles(p));
    } else if (/\.(?:[cm]?[jt]s)$/.test(name)) out.push(p);
  }
  return out;
}

const repoPath = (p: string): string => relative(REPO_ROOT, p).split(sep).join('/');

test('the rules fire on fixed ports and on sleeps, and not on what is allowed', () => {
  const ports = [
    "server.listen(21013, '127.0.0.1', r)",
    "startExternalServer('openssl', ['s_server', '-accept', '21010', '-quiet'], 21010)",
    "['--port', '21012', '--echo']",
    "check(['localhost:21041', '--trust-anchors', ca])",
    "const url = `http://127.0.0.1:8080/crl`;",
    "connectTls({ host: '127.0.0.1', port: 21061 })",
    'const PORT = 21050;',
    'let port = 21110;',
    'const DEAD_PORT = 4444;',
    'startProxy(21021, target, hooks)',
  ];
  for (const sample of ports) assert.deepEqual(findings(sample).map((f) => f.rule), ['literal-port'], sample);
  const sleeps = [
    'await new Promise((r) => setTimeout(r, 300));',
    'await new Promise((resolve) => setTimeout(resolve, 1500)); // time for a second delivery',
    'await new Promise<void>((r) => setTimeout(() => r(), 100));',
    'function sleep(ms: number) {',
    'const delay = (ms: number) => new Promise(…);',
    "import { setTimeout as wait } from 'node:timers/promises';",
    "execSync('sleep 1');",
  ];
  for (const sample of sleeps) assert.deepEqual(findings(sample).map((f) => f.rule), ['sleep'], sample);
  const fine = [
    "server.listen(0, '127.0.0.1', r)",
    "startOpensslServer(['-cert', cert, '-key', key])",
    "openImapSession({ host: 'imap.op.fr', port: 993, security: 'tls' })",
    "parseHostPort('127.0.0.1:143')",
    "account add --imap 'a:1' --smtp 'b:2'",
    'const port = await freePort();',
    "port: tb.ports.imaps",
    "const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);",
    'const t = setTimeout(() => reject(new Error("event not seen")), 15_000);',
    "t.mock.timers.enable({ apis: ['setTimeout'] });",
    'handshakeTimeoutMs: 1000, signTimeoutMs: 300',
  ];
  for (const sample of fine) assert.deepEqual(findings(sample), [], sample);
});

test('no file under test/ or scripts/ uses a fixed port or sleeps (exceptions are listed with their reason)', () => {
  const files = [...sourceFiles(join(REPO_ROOT, 'test')), ...sourceFiles(join(REPO_ROOT, 'scripts'))];
  assert.ok(files.length > 100, `found only ${files.length} files: wrong root?`);
  const problems: string[] = [];
  const used = new Set<string>();
  for (const file of files) {
    const path = repoPath(file);
    if (path === SELF) continue;
    const rules: Rule[] = path.startsWith('scripts/') ? ['literal-port'] : ['literal-port', 'sleep'];
    for (const f of findings(readFileSync(file, 'utf8'), rules)) {
      if (ALLOWED[path]?.[f.rule]) {
        used.add(`${path} ${f.rule}`);
        continue;
      }
      problems.push(`${path}:${f.line} ${f.rule === 'sleep' ? 'sleeps' : 'uses a fixed port'}: ${f.text}`);
    }
  }
  assert.deepEqual(problems, [], 'use listenOnFreePort/freePort (test/support/ports.ts) and events or waitUntil (test/support/wait.ts)');
  const stale = Object.entries(ALLOWED).flatMap(([path, rules]) => Object.keys(rules).map((r) => `${path} ${r}`)).filter((k) => !used.has(k));
  assert.deepEqual(stale, [], 'exceptions that no longer match anything: remove them');
});
