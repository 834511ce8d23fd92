// `npm run lint` runs dependency-cruiser with .dependency-cruiser.cjs: this proves each
// layering rule fires, on a fixture tree that breaks each once (test/fixtures/layers/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');
const fixture = 'test/fixtures/layers';

function cruise(...paths: string[]): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...paths], {
    cwd: repo,
    env: { ...process.env, LAYERS_ROOT: `${fixture}/src-main`, LAYERS_RENDERER_ROOT: `${fixture}/src-renderer` },
    encoding: 'utf8',
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

test('a lower layer importing a higher one, a cycle, a folder without a layer, a renderer import outside common/: each fails', () => {
  const { status, out } = cruise(`${fixture}/src-main`, `${fixture}/src-renderer`);
  assert.notEqual(status, 0, out);
  assert.match(out, /layer-tls: test\/fixtures\/layers\/src-main\/tls\/signer\.ts → test\/fixtures\/layers\/src-main\/card\/holder\.ts/);
  assert.match(out, /no-circular: /);
  assert.match(out, /layer-unlisted: test\/fixtures\/layers\/src-main\/extra\/x\.ts/);
  assert.match(out, /renderer-only-common: test\/fixtures\/layers\/src-renderer\/view\.ts → test\/fixtures\/layers\/src-main\/store\/db\.ts/);
  assert.doesNotMatch(out, /store\/db\.ts → .*errors/, 'a lower layer is allowed');
});

test('imports of lower layers only: no violation', () => {
  const { status, out } = cruise(`${fixture}/src-main/store`);
  assert.equal(status, 0, out);
});
