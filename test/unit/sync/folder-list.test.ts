import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movesToMissingFolders, planFolderList, planReplay, shouldReconnect, type KnownFolder, type ListedFolder } from '../../../src-main/sync/planner.js';
import { connectionError, connectionFailureOf } from '../../../src-main/sync/engine.js';
import { describeErrorFr } from '../../../src-main/errors/index.js';
import { syncNoticesFr } from '../../../src-main/sync/summary-fr.js';
import type { PendingOp } from '../../../src-main/store/types.js';

const k = (id: number, path: string, uidvalidity: string | null, count = 3, mailboxId?: string): KnownFolder => ({ id, path, uidvalidity, count, ...(mailboxId ? { mailboxId } : {}) });
const l = (path: string, uidvalidity: string | null, selectable = true, mailboxId?: string): ListedFolder => ({ path, uidvalidity, selectable, ...(mailboxId ? { mailboxId } : {}) });

test('a folder gone from LIST is removed; folders still listed are left alone', () => {
  assert.deepEqual(planFolderList([k(1, 'INBOX', '10'), k(2, 'Patients', '20')], [l('INBOX', '10')]), [{ kind: 'remove', folderId: 2, path: 'Patients', keepRow: false }]);
  assert.deepEqual(planFolderList([k(1, 'INBOX', '10')], [l('INBOX', '10'), l('Nouveau', '30')]), []);
});

test('a rename is recognised by the UIDVALIDITY one gone folder and one new folder share', () => {
  assert.deepEqual(planFolderList([k(1, 'INBOX', '10'), k(2, 'Patients', '20')], [l('INBOX', '10'), l('Patients 2026', '20')]), [
    { kind: 'rename', folderId: 2, from: 'Patients', to: 'Patients 2026', by: 'uidvalidity' },
  ]);
  // a recreated folder (new UIDVALIDITY) under a new name is not the old one
  assert.deepEqual(planFolderList([k(2, 'Patients', '20')], [l('Archives', '21')]), [{ kind: 'remove', folderId: 2, path: 'Patients', keepRow: false }]);
  // ambiguous (two new folders with the same UIDVALIDITY): never guess, remove and re-download
  assert.deepEqual(planFolderList([k(2, 'Patients', '20')], [l('A', '20'), l('B', '20')]), [{ kind: 'remove', folderId: 2, path: 'Patients', keepRow: false }]);
  assert.deepEqual(planFolderList([k(2, 'P1', '20'), k(3, 'P2', '20')], [l('A', '20')]), [
    { kind: 'remove', folderId: 2, path: 'P1', keepRow: false },
    { kind: 'remove', folderId: 3, path: 'P2', keepRow: false },
  ]);
});

test('RFC 8474 MAILBOXID, when the server offers it, wins over UIDVALIDITY', () => {
  assert.deepEqual(planFolderList([k(2, 'Patients', '20', 3, 'F-abc')], [l('X', '20', true, 'F-other'), l('Y', '99', true, 'F-abc')]), [
    { kind: 'rename', folderId: 2, from: 'Patients', to: 'Y', by: 'mailboxid' },
  ]);
});

test('a name now \\Noselect or \\NonExistent (kept for its children) loses its messages but stays listed', () => {
  assert.deepEqual(planFolderList([k(2, 'Parent', '20')], [l('Parent', null, false), l('Parent/Enfant', '21')]), [{ kind: 'remove', folderId: 2, path: 'Parent', keepRow: true }]);
  assert.deepEqual(planFolderList([k(2, 'Parent', null, 0)], [l('Parent', null, false)]), [], 'nothing synced: nothing to remove');
});

test('queued moves into a folder the server no longer has are singled out', () => {
  const op = (id: number, target: string): PendingOp => ({ id, messageId: id, folderId: 1, uid: id, kind: 'move', payload: { target }, attempts: 0 }) as PendingOp;
  const actions = planReplay([op(1, 'Archives'), op(2, 'Supprimé')]);
  assert.deepEqual(movesToMissingFolders(actions, new Set(['INBOX', 'Archives'])).map((a) => a.target), ['Supprimé']);
});

