// The access journal through the real binary: a sync from the bench's Dovecot
// (PLAIN test connector) journals what it stored; `messages export` writes the
// server's exact bytes (compared with IMAP BODY.PEEK[]); `audit verify` passes
// untouched and points at the exact entry edited, deleted or reordered with raw
// SQL; `audit export` holds no subject or body text; card login, PIN failure
// and logout (throwaway virtual cards) are journalled.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Journal } from '../../../src-main/audit/journal.js';
import { verifyJournal, type JournalVerification } from '../../../src-main/audit/verify.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { cliCard, recoveryCodeIn, runMssante, type CliCard } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { admin, appendMessages, newFolder, state, USER } from '../sync/helpers.js';
import { createSimBench, type SimBench } from '../card/sim-fixture.js';

const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const env = { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '' };
const SUBJECTS = ['Échographie de Mme Lefèvre-Audit', 'Bilan glycémique Perrin-Audit', 'Ordonnance Kowalski-Audit'];
const BODY_WORD = 'Veuillez trouver le compte rendu';
const temp: string[] = [];
const created: string[] = [];
let home = '';
let folder = '';
let raws: Buffer[] = [];
// the store opens with the card; the recovery code printed at set-up stands for "the store key extracted"
const doctor = cliCard(state, card(state, 'doctorA'));
let recoveryCode = '';
/** The raw store key of a data folder, as an attacker who extracted it would hold it. */
const extractedKey = (dir: string): Buffer => unlockWithRecovery(readKeyring(dir)!, recoveryCode);

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

/** Raw SQL on a copy of the data folder, as someone holding the store key would do. */
function tamper(source: string, sql: string): string {
  const copy = tmp('mssante-audit-tamper-');
  cpSync(source, copy, { recursive: true });
  const db = openDatabase(join(copy, 'mail.db'), extractedKey(copy));
  try {
    db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;');
    db.exec(sql);
  } finally {
    db.close();
  }
  return copy;
}

function verifyCopy(dir: string): JournalVerification {
  const db = openDatabase(join(dir, 'mail.db'), extractedKey(dir));
  try {
    return verifyJournal(new Journal(db), dir);
  } finally {
    db.close();
  }
}

before(async () => {
  const c = await admin();
  try {
    folder = await newFolder(c, 'audit-cli');
    created.push(folder);
    raws = await appendMessages(c, folder, 3, { subject: (i) => SUBJECTS[i]! });
  } finally {
    await c.logout();
  }
  home = tmp('mssante-audit-cli-');
  const first = await cli(home, ['sync', '--account', USER, '--folder', folder, '--json']);
  const s = json<{ new: number }>(first);
  assert.equal(s.new, 3);
  recoveryCode = recoveryCodeIn(first.stderr) ?? '';
  assert.ok(recoveryCode, 'recovery code shown when the store was bound to the card');
});

after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

interface Line { seq: number; action: string; data: Record<string, unknown>; hash: string; prevHash: string }
const exportLines = async (h: string, withCard: CliCard = doctor): Promise<Line[]> => {
  const file = join(tmp('mssante-audit-export-'), 'journal.jsonl');
  json(await cli(h, ['audit', 'export', file, '--json'], {}, withCard));
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
};

test('sync journals each message received (Message-ID + SHA-256) and the session (server, counts); show and flag journal opened/flagged', async () => {
  const list = json<{ messages: { id: number; uid: number; subject: string }[] }>(await cli(home, ['messages', 'list', '--folder', folder, '--json']));
  const target = list.messages.find((m) => m.subject === SUBJECTS[1])!;
  assert.equal((await cli(home, ['messages', 'show', String(target.id)])).code, 0);
  assert.equal((await cli(home, ['messages', 'flag', String(target.id), '--flagged'])).code, 0);
  const lines = await exportLines(home);
  const received = lines.filter((l) => l.action === 'message.received');
  assert.equal(received.length, 3);
  const { createHash } = await import('node:crypto');
  assert.deepEqual(received.map((l) => l.data.sha256).sort(), raws.map((r) => createHash('sha256').update(r).digest('hex')).sort());
  const session = lines.find((l) => l.action === 'sync.session')!;
  assert.equal(session.data.account, USER);
  assert.equal(session.data.new, 3);
  assert.equal(session.data.ok, true);
  assert.ok(lines.some((l) => l.action === 'message.opened'));
  assert.deepEqual(lines.find((l) => l.action === 'message.flagged')!.data.change, { flagged: true });
  // entries chain: each carries the previous one's hash
  for (let i = 1; i < lines.length; i++) assert.equal(lines[i]!.prevHash, lines[i - 1]!.hash);
});

