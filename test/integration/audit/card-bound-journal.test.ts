// The card-bound store and the journal's card anchoring through the real
// binary (issue 21): without the card (or the PIN) no verb reads the store and
// no file of the data folder opens it; a forger holding the store key who
// rewrites the chain before the last card checkpoint is caught there; entries
// after it are reported "non encore ancrées", never "intact".
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryHash } from '../../../src-main/audit/chain.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { cliCard, recoveryCodeIn, runMssante, type CliCard } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { admin, appendMessages, newFolder, state, USER } from '../sync/helpers.js';

const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const env = { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '' };
const SUBJECTS = ['Échographie Anchor-Un', 'Bilan Anchor-Deux', 'Ordonnance Anchor-Trois'];
const doctor = cliCard(state, card(state, 'doctorA'));
const temp: string[] = [];
const created: string[] = [];
let home = '';
let recoveryCode = '';

const tmp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temp.push(d);
  return d;
};
const cli = async (h: string, args: string[], extra: NodeJS.ProcessEnv = {}, withCard: CliCard | null = doctor) =>
  runMssante(['--home', h, ...args], { env: { ...env, ...extra }, ...(withCard ? { card: withCard } : {}) });
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};
/** The raw store key of a data folder, as an attacker who extracted it would hold it (the recovery code opens it here). */
const extractedKey = (dir: string): Buffer => unlockWithRecovery(readKeyring(dir)!, recoveryCode);

before(async () => {
  const c = await admin();
  let folder: string;
  try {
    folder = await newFolder(c, 'audit-anchor');
    created.push(folder);
    await appendMessages(c, folder, 3, { subject: (i) => SUBJECTS[i]! });
  } finally {
    await c.logout();
  }
  home = tmp('mssante-audit-anchor-');
  const first = await cli(home, ['sync', '--account', USER, '--folder', folder, '--json']);
  assert.equal(json<{ new: number }>(first).new, 3);
  recoveryCode = recoveryCodeIn(first.stderr) ?? '';
  assert.ok(recoveryCode);
});

after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

/** Every file of a data folder read as a key: raw bytes, and each hex (64) or base64 (44) run of its text. */
function keyCandidates(dir: string): { file: string; key: Buffer }[] {
  const out: { file: string; key: Buffer }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const content = readFileSync(p);
      const text = content.toString('latin1');
      const keys = [content, ...(text.match(/[0-9a-fA-F]{64}/g) ?? []).map((h) => Buffer.from(h, 'hex')), ...(text.match(/[A-Za-z0-9+/]{43}=/g) ?? []).map((b) => Buffer.from(b, 'base64'))];
      for (const key of keys) if (key.length === 32) out.push({ file: p, key });
    }
  };
  walk(dir);
  return out;
}

test('without the card (or without the PIN) no verb reads the store, and no file of the data folder is a key that opens it', async () => {
  const noCard = { env: { ...env }, card: null };
  for (const args of [['messages', 'list', '--json'], ['messages', 'show', '1', '--json'], ['search', 'echographie', '--json'], ['audit', 'verify', '--json'], ['messages', 'export', '1', join(tmp('mssante-audit-nocard-'), 'x'), '--json']]) {
    const r = await cli(home, args, { MSSANTE_PKCS11_MODULE: '/nonexistent/libpkcs11.so' }, noCard.card);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).error.code, 'STORE_CARD_REQUIRED', args.join(' '));
    assert.ok(!SUBJECTS.some((subject) => r.stdout.includes(subject)));
  }
  // the card is there but no PIN is given (no terminal, no --pin-stdin)
  const noPin = await runMssante(['--home', home, '--json', '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, 'messages', 'list'], { env: { ...env, ...doctor.env } });
  assert.equal(noPin.code, 1);
  assert.equal(JSON.parse(noPin.stdout).error.code, 'STORE_CARD_REQUIRED');
  // another card with its right PIN does not open it either
  const other = await cli(home, ['messages', 'list', '--json'], {}, cliCard(state, card(state, 'doctorB')));
  assert.equal(JSON.parse(other.stdout).error.code, 'STORE_WRONG_CARD');

  const candidates = keyCandidates(home);
  assert.ok(candidates.length > 0, 'the keyring salts and wraps are tried too');
  for (const { file, key } of candidates) assert.throws(() => openDatabase(join(home, 'mail.db'), key, { readonly: true }), `${file} opens the store`);
});

