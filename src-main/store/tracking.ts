// What became of the messages we sent, as the list and the message view ask
// it: per-recipient delivery (delivery.ts) and read receipts (receipts.ts).
import type { StoreContext } from './context.js';
import { DELIVERY_RANK, deliveryEvents, deliveryOf, unconfirmedMessages, type DeliveryState, type RecipientDelivery, type UnconfirmedMessage } from './delivery.js';
import { getFolder } from './folders.js';
import { getMessage } from './queries.js';
import { receiptsForMessage, type ReadReceipt } from './receipts.js';

/**
 * Per-recipient delivery of a message we sent: its To/Cc/Bcc, each with the
 * furthest state reached. [] for a message that is not in a Sent folder.
 */
export function delivery(ctx: StoreContext, id: number): RecipientDelivery[] {
  const m = getMessage(ctx, id);
  const folder = getFolder(ctx, m.folderId);
  if (!m.messageId || folder?.specialUse !== '\\Sent') return [];
  const recipients = [...m.to, ...m.cc, ...m.bcc].map((a) => a.address).filter(Boolean);
  return deliveryOf(deliveryEvents(ctx.db, m.messageId), recipients);
}

/** For a list's icon: per message of a Sent folder, the least advanced recipient's state (a failure wins). */
export function deliveryBadges(ctx: StoreContext, ids: readonly number[]): Record<number, DeliveryState> {
  const out: Record<number, DeliveryState> = {};
  for (const id of ids) {
    const list = delivery(ctx, id);
    if (!list.length) continue;
    out[id] = list.some((r) => r.state === 'failed') ? 'failed' : list.reduce((a, r) => (DELIVERY_RANK[r.state] < DELIVERY_RANK[a] ? r.state : a), list[0]!.state);
  }
  return out;
}

/** Sent messages submitted before `before` (ms) that some recipient has not confirmed yet. */
export function unconfirmedSent(ctx: StoreContext, before: number): UnconfirmedMessage[] {
  return unconfirmedMessages(ctx.db, before);
}

/** Read receipts received for a message of a Sent folder; [] for any other message. */
export function readReceipts(ctx: StoreContext, id: number): ReadReceipt[] {
  return receiptsForMessage(ctx.db, id);
}
