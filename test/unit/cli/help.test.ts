import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// Words commander prints in English when its texts are not replaced.
const ENGLISH = /\b(error|Usage|Options:|Commands:|Arguments:|default:|choices:|required option|not specified|is invalid|unknown command|unknown option|Did you mean|display help|too many|missing required|Allowed choices)\b/;

test('mssante frobnicate: French only, names the command', async () => {
  const r = await runMssante(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Erreur : commande inconnue « frobnicate »/);
  assert.doesNotMatch(r.stderr + r.stdout, ENGLISH);
});

test('mssante account add without options: French only, names the missing option', async () => {
  const r = await runMssante(['account', 'add']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /l’option --address est obligatoire/);
  assert.doesNotMatch(r.stderr + r.stdout, ENGLISH);
  const bad = await runMssante(['account', 'add', '--address', 'a@b.fr', '--auth', 'carte']);
  assert.match(bad.stderr, /valeur « carte » refusée pour --auth ; valeurs possibles : card, pkcs12/);
  assert.doesNotMatch(bad.stderr, ENGLISH);
});

test('messages list --limit 0 and --limit 1000000: French only, the option and its bounds', async () => {
  for (const limit of ['0', '1000000', 'dix']) {
    const r = await runMssante(['messages', 'list', '--limit', limit]);
    assert.equal(r.code, 2, limit);
    assert.match(r.stderr, /--limit doit être entre 1 et 100 000/);
    assert.doesNotMatch(r.stderr + r.stdout, ENGLISH);
  }
});

test('help texts are French: headings, usage, defaults and choices', async () => {
  for (const args of [['--help'], ['messages', '--help'], ['messages', 'list', '--help'], ['account', 'add', '--help'], ['annuaire', 'download', '--help']]) {
    const r = await runMssante(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /^Utilisation : mssante/, args.join(' '));
    assert.doesNotMatch(r.stdout, ENGLISH, args.join(' '));
  }
  assert.match((await runMssante(['messages', 'list', '--help'])).stdout, /\(par défaut :\s+50\)/);
  assert.match((await runMssante(['account', 'add', '--help'])).stdout, /\(valeurs :\s+card,\s+pkcs12,\s+psc\)/);
});

test('messages list before any sync says the store is empty and what to run', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-empty-'));
  try {
    // the store opens with the card; the test seam stands for it (MSSANTE_TEST=1 only)
    const r = await runMssante(['--home', home, 'messages', 'list'], { env: { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') } });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Erreur : La base locale est vide : lancez « mssante sync ».');
    const missing = join(home, 'absent.xml');
    const file = await runMssante(['--home', home, 'listeblanche', 'import', missing]);
    assert.match(file.stderr, new RegExp(`Fichier introuvable : ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const noAccount = await runMssante(['--home', home, 'send', '--to', 'a@medecin.mssante.fr', '--body', 'x']);
    assert.match(noAccount.stderr, /Aucun compte de messagerie configuré : ajoutez-en un/);
    assert.doesNotMatch(noAccount.stderr, /pour cette adresse/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
