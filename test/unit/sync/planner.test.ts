import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay,
  diffUids,
  initialChunks,
  orderFolders,
  planFolder,
  planReplay,
  specialUseOf,
  toSequenceSet,
  type LocalFolderState,
  type ServerFolderStatus,
} from '../../../src-main/sync/planner.js';
import type { PendingOp } from '../../../src-main/store/types.js';

const BOTH = { condstore: true, qresync: true };
const NONE = { condstore: false, qresync: false };
const ready: LocalFolderState = { uidvalidity: '100', uidnext: 51, highestmodseq: '900', syncState: 'ready', initialLowUid: null, count: 50 };
const same: ServerFolderStatus = { uidvalidity: '100', uidnext: 51, highestmodseq: '900', messages: 50 };

test('a folder never synced, or with a new UIDVALIDITY, gets an initial sync; an interrupted one resumes', () => {
  assert.deepEqual(planFolder(undefined, same, BOTH), { kind: 'initial', reason: 'new' });
  assert.deepEqual(planFolder({ ...ready, syncState: 'new' }, same, BOTH), { kind: 'initial', reason: 'new' });
  assert.deepEqual(planFolder(ready, { ...same, uidvalidity: '101' }, BOTH), { kind: 'initial', reason: 'uidvalidity-changed' });
  assert.deepEqual(planFolder({ ...ready, syncState: 'initial', initialLowUid: 20 }, same, BOTH), { kind: 'initial', reason: 'resume' });
});

test('nothing changed on a CONDSTORE server: no-op without opening the folder', () => {
  assert.deepEqual(planFolder(ready, same, BOTH), { kind: 'noop' });
  assert.deepEqual(planFolder(ready, same, { condstore: true, qresync: false }), { kind: 'noop' });
});

test('a count mismatch alone (expunge without modseq change) still triggers a check', () => {
  const p = planFolder(ready, { ...same, messages: 49 }, { condstore: true, qresync: false });
  assert.deepEqual(p, { kind: 'incremental', newFrom: null, flags: 'none', changedSince: null, vanished: 'count-check' });
});

test('new mail and flag changes: CHANGEDSINCE delta, VANISHED with QRESYNC, count check with CONDSTORE only', () => {
  const server = { ...same, uidnext: 55, highestmodseq: '950', messages: 53 };
  assert.deepEqual(planFolder(ready, server, BOTH), { kind: 'incremental', newFrom: 51, flags: 'changedsince', changedSince: '900', vanished: 'qresync' });
  assert.deepEqual(planFolder(ready, server, { condstore: true, qresync: false }), {
    kind: 'incremental',
    newFrom: 51,
    flags: 'changedsince',
    changedSince: '900',
    vanished: 'count-check',
  });
});

test('modseq values beyond 2^53 are compared exactly', () => {
  const local = { ...ready, highestmodseq: '9007199254740993' };
  assert.deepEqual(planFolder(local, { ...same, highestmodseq: '9007199254740993' }, BOTH), { kind: 'noop' });
  assert.equal(planFolder(local, { ...same, highestmodseq: '9007199254740992' }, BOTH).kind, 'incremental');
});

test('without CONDSTORE every flag is read and UID sets are diffed', () => {
  assert.deepEqual(planFolder(ready, { ...same, highestmodseq: null }, NONE), { kind: 'incremental', newFrom: null, flags: 'all', changedSince: null, vanished: 'uid-diff' });
});

test('initial chunks are newest first, skip what is below the cursor and arrivals after the start', () => {
  const uids = [1, 2, 3, 5, 8, 9, 10, 12, 15];
  assert.deepEqual(initialChunks(uids, null, 13, 3), [[12, 10, 9], [8, 5, 3], [2, 1]]);
  assert.deepEqual(initialChunks(uids, 9, 13, 3), [[8, 5, 3], [2, 1]], 'resume below the committed cursor');
  assert.deepEqual(initialChunks([], null, 1, 3), []);
  assert.throws(() => initialChunks(uids, null, 13, 0));
});

test('UID diff finds vanished and missing messages', () => {
  assert.deepEqual(diffUids([1, 2, 3, 7], [2, 3, 8, 9]), { vanished: [1, 7], missing: [8, 9] });
  assert.deepEqual(diffUids([], []), { vanished: [], missing: [] });
});

test('sequence sets are compact', () => {
  assert.equal(toSequenceSet([7, 1, 2, 3, 3, 10, 11]), '1:3,7,10:11');
  assert.equal(toSequenceSet([42]), '42');
});

const op = (id: number, messageId: number, uid: number | null, kind: PendingOp['kind'], payload: object): PendingOp =>
  ({ id, messageId, folderId: 1, uid, kind, payload, attempts: 0 }) as PendingOp;

test('queued flag changes collapse per message, last wins; move/delete end the story; UID-less messages wait', () => {
  const actions = planReplay([
    op(1, 10, 100, 'flags', { seen: true }),
    op(2, 10, 100, 'flags', { flagged: true }),
    op(3, 10, 100, 'flags', { seen: false }),
    op(4, 11, 101, 'move', { target: 'Archives' }),
    op(5, 11, 101, 'flags', { seen: true }),
    op(6, 12, 102, 'flags', { answered: true }),
    op(7, 12, 102, 'delete', {}),
    op(8, 13, null, 'flags', { seen: true }),
  ]);
  assert.deepEqual(actions, [
    { kind: 'flags', uid: 100, add: ['flagged'], remove: ['seen'], opIds: [1, 2, 3] },
    { kind: 'move', uid: 101, target: 'Archives', opIds: [4, 5] },
    { kind: 'flags', uid: 102, add: ['answered'], remove: [], opIds: [6] },
    { kind: 'delete', uid: 102, opIds: [7] },
  ]);
});

test('reconnect backoff grows exponentially, is capped, and jittered within [cap/2, cap)', () => {
  const o = { baseMs: 1000, maxMs: 60_000 };
  assert.equal(backoffDelay(0, o, () => 0), 500);
  assert.equal(backoffDelay(3, o, () => 0), 4000);
  assert.equal(backoffDelay(20, o, () => 0), 30_000);
  assert.equal(backoffDelay(20, o, () => 0.999999), 59_999);
  assert.equal(backoffDelay(1000, o, () => 0.5), 45_000, 'huge attempt counts stay capped');
});

test('special-use folders: server attribute first, else French/English names; sync order puts the inbox first', () => {
  assert.equal(specialUseOf('Envoyés', '/', null), '\\Sent');
  assert.equal(specialUseOf('INBOX/Corbeille', '/', null), '\\Trash');
  assert.equal(specialUseOf('Dossier patient', '/', null), null);
  assert.equal(specialUseOf('Foo', '/', '\\Archive'), '\\Archive');
  assert.equal(specialUseOf('inbox', '/', null), '\\Inbox');
  const order = orderFolders([
    { path: 'Zeta', specialUse: null, selectable: true },
    { path: 'Trash', specialUse: '\\Trash', selectable: true },
    { path: 'Parent', specialUse: null, selectable: false },
    { path: 'Sent', specialUse: '\\Sent', selectable: true },
    { path: 'INBOX', specialUse: '\\Inbox', selectable: true },
    { path: 'Alpha', specialUse: null, selectable: true },
  ]).map((f) => f.path);
  assert.deepEqual(order, ['INBOX', 'Sent', 'Trash', 'Alpha', 'Zeta']);
});
