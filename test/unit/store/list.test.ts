// The list API the window's virtualised message list uses: per-folder counts,
// date order both ways, pages, one row per thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { buildEml } from '../../support/mail-fixtures.js';

const day = (d: number): Date => new Date(Date.UTC(2026, 10, d, 9, 0, 0));

/** INBOX: 6 messages in 3 threads (dates 1..6), Archives: 1 message; uid = day. */
async function fixture(): Promise<{ store: MailStore; dir: string; inbox: number; archives: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-list-'));
  const store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const folders = store.upsertFolders(account.id, [
    { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true },
    { path: 'Archives', name: 'Archives', delimiter: '/', specialUse: '\\Archive', selectable: true },
  ]);
  const inbox = folders.find((f) => f.path === 'INBOX')!.id;
  const archives = folders.find((f) => f.path === 'Archives')!.id;
  // thread A: days 1, 4, 6; thread B: days 2, 3; thread C: day 5
  const threadOf: Record<number, string> = { 1: 'A', 2: 'B', 3: 'B', 4: 'A', 5: 'C', 6: 'A' };
  const root: Record<string, number> = { A: 1, B: 2, C: 5 };
  const newMessages = [1, 2, 3, 4, 5, 6].map((d) => {
    const t = threadOf[d]!;
    const first = root[t] === d;
    return {
      uid: d,
      flags: d % 2 === 0 ? ['\\Seen'] : [],
      raw: buildEml({ subject: `m${d}`, date: day(d), messageId: `<m${d}@test.mssante.fr>`, ...(first ? {} : { inReplyTo: `<m${root[t]}@test.mssante.fr>` }) }),
    };
  });
  await store.applyBatch({ folderId: inbox, newMessages });
  await store.applyBatch({ folderId: archives, newMessages: [{ uid: 1, flags: [], raw: buildEml({ subject: 'old', date: day(1) }) }] });
  return { store, dir, inbox, archives };
}

const subjects = (rows: { subject: string | null }[]): (string | null)[] => rows.map((r) => r.subject);

test('folder counts: total and unread of every folder in one call, and they follow flag changes, moves and deletes', async () => {
  const { store, dir, inbox, archives } = await fixture();
  try {
    const counts = () => new Map(store.folderCounts().map((c) => [c.folderId, { total: c.total, unread: c.unread }]));
    assert.deepEqual(counts().get(inbox), { total: 6, unread: 3 });
    assert.deepEqual(counts().get(archives), { total: 1, unread: 1 });
    const m5 = store.listMessages({ folderId: inbox }).find((m) => m.subject === 'm5')!;
    store.changeFlags(m5.id, { seen: true });
    assert.deepEqual(counts().get(inbox), { total: 6, unread: 2 }, 'reading a message lowers unread at once');
    store.changeFlags(m5.id, { seen: false });
    assert.deepEqual(counts().get(inbox), { total: 6, unread: 3 });
    const m6 = store.listMessages({ folderId: inbox }).find((m) => m.subject === 'm6')!;
    store.queueMove(m6.id, 'Archives');
    const m3 = store.listMessages({ folderId: inbox }).find((m) => m.subject === 'm3')!;
    store.queueDelete(m3.id);
    assert.deepEqual(counts().get(inbox), { total: 4, unread: 2 }, 'a message moved or deleted (queued) no longer counts');
    // server flag changes count too
    await store.applyBatch({ folderId: inbox, flagUpdates: [{ uid: 1, flags: ['\\Seen'] }] });
    assert.deepEqual(counts().get(inbox), { total: 4, unread: 1 });
    assert.equal(store.countList({ folderId: inbox }), 4, 'the list total is the folder total');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sort by date both ways, and pages that tile the list without gap or overlap', async () => {
  const { store, dir, inbox } = await fixture();
  try {
    assert.deepEqual(subjects(store.listMessages({ folderId: inbox })), ['m6', 'm5', 'm4', 'm3', 'm2', 'm1']);
    assert.deepEqual(subjects(store.listMessages({ folderId: inbox, order: 'asc' })), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const pages = [0, 2, 4].map((offset) => subjects(store.listMessages({ folderId: inbox, order: 'asc', offset, limit: 2 })));
    assert.deepEqual(pages, [['m1', 'm2'], ['m3', 'm4'], ['m5', 'm6']]);
    assert.deepEqual(store.listMessages({ folderId: inbox, offset: 6 }), [], 'past the end: empty page');
    const page = store.listPage({ folderId: inbox, offset: 1, limit: 2 });
    assert.deepEqual({ total: page.total, items: subjects(page.items) }, { total: 6, items: ['m5', 'm4'] });
    assert.deepEqual(subjects(store.listMessages({ folderPath: 'Archives' })), ['old']);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('messages with the same date keep one stable order, exactly reversed by asc', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-list-'));
  const store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
  try {
    const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
    const same = day(3);
    await store.applyBatch({ folderId: inbox!.id, newMessages: [1, 2, 3, 4, 5].map((u) => ({ uid: u, flags: [], raw: buildEml({ subject: `s${u}`, date: same }) })) });
    const desc = subjects(store.listMessages({ folderId: inbox!.id }));
    assert.deepEqual(subjects(store.listMessages({ folderId: inbox!.id, order: 'asc' })), [...desc].reverse());
    const paged = [0, 1, 2, 3, 4].flatMap((offset) => subjects(store.listMessages({ folderId: inbox!.id, offset, limit: 1 })));
    assert.deepEqual(paged, desc, 'one-row pages give the same order: no duplicate, no gap');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('thread grouping: one row per thread (its newest message) with its size, threads newest first', async () => {
  const { store, dir, inbox } = await fixture();
  try {
    const rows = store.listMessages({ folderId: inbox, threads: true });
    assert.deepEqual(
      rows.map((r) => [r.subject, r.threadSize]),
      [
        ['m6', 3],
        ['m5', 1],
        ['m3', 2],
      ],
    );
    assert.equal(store.countList({ folderId: inbox, threads: true }), 3);
    assert.deepEqual(
      store.listMessages({ folderId: inbox, threads: true, order: 'asc' }).map((r) => r.subject),
      ['m3', 'm5', 'm6'],
      'ascending: the thread whose newest message is oldest comes first',
    );
    assert.deepEqual(subjects(store.listMessages({ folderId: inbox, threads: true, offset: 1, limit: 1 })), ['m5']);
    // the newest message of thread A leaves: the thread shrinks and is now shown by m4, after m5
    store.queueDelete(rows[0]!.id);
    assert.deepEqual(
      store.listMessages({ folderId: inbox, threads: true }).map((r) => [r.subject, r.threadSize]),
      [
        ['m5', 1],
        ['m4', 2],
        ['m3', 2],
      ],
    );
    assert.equal(store.listMessages({ folderId: inbox }).every((r) => r.threadSize === undefined), true, 'ungrouped rows carry no thread size');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
