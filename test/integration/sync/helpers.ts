// Shared steps of the sync integration tests: a private folder per test on the
// bench's Dovecot (tests never touch a shared INBOX), messages appended over
// IMAP, and the server's exact state (UID → SHA-256 of the source).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { sha256Hex } from '../../../src-main/store/parse.js';
import type { StoreHooks } from '../../../src-main/store/types.js';
import { loadTestbed, type TestbedState } from '../../support/testbed.js';
import { plainImapClient, plainImapConnector, type PlainImapOptions } from '../../support/imap-plain.js';
import { buildEml } from '../../support/mail-fixtures.js';

export const state: TestbedState = loadTestbed();
/** the mailbox these tests use (private folders inside it) */
export const USER = (state.plainUsers.find((u) => u.user.startsWith('jerome.')) ?? state.plainUsers[state.plainUsers.length - 1]!).user;

export function connector(o: PlainImapOptions = {}) {
  return plainImapConnector(state, { user: USER, ...o });
}

export async function admin(user = USER): Promise<ImapFlow> {
  const c = plainImapClient(state, { user });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export async function newFolder(client: ImapFlow, prefix = 'synctest'): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  await client.mailboxCreate(name);
  return name;
}

export async function appendMessages(client: ImapFlow, folder: string, n: number, opts: { subject?: (i: number) => string; flags?: (i: number) => string[] } = {}): Promise<Buffer[]> {
  const raws: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const raw = buildEml({ subject: opts.subject?.(i) ?? `Compte rendu n°${i} échographie`, date: new Date(Date.UTC(2026, 9, 1) + i * 3600_000) });
    await client.append(folder, raw, opts.flags?.(i) ?? []);
    raws.push(raw);
  }
  return raws;
}

/** UID → SHA-256 of the source, read on a fresh session (what the server has now). */
export async function serverDigest(folder: string, user = USER): Promise<Map<number, string>> {
  const c = await admin(user);
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    const out = new Map<number, string>();
    for await (const m of c.fetch('1:*', { uid: true, source: true }, { uid: true })) out.set(m.uid, sha256Hex(m.source!));
    return out;
  } finally {
    await c.logout();
  }
}

export async function serverFlags(folder: string): Promise<Map<number, string[]>> {
  const c = await admin();
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    const out = new Map<number, string[]>();
    for await (const m of c.fetch('1:*', { uid: true, flags: true }, { uid: true })) out.set(m.uid, [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort());
    return out;
  } finally {
    await c.logout();
  }
}

export function storeDigest(store: MailStore, folder: string): Map<number, string> {
  const f = store.findFolder(folder);
  return f ? store.folderDigest(f.id) : new Map();
}

export function sorted(m: Map<number, string>): [number, string][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

export async function tempStore(hooks: StoreHooks = {}): Promise<{ store: MailStore; file: string; key: Buffer }> {
  const file = join(mkdtempSync(join(tmpdir(), 'mssante-sync-')), 'mail.db');
  const key = randomBytes(32);
  return { store: await MailStore.open({ file, keyProvider: staticKeyProvider(key), hooks }), file, key };
}
