#!/usr/bin/env node
// `npm test`: static checks, then the test bench (started if it is not up),
// then every test file under test/ with Node's test runner. The bench is
// stopped at the end only if this run started it.
//
//   node test/run-all.mjs                 everything
//   node test/run-all.mjs --no-static     skip typecheck and lint
//   node test/run-all.mjs FILE...         only these test files (no static checks)
//   node test/run-all.mjs --unit          `npm run test:unit`: test/unit only, no bench, no static
//                                         checks, two files at a time (nothing there needs root,
//                                         the bench or Chromium)
//
// With CI set, the reporter writes no colour codes.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
process.chdir(root);
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const unit = args.includes('--unit');
const runStatic = files.length === 0 && !unit && !args.includes('--no-static');

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

// CI logs are plain text: no colour codes from the reporter or from our CLI (FORCE_COLOR would win over NO_COLOR).
const env = { ...process.env, MSSANTE_TEST: '1' };
if (env.CI) {
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
}

if (runStatic) {
  console.log('== typecheck');
  if (run('npm', ['run', '--silent', 'typecheck'], { env }) !== 0) process.exit(1);
  console.log('== lint');
  if (run('npm', ['run', '--silent', 'lint'], { env }) !== 0) process.exit(1);
}

// The experimental test APIs our tests use (MockTimers on Node 20) warn in every run: that noise comes
// from our test setup, not from the code under test.
const nodeArgs = ['--no-warnings=ExperimentalWarning', '--import', 'tsx'];

let startedHere = false;
if (!unit) {
  console.log('== test bench');
  const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'up', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (up.status !== 0) {
    console.error('The test bench could not start (see above). Tests need it: see README "Developer guide".');
    process.exit(1);
  }
  startedHere = JSON.parse(up.stdout).started === true;
}

const testFiles = files.length ? files : findTests(unit ? join('test', 'unit') : 'test');
console.log(`== ${testFiles.length} test files`);
const status = run(process.execPath, [
  ...nodeArgs,
  '--test', `--test-concurrency=${unit ? 2 : 1}`, '--test-timeout=900000', '--test-reporter=spec',
  ...testFiles,
], { env });

if (startedHere && !process.env.MSSANTE_KEEP_TESTBED) {
  run(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'down']);
}
process.exit(status);
