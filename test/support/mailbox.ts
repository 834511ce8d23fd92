// Waiting for mail on the bench, on the server's own events: the mailbox is searched, and if the
// message is not there yet the client IDLEs until Dovecot announces new mail (EXISTS), then
// searches again. And the "sentinel" used by negative checks ("no second copy arrives").
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ImapFlow, SearchObject } from 'imapflow';
import { createSmtpTransport } from '../../src-main/smtp/index.js';
import type { TestbedState } from './testbed.js';
import { benchVerifier, orgSigner } from './tls-bench.js';

/**
 * UIDs of the messages matching `query` in `folder`, once there are at least `atLeast` of them.
 * Leaves `folder` selected. Rejects after `timeoutMs` naming the folder and the query.
 */
export async function waitForMail(client: ImapFlow, folder: string, query: SearchObject, opts: { atLeast?: number; timeoutMs?: number } = {}): Promise<number[]> {
  const atLeast = opts.atLeast ?? 1;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  await client.mailboxOpen(folder);
  for (;;) {
    // listening before the search: mail that lands during it still wakes us
    const arrived = once(client, 'exists', { signal }).catch((err: unknown) => {
      throw signal.aborted ? new Error(`timed out waiting for ${atLeast} message(s) matching ${JSON.stringify(query)} in ${folder}`) : err;
    });
    const uids = (await client.search(query, { uid: true })) || [];
    if (uids.length >= atLeast) {
      arrived.catch(() => undefined);
      return uids;
    }
    // IDLE until the server speaks; the next command (the search) ends it
    void client.idle({ whenFree: true }).catch(() => undefined);
    await arrived;
  }
}

/**
 * Sends a one-line sentinel message to `to` through the bench's submission (Dovecot → Postfix →
 * LMTP, the path every test message takes), as the ORG mailbox with its software key, and
 * returns its Message-ID. Used to bound a negative check by an event: what was submitted
 * before the sentinel has been delivered by the time the sentinel is (one Postfix queue,
 * one local LMTP destination), so "still only one copy" after the sentinel arrived is a
 * meaningful answer without guessing a delay.
 */
export async function sendSentinel(tb: TestbedState, to: string): Promise<string> {
  const from = tb.pki.orgClientP12.address;
  const messageId = `<sentinel-${randomUUID()}@tests.mssante.test>`;
  const transport = createSmtpTransport({ host: 'localhost', port: tb.ports.submissions, security: 'tls' }, orgSigner(tb), benchVerifier(tb));
  try {
    await transport.sendMail({ envelope: { from, to: [to] }, raw: `From: ${from}\r\nTo: ${to}\r\nSubject: sentinel\r\nMessage-ID: ${messageId}\r\n\r\nsentinel\r\n` });
  } finally {
    transport.close();
  }
  return messageId;
}
