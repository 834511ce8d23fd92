// The product path with the journal: `account add`, then `mssante sync` with the
// bench's SoftHSM CPS card (EXTERNAL over our TLS client): the card login and
// logout, the account, the session with its server are journalled, and the card
// signs the journal head (checkpoint) that `audit verify` checks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBenchListeBlanche } from '../../support/bench-home.js';
import { cliCard, runMssante } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { appendMessages, state } from '../sync/helpers.js';

const doctor = card(state, 'doctorA');
const other = card(state, 'doctorB');
// the store opens only with the card: reading the journal too
const withCard = cliCard(state, doctor);
const folder = `audit-card-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const home = mkdtempSync(join(tmpdir(), 'mssante-audit-card-sync-'));
after(async () => {
  const c = plainImapClient(state, { user: doctor.address });
  c.on('error', () => undefined);
  await c.connect();
  await c.mailboxDelete(folder).catch(() => undefined);
  await c.logout();
  rmSync(home, { recursive: true, force: true });
});

test('a card sync journals login, account, session and logout, and leaves a card-signed checkpoint that verifies', async () => {
  const admin = plainImapClient(state, { user: doctor.address });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.mailboxCreate(folder);
  await appendMessages(admin, folder, 2, { subject: (i) => `Scanner carte ${i}` });
  await admin.logout();
  const env = { SOFTHSM2_CONF: state.softhsm.conf, MSSANTE_TEST: '', MSSANTE_STORE_KEY: '' };
  const add = await runMssante(['--home', home, 'account', 'add', '--address', doctor.address, '--imap', `localhost:${state.ports.imap}`, '--imap-starttls', '--smtp', `localhost:${state.ports.submissions}`, '--auth', 'card', '--trust-anchors', state.pki.caBundle], { env });
  assert.equal(add.code, 0, add.stderr);
  const sync = await runMssante(['--home', home, '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', '--json', 'sync', '--folder', folder], { stdin: `${doctor.userPin}\n`, env });
  assert.equal(sync.code, 0, sync.stderr);
  assert.doesNotMatch(sync.stderr, /journal/i, 'no journal warning');

  const v = await runMssante(['--home', home, '--json', 'audit', 'verify'], { env, card: withCard });
  assert.equal(v.code, 0, v.stderr);
  const out = JSON.parse(v.stdout) as { ok: boolean; anchor: string; checkpoints: { valid: boolean; nationalId: string }[] };
  assert.equal(out.ok, true);
  assert.equal(out.anchor, 'ok');
  assert.equal(out.checkpoints.length, 1);
  assert.equal(out.checkpoints[0]!.valid, true);
  assert.equal(out.checkpoints[0]!.nationalId, `8${doctor.rpps}`, 'signed by the card holder (national id = 8 + RPPS)');

  const file = join(home, 'journal.jsonl');
  assert.equal((await runMssante(['--home', home, 'audit', 'export', file], { env, card: withCard })).code, 0);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; data: Record<string, unknown> });
  const actions = lines.map((l) => l.action);
  for (const a of ['account.added', 'card.login', 'message.received', 'sync.session', 'journal.checkpoint', 'card.logout', 'journal.verified']) assert.ok(actions.includes(a), `${a} journalled`);
  assert.ok(actions.indexOf('card.login') < actions.indexOf('message.received'));
  assert.ok(actions.indexOf('journal.checkpoint') < actions.indexOf('card.logout'), 'signed while the card was logged in');
  assert.equal(lines.find((l) => l.action === 'sync.session')!.data.server, `localhost:${state.ports.imap}`);
  assert.ok(!readFileSync(file, 'utf8').includes('Scanner carte'), 'no subject in the journal');
});

test('a message sent with the card is journalled: Message-ID, every recipient address, SHA-256 of the bytes sent (no subject)', async () => {
  await importBenchListeBlanche(home, state);
  const env = { SOFTHSM2_CONF: state.softhsm.conf, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: '' };
  const sent = await runMssante(['--home', home, '--json', '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', 'send', '--to', other.address, '--subject', 'Résultats Audit-Sujet-Secret', '--body', 'Corps secret du message'], { env, stdin: `${doctor.userPin}\n` });
  assert.equal(sent.code, 0, sent.stderr);
  const file = join(home, 'journal-sent.jsonl');
  assert.equal((await runMssante(['--home', home, 'audit', 'export', file], { env, card: withCard })).code, 0);
  const text = readFileSync(file, 'utf8');
  const entry = text.trim().split('\n').map((l) => JSON.parse(l) as { action: string; data: Record<string, unknown> }).find((l) => l.action === 'message.sent');
  assert.ok(entry, 'message.sent journalled');
  assert.deepEqual(entry.data.recipients, [other.address]);
  assert.match(String(entry.data.messageId), /^<.+@.+>$/);
  assert.match(String(entry.data.sha256), /^[0-9a-f]{64}$/);
  assert.ok(!text.includes('Audit-Sujet-Secret') && !text.includes('Corps secret'), 'no subject or body in the journal');
});
