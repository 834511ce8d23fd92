// Drafts: saved locally first (outbox state 'draft', survives restarts and offline), then copied
// to the Drafts special-use folder; a newer copy replaces the older one on the server.
import type { OutboxApi, OutboxEntry } from './outbox-store.js';
import type { AccountMailChannel } from './mail-channel.js';
import type { ComposedMessage } from './compose.js';

export async function saveDraftLocally(outbox: OutboxApi, accountAddress: string, message: ComposedMessage): Promise<OutboxEntry> {
  return outbox.add(accountAddress, message, { draft: true });
}

/** APPENDs the draft (\Draft \Seen) and removes the copy this draft had there before. */
export async function uploadDraft(outbox: OutboxApi, channel: Pick<AccountMailChannel, 'appendDraft' | 'deleteDraft'>, id: number): Promise<OutboxEntry> {
  const entry = await outbox.get(id);
  const uid = await channel.appendDraft(await outbox.raw(id));
  if (entry.draftUid !== null && entry.draftUid !== uid) await channel.deleteDraft(entry.draftUid);
  await outbox.setDraftUid(id, uid);
  return outbox.get(id);
}
