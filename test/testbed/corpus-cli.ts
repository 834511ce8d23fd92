// `npm run testbed -- corpus --mailbox <address> --count <n> [--seed <s>] [--folder <name>]`
import { loadTestbed } from '../support/testbed.js';
import { loadCorpusIntoMailbox } from './corpus.js';

export async function corpusCommand(o: { mailbox?: string; count?: string; seed?: string; folder?: string; json: boolean }): Promise<number> {
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
