// Issue 14 point 3: a one-bit flip in the encrypted store is caught at open (quick_check) by
// sync and audit verify, and by `mssante store check` (integrity_check), each in French; the
// rebuild carries over what exists only locally (outbox, local drafts, the verified journal).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeHeadAnchor } from '../../../src-main/audit/anchor.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { verifyJournal } from '../../../src-main/audit/verify.js';
import { rebuildStore } from '../../../src-main/app/store-recovery.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { storeFile } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { Outbox } from '../../../src-main/send/outbox-store.js';
import { runMssante } from '../../support/cli.js';
import { buildEml } from '../../support/mail-fixtures.js';

const KEY = randomBytes(32).toString('hex');
const env = { MSSANTE_STORE_KEY: KEY };
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function composed(n: number, subject: string) {
  const raw = Buffer.from(`From: paul.durand@medecin.mssante.fr\r\nTo: a@b.mssante.fr\r\nSubject: ${subject}\r\nMessage-ID: <m${n}@medecin.mssante.fr>\r\n\r\ncorps\r\n`);
  return {
    messageId: `<m${n}@medecin.mssante.fr>`, raw, sha256: createHash('sha256').update(raw).digest('hex'),
    envelope: { from: 'paul.durand@medecin.mssante.fr', to: ['a@b.mssante.fr'] }, subject, recipients: { to: ['a@b.mssante.fr'], cc: [], bcc: [] },
  };
}

/** A home with 20 messages (large sources), an outbox entry, a local draft and a journal with its head anchor. */
async function seededHome(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-damaged-'));
  dirs.push(home);
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  const raws = Array.from({ length: 20 }, (_, i) => buildEml({ subject: `Compte rendu ${i}`, body: `Résultat ${i} `.repeat(4000) + randomBytes(4000).toString('base64') }));
  await store.applyBatch({ folderId: inbox!.id, newMessages: raws.map((raw, i) => ({ uid: i + 1, flags: [], raw })) });
  const outbox = new Outbox(store.db);
  outbox.add('paul.durand@medecin.mssante.fr', composed(1, 'En attente'));
  outbox.add('paul.durand@medecin.mssante.fr', composed(2, 'Brouillon'), { draft: true });
  const journal = new Journal(store.db);
  journal.append([{ action: 'sync.session', data: { account: 'paul.durand@medecin.mssante.fr', server: null, ok: true, folders: 1, new: 20, updated: 0, vanished: 0, replayed: 0, durationMs: 1 } }]);
  writeHeadAnchor(home, journal);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return home;
}

/** Flips one bit in a page holding a message source (found with dbstat), like a disk error would. */
async function flipBitInMessagePage(home: string): Promise<void> {
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const pageSize = store.db.pragma('page_size', { simple: true }) as number;
  const pages = store.db.prepare("SELECT pageno FROM dbstat WHERE name = 'message_sources' ORDER BY pageno").all() as { pageno: number }[];
  store.close();
  const page = pages[Math.floor(pages.length / 2)]!.pageno;
  const fd = openSync(storeFile(home), 'r+');
  try {
    const b = Buffer.alloc(1);
    const at = (page - 1) * pageSize + 200;
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0x08;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

test('an intact store passes store check; a one-bit flip is detected by sync, audit verify and store check, in French', async () => {
  const home = await seededHome();
  const ok = await runMssante(['--home', home, 'store', 'check'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Base locale intacte : vérification complète réussie \(20 messages\)/);

  await flipBitInMessagePage(home);
  const check = await runMssante(['--home', home, 'store', 'check'], { env });
  assert.equal(check.code, 1);
  assert.match(check.stdout, /Base locale ENDOMMAGÉE : \d+ anomalie\(s\) détectée\(s\)[\s\S]*mssante store rebuild/);
  const json = JSON.parse((await runMssante(['--home', home, 'store', 'check', '--json'], { env })).stdout);
  assert.equal(json.ok, false);
  assert.ok(json.problems.length > 0);

  for (const args of [['audit', 'verify'], ['sync'], ['messages', 'list']]) {
    const r = await runMssante(['--home', home, ...args, '--json'], { env });
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(JSON.parse(r.stdout).error.code, 'STORE_CORRUPT', args.join(' '));
    assert.match(r.stderr, /La base locale des messages est endommagée \(vérification d’intégrité en échec\)\. Reconstruisez-la depuis le serveur/, args.join(' '));
  }
});

test('rebuild keeps the outbox, the local draft and the verified journal; the damaged file is set aside', async () => {
  const home = await seededHome();
  await flipBitInMessagePage(home);
  await assert.rejects(MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) }), (err) => isAppError(err) && err.code === 'STORE_CORRUPT');
  const progress: string[] = [];
  const r = await rebuildStore({ file: storeFile(home), home, keyProvider: staticKeyProvider(KEY), onProgress: (l) => progress.push(l) });
  assert.deepEqual([r.opened, r.outbox.carried, r.outbox.drafts, r.journal.verified, r.journal.carried], [true, 2, 1, true, 1]);
  assert.ok(existsSync(r.damagedFile), 'the damaged file is kept');
  assert.match(progress.join('\n'), /Nouvelle base créée : 2 message\(s\) de la boîte d’envoi repris \(dont 1 brouillon\(s\)\), 1 entrée\(s\) du journal des accès reprises\./);

  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  try {
    const states = (store.db.prepare('SELECT state, subject FROM outbox ORDER BY id').all() as { state: string; subject: string }[]).map((x) => `${x.state}:${x.subject}`);
    assert.deepEqual(states, ['queued:En attente', 'draft:Brouillon']);
    assert.equal((store.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n, 0, 'messages come back from the server');
    assert.equal(verifyJournal(new Journal(store.db), home).ok, true, 'the journal still matches its head anchor');
  } finally {
    store.close();
  }
});

test('a journal that does not verify is not carried over, and the rebuild says why', async () => {
  const home = await seededHome();
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  store.db.exec('DROP TRIGGER journal_no_update');
  store.db.exec("UPDATE journal SET data_json = replace(data_json, '\"new\":20', '\"new\":21')");
  store.close();
  const r = await rebuildStore({ file: storeFile(home), home, keyProvider: staticKeyProvider(KEY) });
  assert.deepEqual([r.journal.verified, r.journal.carried, r.outbox.carried], [false, 0, 2]);
  assert.match(r.journal.reasonFr ?? '', /contenu modifié/);
});
