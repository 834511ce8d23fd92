// The journal as store write hooks: entries for messages received, removed,
// flagged, moved and deleted are appended INSIDE the store's write
// transaction (one batch of entries per sync batch), so they commit or roll
// back with the data, and cost one small INSERT per message.
import type { Db } from '../store/database.js';
import type { LocalChangeEvent, RemovedMessageEvent, StoreHooks, StoredMessageEvent } from '../store/types.js';
import { aboutMessage, type JournalRecord } from './events.js';
import { Journal } from './journal.js';
import { deliveryRecords } from './records.js';

export type JournalHooks = Required<Pick<StoreHooks, 'onMessagesStored' | 'onMessagesRemoved' | 'onLocalChange' | 'onDeliveryChanges'>>;

function receivedRecords(events: readonly StoredMessageEvent[]): JournalRecord[] {
  return events.map((e) =>
    aboutMessage('message.received', { row: e.messageRowId, sha256: e.sha256 }, {
      messageId: e.messageId,
      sha256: e.sha256,
      folder: e.folderId,
      uid: e.uid,
      ...(e.kind === 'rebound' ? { rebound: true } : {}),
    }),
  );
}

function removedRecords(events: readonly RemovedMessageEvent[]): JournalRecord[] {
  return events.map((e) => aboutMessage('message.removed', { row: e.messageRowId, sha256: e.sha256 }, { sha256: e.sha256, folder: e.folderId, uid: e.uid, reason: e.reason }));
}

/** `targetId` resolves a move's target path to its folder id (same account as the source folder). */
function localChangeRecord(e: LocalChangeEvent, targetId: (path: string, fromFolder: number) => number | null = () => null): JournalRecord {
  const message = { row: e.messageRowId, sha256: e.sha256 };
  if (e.kind === 'move') return aboutMessage('message.moved', message, { sha256: e.sha256, from: e.folderId, to: targetId(String(e.payload.target), e.folderId) });
  if (e.kind === 'delete') return aboutMessage('message.deleted', message, { sha256: e.sha256 });
  const change = Object.fromEntries(Object.entries(e.payload).filter((kv): kv is [string, boolean] => typeof kv[1] === 'boolean'));
  return aboutMessage('message.flagged', message, { sha256: e.sha256, change });
}

function folderIdOf(db: Db, path: string, sameAccountAs: number): number | null {
  const id = db.prepare('SELECT id FROM folders WHERE path = ? AND account_id = (SELECT account_id FROM folders WHERE id = ?)').pluck().get(path, sameAccountAs);
  return typeof id === 'number' ? id : null;
}

/** Hooks writing the journal; `actor()` gives the card holder acting, when known. */
export function journalHooks(actor: () => string | null = () => null): JournalHooks {
  const journals = new WeakMap<Db, Journal>();
  const journalOf = (db: Db): Journal => {
    let j = journals.get(db);
    if (!j) journals.set(db, (j = new Journal(db)));
    return j;
  };
  const withActor = (records: JournalRecord[]): JournalRecord[] => {
    const who = actor();
    return who === null ? records : records.map((r) => ({ ...r, actor: who }));
  };
  return {
    onMessagesStored: (db, events) => void journalOf(db).append(withActor(receivedRecords(events))),
    onMessagesRemoved: (db, events) => void journalOf(db).append(withActor(removedRecords(events))),
    onDeliveryChanges: (db, changes) => void journalOf(db).append(withActor(deliveryRecords(changes))),
    onLocalChange: (db, event) => void journalOf(db).append(withActor([localChangeRecord(event, (path, from) => folderIdOf(db, path, from))])),
  };
}
