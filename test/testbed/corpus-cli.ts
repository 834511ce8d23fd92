// `npm run testbed -- corpus --mailbox <address> --count <n> [--seed <s>] [--folder <name>]`
// `npm run testbed -- corpus --mailbox <address> --set hostile|malformed [--folder <name>]`
import { loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { loadCorpusIntoMailbox } from './corpus.js';
import { hostileSet, malformedSet } from './corpus-hostile.js';

/** Appends the hostile or malformed set (test/testbed/corpus-hostile.ts) to a folder of the mailbox. */
async function loadSet(mailbox: string, set: 'hostile' | 'malformed', folder: string, json: boolean): Promise<number> {
  const messages = (set === 'hostile' ? hostileSet : malformedSet)(mailbox);
  const imap = plainImapClient(loadTestbed(), { user: mailbox });
  imap.on('error', () => undefined);
  await imap.connect();
  try {
    if (folder !== 'INBOX') await imap.mailboxCreate(folder).catch(() => undefined);
    for (const m of messages) await imap.append(folder, m.raw, []);
  } finally {
    await imap.logout();
  }
  if (json) process.stdout.write(`${JSON.stringify({ set, count: messages.length, folder })}\n`);
  else console.log(`${messages.length} ${set} messages appended to ${mailbox} ${folder}`);
  return 0;
}

export async function corpusCommand(o: { mailbox?: string; count?: string; seed?: string; folder?: string; set?: string; json: boolean }): Promise<number> {
  if (o.set !== undefined) {
    if (!o.mailbox || (o.set !== 'hostile' && o.set !== 'malformed')) {
      console.error('usage: npm run testbed -- corpus --mailbox <address> --set hostile|malformed [--folder <name>]');
      return 2;
    }
    return loadSet(o.mailbox, o.set, o.folder ?? (o.set === 'hostile' ? 'Hostile' : 'Malformed'), o.json);
  }
  const count = Number(o.count ?? '100');
  const seed = Number(o.seed ?? '1');
  if (!o.mailbox || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    console.error('usage: npm run testbed -- corpus --mailbox <address> --count <n> [--seed <s>] [--folder <name>]');
    return 2;
  }
  const state = loadTestbed();
  const r = await loadCorpusIntoMailbox(state, o.mailbox, { count, seed, ...(o.folder ? { folder: o.folder } : {}) });
  if (o.json) process.stdout.write(`${JSON.stringify({ count: r.count, bytes: r.bytes, ms: r.ms, writeMs: r.writeMs, folder: r.folder })}\n`);
  else console.log(`${r.count} messages (${(r.bytes / 1e6).toFixed(1)} MB, avg ${Math.round(r.bytes / r.count / 1024)} KB) loaded into ${o.mailbox} ${r.folder} in ${r.ms} ms (files ${r.writeMs} ms, doveadm index ${r.ms - r.writeMs} ms)`);
  return 0;
}