test('messages export: the .eml is byte-identical to the server source (IMAP BODY.PEEK[]); the receipt carries its SHA-256 and the journal entries', async () => {
  const list = json<{ messages: { id: number; uid: number; subject: string }[] }>(await cli(home, ['messages', 'list', '--folder', folder, '--json']));
  const m = list.messages.find((x) => x.subject === SUBJECTS[0])!;
  const c = await admin();
  let server: Buffer;
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    const fetched = await c.fetchOne(String(m.uid), { source: true }, { uid: true });
    assert.ok(fetched && fetched.source, 'the server has the message');
    server = fetched.source;
  } finally {
    await c.logout();
  }
  const out = join(tmp('mssante-audit-evidence-'), 'preuve');
  const r = json<{ emlFile: string; receiptFile: string; sha256: string }>(await cli(home, ['messages', 'export', String(m.id), out, '--json']));
  assert.ok(readFileSync(r.emlFile).equals(server), 'exported bytes = server bytes');
  const receipt = readFileSync(r.receiptFile, 'utf8');
  assert.ok(receipt.includes(r.sha256));
  assert.match(receipt, /message reçu/);
  assert.match(receipt, /Statut de l’expéditeur au moment de la synchronisation/);
  const again = await cli(home, ['messages', 'export', String(m.id), out, '--json']);
  assert.equal(again.code, 1);
  assert.equal(JSON.parse(again.stdout).error.code, 'EXPORT_TARGET_EXISTS');
});

test('audit verify passes on the untouched journal and fails precisely on an edited, a deleted and a reordered entry', async () => {
  const ok = json<{ ok: boolean; entries: number; anchor: string }>(await cli(home, ['audit', 'verify', '--json']));
  assert.equal(ok.ok, true);
  assert.equal(ok.anchor, 'ok');
  assert.ok(ok.entries >= 6);

  const edited = tamper(home, `UPDATE journal SET data_json = replace(data_json, '"new":3', '"new":2') WHERE action = 'sync.session'`);
  const seq = (await exportLines(home)).find((l) => l.action === 'sync.session')!.seq;
  const e = await cli(edited, ['audit', 'verify', '--json']);
  assert.equal(e.code, 1);
  const ev = JSON.parse(e.stdout);
  assert.equal(ev.ok, false);
  assert.deepEqual([ev.broken.kind, ev.broken.seq], ['content', seq]);
  assert.notEqual(ev.broken.expected, ev.broken.found);
  const text = await cli(edited, ['audit', 'verify']);
  assert.match(text.stdout, new RegExp(`ROMPU\\. Premier maillon rompu : entrée n° ${seq} : contenu modifié`));

  const deleted = tamper(home, 'DELETE FROM journal WHERE seq = 2');
  const dv = JSON.parse((await cli(deleted, ['audit', 'verify', '--json'])).stdout);
  assert.deepEqual([dv.ok, dv.broken.kind, dv.broken.seq], [false, 'missing', 2]);

  // the same checks in-process (the binary runs exactly this code; spawning it costs a second each)
  const reordered = tamper(home, 'UPDATE journal SET seq = -1 WHERE seq = 2; UPDATE journal SET seq = 2 WHERE seq = 3; UPDATE journal SET seq = 3 WHERE seq = -1;');
  const rv = verifyCopy(reordered);
  assert.deepEqual([rv.ok, rv.broken?.kind, rv.broken?.seq], [false, 'link', 2]);

  const truncated = tamper(home, 'DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)');
  const tv = verifyCopy(truncated);
  assert.deepEqual([tv.ok, tv.broken?.kind], [false, 'anchor'], 'a cut tail no longer reaches the head file');
});