/** Rewrites the chain from `fromSeq` on with the store key (hashes recomputed) and moves the head file: a forger's best effort. */
function rechain(dir: string, fromSeq: number, sql: string): void {
  const db = openDatabase(join(dir, 'mail.db'), extractedKey(dir));
  try {
    db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;');
    db.exec(sql);
    const journal = new Journal(db);
    const all = [...journal.entries()];
    let prev = all.find((e) => e.seq === fromSeq - 1)?.hash ?? '0'.repeat(64);
    for (const e of all.filter((x) => x.seq >= fromSeq)) {
      const hash = entryHash({ ...e, prevHash: prev });
      db.prepare('UPDATE journal SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, e.seq);
      prev = hash;
    }
    const head = journal.head();
    writeFileSync(join(dir, 'journal-head.json'), JSON.stringify({ version: 1, seq: head.seq, hash: head.hash, at: new Date().toISOString() }) + '\n');
  } finally {
    db.close();
  }
}

test('journal anchoring: a rewrite before the last card checkpoint is caught there even with the store key; entries after it are reported "non encore ancrées"', async () => {
  // every command with the card ends with a card-signed checkpoint when it appended
  const v0 = json<{ ok: boolean; checkpoints: { seq: number; valid: boolean }[]; anchoredThrough: number | null; unanchored: number }>(await cli(home, ['audit', 'verify', '--json']));
  assert.equal(v0.ok, true);
  assert.ok(v0.checkpoints.length >= 1 && v0.checkpoints.every((c) => c.valid));
  assert.ok(v0.anchoredThrough !== null);

  // an edit on a copy: without the card the copy cannot even be opened
  const copy = tmp('mssante-audit-forge-');
  cpSync(home, copy, { recursive: true });
  const locked = await cli(copy, ['audit', 'verify', '--json'], { MSSANTE_PKCS11_MODULE: '/nonexistent/libpkcs11.so' }, null);
  assert.equal(JSON.parse(locked.stdout).error.code, 'STORE_CARD_REQUIRED');

  // with the key extracted: the received messages (signed over by the first sync's checkpoint) rewritten, chain and head redone
  const jdb = openDatabase(join(home, 'mail.db'), extractedKey(home), { readonly: true });
  const seq = (jdb.prepare("SELECT seq FROM journal WHERE action = 'sync.session' ORDER BY seq LIMIT 1").pluck().get() as number);
  jdb.close();
  rechain(copy, seq, `UPDATE journal SET data_json = replace(data_json, '"new":3', '"new":2') WHERE seq = ${seq}`);
  const forged = await cli(copy, ['audit', 'verify', '--json']);
  assert.equal(forged.code, 1);
  const fv = JSON.parse(forged.stdout) as { ok: boolean; broken: { kind: string; found: string } };
  assert.equal(fv.ok, false);
  assert.equal(fv.broken.kind, 'anchor', 'caught at the card checkpoint');
  assert.equal(fv.broken.found, 'entrée signée modifiée');

  // the same forger on entries after the last checkpoint: the chain holds, and verify does not call them intact
  const tail = tmp('mssante-audit-tail-');
  cpSync(home, tail, { recursive: true });
  const tdb = openDatabase(join(tail, 'mail.db'), extractedKey(tail));
  const lastSeq = new Journal(tdb).head().seq;
  tdb.close();
  rechain(tail, lastSeq, `UPDATE journal SET data_json = replace(data_json, 'card.logout', 'card.logout') WHERE seq = ${lastSeq}`);
  const text = await cli(tail, ['audit', 'verify'], {}, doctor);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /non encore ancrée\(s\)/);
  assert.doesNotMatch(text.stdout, /^Journal des accès intact : /);
});

