// Waiting for mail on the bench, on the server's own events: the mailbox is searched, and if the
// message is not there yet the client IDLEs until Dovecot announces new mail (EXISTS), then
// searches again. And the "sentinel" used by negative checks ("no second copy arrives"), and the
// file Postfix delivered into a Maildir, read as is (headers exactly as they were delivered).
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImapFlow, SearchObject } from 'imapflow';
import { createSmtpTransport } from '../../src-main/smtp/index.js';
import type { TestbedState } from './testbed.js';
import { benchVerifier, orgSigner } from './tls-bench.js';
import { waitUntil } from './wait.js';

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

/** The file Postfix delivered (through Dovecot LMTP) into `address`'s Maildir on the bench, found by a text it holds. */
export async function deliveredFile(tb: TestbedState, address: string, needle: string, timeoutMs = 30_000): Promise<string> {
  const [local, domain] = address.split('@') as [string, string];
  const dirs = ['new', 'cur'].map((d) => join(tb.maildirRoot, domain, local, 'Maildir', d));
  const find = (): string | undefined => {
    for (const dir of dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const text = readFileSync(join(dir, n), 'latin1');
        if (text.includes(needle)) return text;
      }
    }
    return undefined;
  };
  // the Maildir is a file a daemon writes, which announces nothing to us: read again until it is there
  return waitUntil(`a delivery to ${address} holding ${needle}`, find, { timeoutMs, everyMs: 100 });
}

/** Every value of header `name` in a delivered message (folded lines unfolded). */
export function headerValues(eml: string, name: string): string[] {
  const head = eml.slice(0, eml.search(/\r?\n\r?\n/));
  return [...head.replace(/\r?\n[ \t]+/g, ' ').matchAll(new RegExp(`^${name}:\\s*(.*)$`, 'gim'))].map((m) => m[1]!.trim());
}