test('audit export (JSON lines + French summary) holds no subject or body text; --since filters; retention prune keeps it verifiable', async () => {
  const dir = tmp('mssante-audit-grep-');
  const file = join(dir, 'journal.jsonl');
  const r = await cli(home, ['audit', 'export', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Journal des accès — export/);
  assert.match(r.stdout, /message reçu : 3/);
  const everything = readFileSync(file, 'utf8') + readFileSync(`${file}.resume.txt`, 'utf8');
  for (const secret of [...SUBJECTS, 'Lefèvre', 'Perrin', 'Kowalski', BODY_WORD]) assert.ok(!everything.includes(secret), `journal leaks « ${secret} »`);
  const future = json<{ entries: number }>(await cli(home, ['audit', 'export', join(dir, 'none.jsonl'), '--since', '2999-01-01', '--json']));
  assert.equal(future.entries, 0);

  const copy = tmp('mssante-audit-prune-');
  cpSync(home, copy, { recursive: true });
  assert.equal(json<{ retentionDays: number }>(await cli(copy, ['audit', 'retention', '--days', '30', '--json'])).retentionDays, 30);
  // nothing is 30 days old yet: prune with a zero-day cut through the entries written before now
  const db = openDatabase(join(copy, 'mail.db'), extractedKey(copy));
  db.exec('DROP TRIGGER journal_no_update; UPDATE journal SET at = at - 40 * 86400000 WHERE seq <= 3;');
  db.close();
  // (aging entries edits them: their hashes no longer match, so this copy only checks the cut itself)
  const pruned = json<{ removed: number; through: { seq: number } }>(await cli(copy, ['audit', 'prune', '--json']));
  assert.equal(pruned.removed, 3);
  assert.equal(pruned.through.seq, 3);
  const v = json<{ ok: boolean; first: number; base: { seq: number } }>(await cli(copy, ['audit', 'verify', '--json']));
  assert.equal(v.ok, true, 'the edited entries are gone; the rest chains to the checkpoint');
  assert.equal(v.first, 4);
  assert.equal(v.base.seq, 3);
});

let sim: SimBench;
test('card login, PIN failure and logout are journalled with holder national id and certificate fingerprint (never the PIN)', async () => {
  sim = createSimBench([{ label: 'Audit doctor', pin: '2468', subject: '/C=FR/title=Médecin/CN=899700300032+SN=GARNIER+GN=Lucie' }]);
  temp.push(sim.dir);
  const cardHome = tmp('mssante-audit-card-');
  const cardEnv = { ...sim.env, MSSANTE_PKCS11_MODULE: sim.module };
  const wrong = await runMssante(['--home', cardHome, '--pin-stdin', 'card', 'login'], { env: { ...env, ...cardEnv }, stdin: '1357\n' });
  assert.equal(wrong.code, 1);
  const right = await runMssante(['--home', cardHome, '--pin-stdin', 'card', 'login'], { env: { ...env, ...cardEnv }, stdin: '2468\n' });
  assert.equal(right.code, 0, right.stderr);
  // the export unlocks the store with the same card (a second session)
  const lines = await exportLines(cardHome, { pkcs11Module: sim.module, tokenLabel: 'Audit doctor', userPin: '2468', env: sim.env });
  // the failed attempt could not open the card-bound store: journalled at the next unlock, in order
  // the card signs the head before each command ends its session
  assert.deepEqual(lines.map((l) => l.action), ['card.pin_failed', 'card.login', 'journal.checkpoint', 'card.logout', 'card.login']);
  const login = lines.find((l) => l.action === 'card.login')!;
  assert.equal(login.data.nationalId, '899700300032');
  assert.match(String(login.data.certSha256), /^[0-9a-f]{64}$/);
  const all = readFileSync(join(cardHome, 'journal-head.json'), 'utf8') + JSON.stringify(lines);
  assert.ok(!all.includes('2468') && !all.includes('1357'), 'never a PIN');
});
