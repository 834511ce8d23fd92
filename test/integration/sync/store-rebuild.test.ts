// Issue 14 point 3 on the bench: a synced store with a bit flipped is refused by sync, then
// `mssante store rebuild` with the CPS card brings the server's messages back and keeps the
// outbox, the local draft and the access journal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { cliCard, runMssante, storeKeyOfHome } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { appendMessages, serverDigest, state } from './helpers.js';
import { openHomeStore, storeFile } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { Outbox } from '../../../src-main/send/outbox-store.js';

const doctor = card(state, 'doctorA');
const folder = `rebuild-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const dirs: string[] = [];
after(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  const c = plainImapClient(state, { user: doctor.address });
  c.on('error', () => undefined);
  await c.connect();
  await c.mailboxDelete(folder).catch(() => undefined);
  await c.logout();
});

test('store rebuild with the card: messages back from the server, outbox, draft and journal kept', async () => {
  const admin = plainImapClient(state, { user: doctor.address });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.mailboxCreate(folder);
  await appendMessages(admin, folder, 12, { subject: (i) => `Compte rendu reconstruit ${i}` });
  await admin.logout();
  const home = mkdtempSync(join(tmpdir(), 'mssante-rebuild-'));
  dirs.push(home);
  const add = await runMssante(['--home', home, 'account', 'add', '--address', doctor.address, '--imap', `localhost:${state.ports.imap}`, '--imap-starttls', '--smtp', `localhost:${state.ports.submissions}`, '--auth', 'card', '--trust-anchors', state.pki.caBundle]);
  assert.equal(add.code, 0, add.stderr);
  const env = { SOFTHSM2_CONF: state.softhsm.conf, MSSANTE_TEST: '' };
  // the store opens only with the card: bind it first and keep its key for the in-process reads below
  const withCard = { card: cliCard(state, doctor), env };
  const keyProvider = staticKeyProvider(await storeKeyOfHome(home, withCard.card));
  const cardArgs = ['--home', home, '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin'];
  const first = await runMssante([...cardArgs, '--json', 'sync', '--folder', folder], { stdin: `${doctor.userPin}\n`, env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).new, 12);

  // what exists only here: an outbox message and a local draft
  const store = await openHomeStore(home, { keyProvider });
  const outbox = new Outbox(store.db);
  for (const [n, draft] of [[1, false], [2, true]] as const) {
    const raw = Buffer.from(`From: ${doctor.address}\r\nSubject: local ${n}\r\nMessage-ID: <local${n}-${folder}@medecin.mssante.fr>\r\n\r\nx\r\n`);
    outbox.add(doctor.address, { messageId: `<local${n}-${folder}@medecin.mssante.fr>`, raw, sha256: createHash('sha256').update(raw).digest('hex'), envelope: { from: doctor.address, to: [doctor.address] }, subject: `local ${n}`, recipients: { to: [doctor.address], cc: [], bcc: [] } }, { draft });
  }
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const pages = store.db.prepare("SELECT pageno FROM dbstat WHERE name = 'message_sources' ORDER BY pageno").all() as { pageno: number }[];
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();

  const fd = openSync(storeFile(home), 'r+');
  const b = Buffer.alloc(1);
  const at = (pages[Math.floor(pages.length / 2)]!.pageno - 1) * pageSize + 64;
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);

  const broken = await runMssante([...cardArgs, 'sync', '--folder', folder], { stdin: `${doctor.userPin}\n`, env });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /La base locale des messages est endommagée/);

  const rebuilt = await runMssante([...cardArgs, '--json', 'store', 'rebuild', '--folder', folder], { stdin: `${doctor.userPin}\n`, env });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stderr, /Base endommagée mise de côté : .*mail\.db\.endommagee-/);
  assert.match(rebuilt.stderr, /Nouvelle base créée : 2 message\(s\) de la boîte d’envoi repris \(dont 1 brouillon\(s\)\), \d+ entrée\(s\) du journal des accès reprises\./);
  assert.match(rebuilt.stderr, /Téléchargement des messages depuis le serveur/);
  assert.equal(JSON.parse(rebuilt.stdout).new, 12);
  assert.ok(readdirSync(home).some((n) => n.startsWith('mail.db.endommagee-')));

  const list = await runMssante(['--home', home, '--json', 'messages', 'list', '--folder', folder], withCard);
  const messages = JSON.parse(list.stdout).messages as { id: number; uid: number }[];
  const server = await serverDigest(folder, doctor.address);
  assert.deepEqual(messages.map((m) => m.uid).sort((a, b) => a - b), [...server.keys()].sort((a, b) => a - b));
  for (const m of messages.slice(0, 3)) {
    const show = await runMssante(['--home', home, '--json', 'messages', 'show', String(m.id)], withCard);
    assert.equal(JSON.parse(show.stdout).message.sha256, server.get(m.uid), 'the exact server source is back');
  }
  const after = await openHomeStore(home, { keyProvider });
  try {
    const rows = after.db.prepare('SELECT state, subject FROM outbox ORDER BY id').all() as { state: string; subject: string }[];
    assert.deepEqual(rows.map((r) => `${r.state}:${r.subject}`), ['queued:local 1', 'draft:local 2']);
  } finally {
    after.close();
  }
  const verify = await runMssante(['--home', home, 'audit', 'verify', '--json'], withCard);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.equal(JSON.parse(verify.stdout).ok, true);
  assert.ok(existsSync(storeFile(home)));
});
