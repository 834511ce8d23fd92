// Project metadata that a fresh clone relies on: the Node versions `engines` promises satisfy every
// installed package (no EBADENGINE on `npm ci`), the README says the same, native install scripts
// are approved explicitly, and the licence is declared and shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/testbed.js';

// npm's own semver (a dependency of several build tools here), typed for the one call we make
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } | null };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  license: string;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

test('every Node version engines allows (its lowest of each line) satisfies every locked package', () => {
  const lowest = pkg.engines.node.split('||').map((r) => semver.minVersion(r.trim())!.version);
  assert.ok(lowest.length >= 1);
  for (const v of lowest) {
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(v, p.engines.node))
      .map(([path, p]) => `${path} (${(p.engines as { node: string }).node})`);
    assert.deepEqual(refused, [], `Node ${v}`);
  }
  assert.equal((lock.packages[''] as { engines?: { node?: string } }).engines?.node, pkg.engines.node, 'lock file in step');
});

test('the README states the same Node requirement as engines', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  for (const v of pkg.engines.node.split('||').map((r) => semver.minVersion(r.trim())!.version.replace(/(\.0)+$/, ''))) {
    assert.ok(readme.includes(`Node.js ${v}`) || readme.includes(`Node ${v}`), `README names Node ${v}`);
  }
});

test('install scripts: the native modules and the Electron download are approved explicitly', () => {
  for (const name of ['better-sqlite3-multiple-ciphers', 'pkcs11js', 'electron']) assert.equal(pkg.allowScripts[name], true, name);
});

test('Apache-2.0: declared in package.json and the full text in LICENSE', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const text = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
});
