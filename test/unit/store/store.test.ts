import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { fileKeyProvider, staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { openDatabase, schemaVersion } from '../../../src-main/store/database.js';
import { MIGRATIONS } from '../../../src-main/store/migrations/index.js';
import { sha256Hex } from '../../../src-main/store/parse.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildEml } from '../../support/mail-fixtures.js';

const KEY = randomBytes(32);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'mssante-store-'));
}

async function openStore(dir: string, hooks = {}): Promise<MailStore> {
  return MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(KEY), hooks });
}

async function seed(store: MailStore, raws: Buffer[], flags: string[][] = []): Promise<number> {
  const account = store.ensureAccount({ address: 'Paul.Durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await store.applyBatch({
    folderId: inbox!.id,
    newMessages: raws.map((raw, i) => ({ uid: i + 1, flags: flags[i] ?? [], raw })),
    cursor: { uidvalidity: '7', uidnext: raws.length + 1, syncState: 'ready' },
  });
  return inbox!.id;
}

test('the database file is encrypted at rest and a wrong key is refused with STORE_BAD_KEY', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    await seed(store, [buildEml({ subject: 'Résultats échographie', body: 'Patient Dupont' })]);
    store.close();
    const bytes = readFileSync(join(dir, 'mail.db'));
    assert.equal(bytes.includes(Buffer.from('SQLite format 3')), false, 'no plaintext SQLite header');
    assert.equal(bytes.includes(Buffer.from('Dupont')), false, 'no plaintext content');
    await assert.rejects(
      MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) }),
      (e) => isAppError(e) && e.code === 'STORE_BAD_KEY',
    );
    const again = await openStore(dir);
    assert.equal(again.listMessages().length, 1);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store created with ChaCha20 (before AEGIS) still opens, is migrated and keeps its data; a wrong key is STORE_BAD_KEY', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'mail.db');
    const legacy = new Database(file);
    legacy.pragma("cipher='chacha20'");
    legacy.pragma(`hexkey='${KEY.toString('hex')}'`);
    legacy.pragma('journal_mode = WAL');
    MIGRATIONS[0]!.up(legacy);
    legacy.pragma('user_version = 1');
    legacy.prepare("INSERT INTO accounts (address, created_at) VALUES ('paul.durand@medecin.mssante.fr', 1)").run();
    legacy.close();
    assert.throws(() => openDatabase(file, randomBytes(32)), (e) => isAppError(e) && e.code === 'STORE_BAD_KEY');
    const db = openDatabase(file, KEY);
    assert.equal(db.pragma('cipher', { simple: true }), 'chacha20');
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.equal(db.prepare('SELECT address FROM accounts').pluck().get(), 'paul.durand@medecin.mssante.fr');
    db.close();
    const fresh = openDatabase(join(dir, 'new.db'), KEY);
    assert.equal(fresh.pragma('cipher', { simple: true }), 'aegis', 'new stores use AEGIS');
    fresh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the key file is created once with 0600 permissions and reused', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'home', 'store.key');
    const k1 = await fileKeyProvider(file).getKey();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const k2 = await fileKeyProvider(file).getKey();
    assert.deepEqual(k1, k2);
    assert.equal(k1.length, 32);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schema: WAL, foreign keys, STRICT tables; a database from a future version is refused', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'mail.db');
    const db = openDatabase(file, KEY);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'").pluck().get() as string;
    assert.match(sql, /STRICT/);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => openDatabase(file, KEY), (e) => isAppError(e) && e.code === 'STORE_FUTURE_VERSION');
    // the refused database is left untouched
    const raw = new Database(file);
    raw.pragma("cipher='aegis'");
    raw.pragma(`hexkey='${KEY.toString('hex')}'`);
    assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing migration leaves the previous version and data intact', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'mail.db');
    openDatabase(file, KEY).close();
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: (d: import('../../../src-main/store/database.js').Db) => d.exec('CREATE TABLE x (a INTEGER) STRICT; SELECT * FROM nope;') }];
    assert.throws(() => openDatabase(file, KEY, { migrations: broken }));
    const db = openDatabase(file, KEY);
    assert.equal(schemaVersion(db), MIGRATIONS.length);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'x'").pluck().get(), 0);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('raw source is kept byte-exact with its SHA-256; parts, attachments and flags are stored', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
    const raw = buildEml({
      subject: 'Compte rendu d’échographie',
      html: '<p>Voir <b>pièce jointe</b></p>',
      attachment: { filename: 'Échographie abdominale.pdf', mimeType: 'application/pdf', content: pdf },
    });
    await seed(store, [raw], [['\\Seen', '$Forwarded']]);
    const [m] = store.listMessages({ folderPath: 'INBOX' });
    assert.ok(m);
    assert.equal(m.subject, 'Compte rendu d’échographie');
    assert.equal(m.hasAttachments, true);
    assert.deepEqual(m.flags, { seen: true, flagged: false, answered: false, deleted: false, draft: false, keywords: ['$Forwarded'] });
    const { raw: back, sha256 } = store.getRaw(m.id);
    assert.ok(back.equals(raw));
    assert.equal(sha256, sha256Hex(raw));
    const d = store.getMessage(m.id);
    assert.equal(d.attachments.length, 1);
    assert.equal(d.attachments[0]!.filename, 'Échographie abdominale.pdf');
    assert.equal(d.attachments[0]!.size, pdf.length);
    assert.equal(d.attachments[0]!.sha256, sha256Hex(pdf));
    assert.ok((await store.getAttachmentContent(d.attachments[0]!.id)).equals(pdf));
    assert.match(d.html ?? '', /pièce jointe/);
    assert.match(d.text ?? '', /compte rendu/);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search is accent-insensitive French over subject, senders, recipients, body and attachment names', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    await seed(store, [
      buildEml({ subject: 'Résultat échographie', body: 'RAS' }),
      buildEml({ subject: 'Bilan', body: 'Hémoglobine glyquée élevée' }),
      buildEml({ subject: 'Courrier', from: 'Cécile Lefèvre <cecile.lefevre@chu.mssante.fr>' }),
      buildEml({ subject: 'PJ', attachment: { filename: 'ordonnance-kinésithérapie.pdf', mimeType: 'application/pdf', content: Buffer.from('x') } }),
      buildEml({ subject: 'Autre', cc: 'Secrétariat <secretariat@clinique.mssante.fr>' }),
    ]);
    const subjects = (q: string): string[] => store.search(q).map((m) => m.subject ?? '');
    assert.deepEqual(subjects('echographie'), ['Résultat échographie']);
    assert.deepEqual(subjects('ÉCHOGRAPHIE'), ['Résultat échographie']);
    assert.deepEqual(subjects('hemoglobine glyquee'), ['Bilan']);
    assert.deepEqual(subjects('lefevre'), ['Courrier']);
    assert.deepEqual(subjects('kinesitherapie'), ['PJ']);
    assert.deepEqual(subjects('secretariat'), ['Autre']);
    assert.deepEqual(subjects('echo'), ['Résultat échographie'], 'prefix search');
    assert.deepEqual(subjects('"); DROP TABLE messages; --'), [], 'FTS syntax is neutralised');
    assert.deepEqual(subjects('   '), []);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('re-applying a batch is idempotent; vanished UIDs are removed from the list and the index', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    const raws = [buildEml({ subject: 'un échange' }), buildEml({ subject: 'deux' })];
    const folderId = await seed(store, raws);
    const again = await store.applyBatch({ folderId, newMessages: raws.map((raw, i) => ({ uid: i + 1, flags: ['\\Seen'], raw })) });
    assert.deepEqual(again, { inserted: 0, updated: 2, vanished: 0 });
    assert.equal(store.countMessages(folderId), 2);
    assert.ok(store.listMessages().every((m) => m.flags.seen));
    const r = await store.applyBatch({ folderId, vanishedUids: [1, 99] });
    assert.equal(r.vanished, 1);
    assert.deepEqual(store.localUids(folderId), [2]);
    assert.deepEqual(store.search('echange'), []);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local flag changes are queued and not overwritten by server flags until replayed', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    const folderId = await seed(store, [buildEml()]);
    const [m] = store.listMessages();
    store.changeFlags(m!.id, { seen: true, flagged: true });
    assert.equal(store.pendingOps().length, 1);
    await store.applyBatch({ folderId, flagUpdates: [{ uid: 1, flags: [] }] });
    assert.equal(store.listMessages()[0]!.flags.flagged, true, 'queued local change wins');
    store.completeOp(store.pendingOps()[0]!);
    await store.applyBatch({ folderId, flagUpdates: [{ uid: 1, flags: ['\\Answered'] }] });
    const f = store.listMessages()[0]!.flags;
    assert.equal(f.answered, true);
    assert.equal(f.flagged, false);
    store.queueDelete(m!.id);
    assert.equal(store.listMessages().length, 0, 'a queued delete hides the message at once');
    store.completeOp(store.pendingOps()[0]!);
    assert.equal(store.countMessages(folderId, true), 0);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('UIDVALIDITY reset rebinds known messages by SHA-256 (keeping local data) and drops the others', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir, { trust: () => ({ level: 'verified_professional' }) });
    const a = buildEml({ subject: 'A' });
    const b = buildEml({ subject: 'B' });
    const c = buildEml({ subject: 'C' });
    const folderId = await seed(store, [a, b]);
    const before = store.listMessages().find((m) => m.subject === 'A')!;
    store.beginUidValidityReset(folderId, { uidvalidity: '8', uidnext: 1 });
    assert.equal(store.localUids(folderId).length, 0);
    assert.equal(store.listMessages().length, 2, 'still readable during the reset');
    await store.applyBatch({ folderId, newMessages: [{ uid: 10, flags: [], raw: a }, { uid: 11, flags: [], raw: c }] });
    const removed = store.finishInitialSync(folderId, { uidnext: 12 });
    assert.equal(removed, 1);
    const after = store.listMessages();
    assert.deepEqual(after.map((m) => m.subject).sort(), ['A', 'C']);
    const a2 = after.find((m) => m.subject === 'A')!;
    assert.equal(a2.id, before.id, 'same row: local data kept');
    assert.equal(a2.uid, 10);
    assert.deepEqual(a2.trust, { level: 'verified_professional' });
    assert.equal(store.getFolder(folderId)!.uidvalidity, '8');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('write hooks: trust decision stored as JSON, journal hook runs inside the transaction', async () => {
  const dir = tmp();
  try {
    const seen: number[] = [];
    const store = await openStore(dir, {
      trust: (p: { from: { address: string } | null }) => (p.from ? { level: 'outside_trust_space', address: p.from.address } : null),
      onMessagesStored: (_db: unknown, events: { uid: number }[]) => {
        for (const e of events) seen.push(e.uid);
        if (events.some((e) => e.uid === 3)) throw new Error('journal failure');
      },
    });
    const folderId = await seed(store, [buildEml({ from: 'x@gmail.com' })]);
    assert.deepEqual(store.listMessages()[0]!.trust, { level: 'outside_trust_space', address: 'x@gmail.com' });
    await assert.rejects(store.applyBatch({ folderId, newMessages: [{ uid: 3, flags: [], raw: buildEml() }], cursor: { uidnext: 4 } }));
    assert.equal(store.countMessages(folderId), 1, 'a failing journal write rolls the data back');
    assert.equal(store.getFolder(folderId)!.uidnext, 2, '… and the cursor');
    assert.deepEqual(seen, [1, 3]);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local changes (flags, move, delete) reach the onLocalChange hook inside their transaction', async () => {
  const dir = tmp();
  try {
    const seen: string[] = [];
    const store = await openStore(dir, {
      onLocalChange: (_db: unknown, e: { kind: string; uid: number | null; payload: Record<string, unknown> }) => {
        seen.push(`${e.kind}:${e.uid}:${JSON.stringify(e.payload)}`);
        if (e.kind === 'delete') throw new Error('journal full');
      },
    });
    await seed(store, [buildEml(), buildEml(), buildEml()]);
    const [a, b, c] = store.listMessages().sort((x, y) => x.uid! - y.uid!);
    store.changeFlags(a!.id, { seen: true });
    store.queueMove(b!.id, 'Archives');
    assert.throws(() => store.queueDelete(c!.id));
    assert.deepEqual(seen, ['flags:1:{"seen":true}', 'move:2:{"target":"Archives"}', 'delete:3:{}']);
    assert.equal(store.pendingOps().length, 2, 'the failed delete queued nothing');
    assert.equal(store.listMessages().length, 2, 'and hid nothing');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search returns the newest matches first, up to the limit, optionally in one folder', async () => {
  const dir = tmp();
  try {
    const store = await openStore(dir);
    const day = (d: number): Date => new Date(Date.UTC(2026, 10, d));
    const folderId = await seed(store, [3, 9, 1, 7, 5].map((d) => buildEml({ subject: `Échographie du ${d}`, date: day(d) })));
    const subjects = store.search('echographie', { limit: 3 }).map((m) => m.subject);
    assert.deepEqual(subjects, ['Échographie du 9', 'Échographie du 7', 'Échographie du 5']);
    assert.equal(store.search('echographie', { folderId, limit: 10 }).length, 5);
    assert.equal(store.search('echographie', { folderId: folderId + 1 }).length, 0);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
