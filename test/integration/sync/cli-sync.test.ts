// `mssante sync` through the real binary against the bench, then the offline
// verbs on what it stored.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliCard, recoveryCodeIn, runMssante } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { generateCorpus } from '../../testbed/corpus.js';
import { admin, appendMessages, newFolder, serverFlags, state, USER } from './helpers.js';

const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const env = { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '' };
// the store opens only with the card and its PIN
const doctor = cliCard(state, card(state, 'doctorA'));
const created: string[] = [];
after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

test('mssante sync --json fills the store (bound to the card on first use: keyring 0600, recovery code shown once, no key file); flags set offline reach the server on the next sync', async () => {
  const c = await admin();
  const folder = await newFolder(c, 'synctest-cli');
  created.push(folder);
  await appendMessages(c, folder, 4, { subject: (i) => `Échographie ${i}` });
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-sync-'));
  try {
    const r = await runMssante(['--home', home, 'sync', '--account', USER, '--folder', folder, '--json'], { env, card: doctor });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.folders, 1);
    assert.equal(summary.new, 4);
    assert.equal(typeof summary.durationSeconds, 'number');
    assert.match(r.stderr, new RegExp(`${folder} : téléchargement 4/4`), 'progress on stderr');
    assert.equal(statSync(join(home, 'store-keyring.json')).mode & 0o777, 0o600);
    assert.equal(existsSync(join(home, 'store.key')), false, 'no key file');
    assert.ok(recoveryCodeIn(r.stderr), 'recovery code shown at set-up');

    const list = await runMssante(['--home', home, 'messages', 'list', '--folder', folder, '--json'], { env, card: doctor });
    const msgs = JSON.parse(list.stdout).messages as { id: number; uid: number; subject: string }[];
    assert.equal(msgs.length, 4);
    const target = msgs.find((m) => m.subject === 'Échographie 2')!;
    const flag = await runMssante(['--home', home, 'messages', 'flag', String(target.id), '--flagged'], { env, card: doctor });
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual((await serverFlags(folder)).get(target.uid), [], 'not on the server before a sync');
    const r2 = await runMssante(['--home', home, 'sync', '--folder', folder, '--json'], { env, card: doctor });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(JSON.parse(r2.stdout).replayed, 1);
    assert.deepEqual((await serverFlags(folder)).get(target.uid), ['\\Flagged']);

    const search = await runMssante(['--home', home, 'search', 'echographie', '2', '--json'], { env, card: doctor });
    assert.deepEqual(JSON.parse(search.stdout).messages.map((m: { id: number }) => m.id), [target.id]);

    const unknown = await runMssante(['--home', home, 'sync', '--folder', 'Dossier-inexistant', '--json'], { env, card: doctor });
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stdout).error.code, 'NOT_FOUND');
  } finally {
    rmSync(home, { recursive: true, force: true });
    await c.logout();
  }
});

test('messages show --json reports the IHE_XDM.ZIP of a synced message: documents and a qualified INS', async () => {
  const c = await admin();
  const folder = await newFolder(c, 'synctest-xdm');
  created.push(folder);
  const xdm = [...generateCorpus({ count: 60, seed: 11 })].find((m) => m.kind === 'xdm');
  assert.ok(xdm, 'the corpus has an XDM message');
  await c.append(folder, xdm.raw, []);
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-xdm-'));
  try {
    const r = await runMssante(['--home', home, 'sync', '--account', USER, '--folder', folder, '--json'], { env, card: doctor });
    assert.equal(r.code, 0, r.stderr);
    const [m] = JSON.parse((await runMssante(['--home', home, 'messages', 'list', '--folder', folder, '--json'], { env, card: doctor })).stdout).messages as { id: number }[];
    const show = await runMssante(['--home', home, 'messages', 'show', String(m!.id), '--json'], { env, card: doctor });
    assert.equal(show.code, 0, show.stderr);
    const out = JSON.parse(show.stdout).message.xdm;
    assert.equal(out.documents.length, 1);
    assert.equal(out.documents[0].integrity, 'ok');
    assert.equal(out.patient.qualified, true);
    assert.match(out.patient.ins, /^\d{15}$/);
    const text = await runMssante(['--home', home, 'messages', 'show', String(m!.id)], { env, card: doctor });
    assert.match(text.stdout, /Document de santé structuré/);
  } finally {
    rmSync(home, { recursive: true, force: true });
    await c.logout();
  }
});
