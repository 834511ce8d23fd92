// Folders changed on the server by someone else (a webmail, a colleague):
// deleted, renamed, recreated with a new UIDVALIDITY, emptied by another
// client, or unreadable. Each pass must converge to the server's state,
// never fail for good, and say what happened.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SyncEngine } from '../../../src-main/sync/engine.js';
import type { MailStore } from '../../../src-main/store/mail-store.js';
import { syncNoticesFr } from '../../../src-main/sync/summary-fr.js';
import { admin, appendMessages, connector, newFolder, serverDigest, sorted, state, storeDigest, tempStore, USER } from './helpers.js';

const created: string[] = [];
after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

function engineFor(store: MailStore): SyncEngine {
  return new SyncEngine({ store, connector: connector(), account: { address: USER } });
}

test('a folder deleted on the server leaves the store; its queued changes and moves into it are reported as dropped; the pass goes on', async () => {
  const c = await admin();
  const gone = await newFolder(c, 'synctest-gone');
  const kept = await newFolder(c, 'synctest-kept');
  created.push(gone, kept);
  await appendMessages(c, gone, 3);
  await appendMessages(c, kept, 2);
  const { store } = await tempStore();
  const engine = engineFor(store);
  await engine.syncOnce({ folders: [gone, kept] });
  // offline: a flag change in the folder about to vanish, and a move into it
  const inGone = store.listMessages({ folderPath: gone, limit: 10 })[0]!;
  store.changeFlags(inGone.id, { flagged: true });
  const toMove = store.listMessages({ folderPath: kept, limit: 10 })[0]!;
  store.queueMove(toMove.id, gone);
  await c.mailboxDelete(gone);
  await appendMessages(c, kept, 1);

  const s = await engine.syncOnce({ folders: [kept] });
  assert.deepEqual(s.removedFolders, [{ folder: gone, messages: 3 }]);
  assert.equal(store.findFolder(gone), undefined, 'the deleted folder left the folder list');
  assert.deepEqual(
    s.droppedChanges.map((d) => [d.folder, d.kind, d.reason]).sort(),
    [
      [gone, 'flags', 'folder-deleted'],
      [kept, 'move', 'target-missing'],
    ].sort(),
  );
  assert.equal(store.pendingOps().length, 0, 'nothing left queued for a folder that does not exist');
  assert.ok(
    store.listMessages({ folderPath: kept, limit: 10 }).some((m) => m.id === toMove.id),
    'the message whose move could not apply stays where it was, visible',
  );
  assert.deepEqual(sorted(storeDigest(store, kept)), sorted(await serverDigest(kept)), 'the other folder synced');
  const notices = syncNoticesFr(s);
  assert.ok(notices.includes(`Le dossier « ${gone} » n’existe plus sur le serveur : il a été retiré de ce poste (3 messages retirés).`), notices.join('\n'));
  assert.ok(notices.some((n) => n.startsWith(`Déplacement vers « ${gone} » impossible`)));
  // and the next pass is clean
  const again = await engine.syncOnce({ folders: [kept] });
  assert.deepEqual([again.removedFolders, again.failedFolders, again.droppedChanges], [[], [], []]);
  store.close();
  await c.logout();
});

test('a folder renamed on the server keeps its messages (same rows, no re-download)', async () => {
  const c = await admin();
  const before = await newFolder(c, 'synctest-ren');
  const afterName = `${before}-2026`;
  created.push(before, afterName);
  await appendMessages(c, before, 4);
  const { store } = await tempStore();
  const engine = engineFor(store);
  await engine.syncOnce({ folders: [before] });
  const ids = store.listMessages({ folderPath: before, limit: 10 }).map((m) => m.id).sort();
  const folderId = store.findFolder(before)!.id;
  await c.mailboxRename(before, afterName);

  const s = await engine.syncOnce({ folders: [afterName] });
  assert.deepEqual(s.renamedFolders, [{ from: before, to: afterName }]);
  assert.equal(s.new, 0, 'nothing downloaded again');
  assert.equal(store.findFolder(afterName)!.id, folderId);
  assert.deepEqual(store.listMessages({ folderPath: afterName, limit: 10 }).map((m) => m.id).sort(), ids);
  assert.deepEqual(sorted(storeDigest(store, afterName)), sorted(await serverDigest(afterName)));
  assert.ok(syncNoticesFr(s).includes(`Le dossier « ${before} » a été renommé « ${afterName} » sur le serveur : ses messages sont conservés.`));
  store.close();
  await c.logout();
});

test('a folder recreated under the same name (new UIDVALIDITY) and messages expunged by another client converge exactly', async () => {
  const c = await admin();
  const re = await newFolder(c, 'synctest-recreate');
  const ex = await newFolder(c, 'synctest-expunge');
  created.push(re, ex);
  await appendMessages(c, re, 3);
  await appendMessages(c, ex, 5);
  const { store } = await tempStore();
  const engine = engineFor(store);
  await engine.syncOnce({ folders: [re, ex] });
  const oldUv = store.findFolder(re)!.uidvalidity;
  await c.mailboxDelete(re);
  await c.mailboxCreate(re);
  await appendMessages(c, re, 2, { subject: (i) => `Nouveau ${i}` });
  await c.mailboxOpen(ex);
  await c.messageDelete('2:3', { uid: true });
  await c.mailboxClose();

  const s = await engine.syncOnce({ folders: [re, ex] });
  assert.deepEqual(s.failedFolders, []);
  assert.notEqual(store.findFolder(re)!.uidvalidity, oldUv);
  assert.deepEqual(sorted(storeDigest(store, re)), sorted(await serverDigest(re)));
  assert.equal(storeDigest(store, re).size, 2);
  assert.deepEqual(sorted(storeDigest(store, ex)), sorted(await serverDigest(ex)));
  assert.equal(storeDigest(store, ex).size, 3);
  store.close();
  await c.logout();
});

test('one folder the server cannot open is reported by name; the other folders of the pass sync', async () => {
  const c = await admin();
  const broken = await newFolder(c, 'synctest-broken');
  const fine = await newFolder(c, 'synctest-fine');
  created.push(broken, fine);
  await appendMessages(c, broken, 2);
  await appendMessages(c, fine, 2);
  const [local, domain] = USER.split('@') as [string, string];
  const dir = join(state.maildirRoot, domain, local, 'Maildir', `.${broken}`);
  assert.ok(existsSync(dir), dir);
  const { store } = await tempStore();
  const engine = engineFor(store);
  chmodSync(dir, 0);
  try {
    const s = await engine.syncOnce({ folders: [broken, fine] });
    assert.deepEqual(s.failedFolders.map((f) => f.folder), [broken]);
    assert.deepEqual(sorted(storeDigest(store, fine)), sorted(await serverDigest(fine)));
    assert.match(syncNoticesFr(s).join('\n'), new RegExp(`Le dossier « ${broken} » n’a pas pu être synchronisé`));
  } finally {
    chmodSync(dir, 0o700);
  }
  const s2 = await engine.syncOnce({ folders: [broken, fine] });
  assert.deepEqual(s2.failedFolders, []);
  assert.deepEqual(sorted(storeDigest(store, broken)), sorted(await serverDigest(broken)));
  store.close();
  await c.logout();
});