test('connection failures: only a stall or a cut is retried inside a pass, a bounded number of times', () => {
  assert.equal(shouldReconnect('stalled', 0, 3), true);
  assert.equal(shouldReconnect('cut', 2, 3), true);
  assert.equal(shouldReconnect('cut', 3, 3), false);
  for (const f of ['unreachable', 'tls', 'refused', null] as const) assert.equal(shouldReconnect(f, 0, 3), false);
  assert.equal(connectionFailureOf('NETWORK_STALLED'), 'stalled');
  assert.equal(connectionFailureOf('NETWORK_CONNECTION_CUT'), 'cut');
  assert.equal(connectionFailureOf('NETWORK_UNREACHABLE'), 'unreachable');
  assert.equal(connectionFailureOf('IMAP_SERVER_REFUSED'), 'refused');
  assert.equal(connectionFailureOf('TLS_HANDSHAKE_FAILED'), 'tls');
  assert.equal(connectionFailureOf('CERT_REVOKED'), 'tls');
  assert.equal(connectionFailureOf('IMAP_FAILED'), null);
});

test('a socket timeout is a stall, a closed socket under a command a cut with the count; each has its own French message', () => {
  const stall = connectionError(Object.assign(new Error('Socket timeout'), { code: 'ETIMEOUT' }), undefined, { messages: 12, timeoutMs: 30_000 });
  assert.equal(stall.code, 'NETWORK_STALLED');
  assert.equal(describeErrorFr(stall), 'Le serveur de messagerie ne répond plus (aucune donnée reçue pendant 30 s) : la synchronisation reprendra au prochain essai.');
  const cut = connectionError(Object.assign(new Error('Connection not available'), { code: 'NoConnection' }), undefined, { messages: 12, timeoutMs: 30_000 });
  assert.equal(cut.code, 'NETWORK_CONNECTION_CUT');
  assert.match(describeErrorFr(cut), /coupée après 12 messages reçus/);
  assert.equal(connectionError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined, { messages: 0, timeoutMs: 1 }).code, 'NETWORK_UNREACHABLE');
  assert.notEqual(describeErrorFr(stall), describeErrorFr({ code: 'NETWORK_UNREACHABLE' }));
});

test('the pass report is told in French, naming each folder', () => {
  const lines = syncNoticesFr({
    renamedFolders: [{ from: 'Patients', to: 'Patients 2026' }],
    removedFolders: [{ folder: 'Ancien', messages: 4 }],
    droppedChanges: [
      { folder: 'Ancien', kind: 'flags', reason: 'folder-deleted' },
      { folder: 'INBOX', kind: 'move', target: 'Ancien', reason: 'target-missing' },
    ],
    failedFolders: [{ folder: 'Abîmé', code: 'IMAP_FAILED' }],
    reconnects: [{ code: 'NETWORK_CONNECTION_CUT', data: { messages: 50 } }],
  });
  assert.deepEqual(lines.slice(0, 4), [
    'Le dossier « Patients » a été renommé « Patients 2026 » sur le serveur : ses messages sont conservés.',
    'Le dossier « Ancien » n’existe plus sur le serveur : il a été retiré de ce poste (4 messages retirés).',
    'Modification locale abandonnée (changement de drapeau) : le dossier « Ancien » a été supprimé sur le serveur.',
    'Déplacement vers « Ancien » impossible : ce dossier n’existe plus sur le serveur. Le message est resté dans « INBOX ».',
  ]);
  assert.match(lines[4]!, /« Abîmé » n’a pas pu être synchronisé/);
  assert.match(lines[5]!, /coupée après 50 messages reçus.*Reconnexion effectuée/);
});
