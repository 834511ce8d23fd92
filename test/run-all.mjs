#!/usr/bin/env node
// `npm test`: static checks, then the test bench (started if it is not up),
// then every test file under test/ with Node's test runner. The bench is
// stopped at the end only if this run started it.
//
//   node test/run-all.mjs                 everything
//   node test/run-all.mjs --no-static     skip typecheck and lint
//   node test/run-all.mjs FILE...         only these test files (no static checks)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
process.chdir(root);
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const runStatic = files.length === 0 && !args.includes('--no-static');

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

if (runStatic) {
  console.log('== typecheck');
  if (run('npm', ['run', '--silent', 'typecheck']) !== 0) process.exit(1);
  console.log('== lint');
  if (run('npm', ['run', '--silent', 'lint']) !== 0) process.exit(1);
}

console.log('== test bench');
const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'up', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (up.status !== 0) {
  console.error('The test bench could not start (see above). Tests need it: see README "Developer guide".');
  process.exit(1);
}
const startedHere = JSON.parse(up.stdout).started === true;

const testFiles = files.length ? files : findTests('test');
console.log(`== ${testFiles.length} test files`);
const status = run(process.execPath, [
  '--import', 'tsx',
  '--test', '--test-concurrency=1', '--test-timeout=300000', '--test-reporter=spec',
  ...testFiles,
], { env: { ...process.env, MSSANTE_TEST: '1' } });

if (startedHere && !process.env.MSSANTE_KEEP_TESTBED) {
  run(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'down']);
}
process.exit(status);
