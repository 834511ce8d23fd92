import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMssante } from '../../support/cli.js';

test('mssante --help speaks French and exits 0', async () => {
  const r = await runMssante(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /afficher l’aide/);
  assert.match(r.stdout, /--pin-stdin/);
});

test('an unknown verb is a usage error (exit 2) with a French hint', async () => {
  const r = await runMssante(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /utilisez --help/);
});

test('a usage error inside a verb (unknown option) also exits 2', async () => {
  const r = await runMssante(['card', 'status', '--no-such-option']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /utilisez --help/);
});

test('--help on a verb exits 0', async () => {
  const r = await runMssante(['card', 'status', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /afficher l’aide/);
});
