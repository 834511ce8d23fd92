// Helpers for tests that need to look at or change a bench mailbox from the
// side (never what the app uses): PLAIN IMAP on the tooling port, doveadm.
import { readFile } from 'node:fs/promises';
import { ImapFlow } from 'imapflow';
import type { TestbedState } from '../support/testbed.js';
import { run } from './exec.js';

/** A connected ImapFlow logged in with PLAIN on ports.toolingImaps (no card needed). Call logout() when done. */
export async function toolingImap(state: TestbedState, address: string): Promise<ImapFlow> {
  const creds = state.plainUsers.find((u) => u.user === address);
  if (!creds) throw new Error(`no PLAIN user for ${address} on the test bench`);
  const imap = new ImapFlow({
    host: state.host, port: state.ports.toolingImaps, secure: true, logger: false,
    auth: { user: creds.user, pass: creds.password },
    tls: { ca: await readFile(state.pki.caBundle, 'utf8'), servername: 'localhost' },
  });
  await imap.connect();
  return imap;
}

/** doveadm against the bench's Dovecot (runs as root, locally). */
export async function doveadm(state: TestbedState, args: readonly string[]): Promise<string> {
  return (await run('doveadm', ['-c', state.dovecot.conf, ...args])).stdout;
}

/** UIDs/GUIDs of the messages of `folder` whose `header` contains `value`. */
export async function searchHeader(state: TestbedState, user: string, header: string, value: string, folder = 'INBOX'): Promise<string[]> {
  const out = await doveadm(state, ['search', '-u', user, 'mailbox', folder, 'header', header, value]);
  return out.split('\n').filter(Boolean);
}
