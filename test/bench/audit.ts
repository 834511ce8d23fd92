// Journal benchmark (issue 10), part `audit` of `npm run bench`: what the
// journal adds to the sync write path (the same parsed batches committed into
// a store with and without the journal hooks), and how fast `audit verify`
// walks the chain. No server needed: the batches are generated.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src-main/audit/journal.js';
import { journalHooks } from '../../src-main/audit/store-hooks.js';
import { MailStore } from '../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../src-main/store/key-provider.js';
import { parseMessage, type ParsedMessage } from '../../src-main/store/parse.js';
import type { StoreHooks, SyncBatch } from '../../src-main/store/types.js';
import { buildEml } from '../support/mail-fixtures.js';

const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

async function commitAll(dir: string, name: string, batches: { batch: SyncBatch; parsed: ParsedMessage[] }[], hooks: StoreHooks): Promise<{ ms: number; store: MailStore }> {
  const store = await MailStore.open({ file: join(dir, `${name}.db`), keyProvider: staticKeyProvider(randomBytes(32)), hooks });
  const account = store.ensureAccount({ address: 'bench@medecin.mssante.fr' });
  const [folder] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
  const t = performance.now();
  for (const b of batches) store.applyParsedBatch({ ...b.batch, folderId: folder!.id }, b.parsed);
  return { ms: performance.now() - t, store };
}

export async function benchAudit(opts: { messages?: number; batchSize?: number } = {}): Promise<Record<string, number>> {
  const n = opts.messages ?? 3000;
  const size = opts.batchSize ?? 200;
  const dir = mkdtempSync(join(tmpdir(), 'mssante-bench-audit-'));
  try {
    const batches: { batch: SyncBatch; parsed: ParsedMessage[] }[] = [];
    for (let start = 0; start < n; start += size) {
      const newMessages = [];
      const parsed = [];
      for (let i = start; i < Math.min(n, start + size); i++) {
        const raw = buildEml({ subject: `Compte rendu ${i}`, body: `Bonjour,\r\n${'Texte du compte rendu. '.repeat(200)}\r\n` });
        newMessages.push({ uid: i + 1, flags: [], raw });
        parsed.push(await parseMessage(raw));
      }
      batches.push({ batch: { folderId: 0, newMessages }, parsed });
    }
    // alternate the order so that cache warm-up does not favour one side
    const plainA = await commitAll(dir, 'plain-a', batches, {});
    const journalA = await commitAll(dir, 'journal-a', batches, journalHooks());
    const journalB = await commitAll(dir, 'journal-b', batches, journalHooks());
    const plainB = await commitAll(dir, 'plain-b', batches, {});
    const plain = Math.min(plainA.ms, plainB.ms);
    const withJournal = Math.min(journalA.ms, journalB.ms);
    const journal = new Journal(journalA.store.db);
    const t = performance.now();
    const v = journal.verify();
    const verifyMs = performance.now() - t;
    if (!v.ok || v.entries !== n) throw new Error('bench journal does not verify');
    for (const s of [plainA, plainB, journalA, journalB]) s.store.close();
    return {
      'audit.messages': n,
      'audit.commit_ms_per_1000_without_journal': round((plain / n) * 1000),
      'audit.commit_ms_per_1000_with_journal': round((withJournal / n) * 1000),
      'audit.journal_overhead_percent': round(((withJournal - plain) / plain) * 100, 1),
      'audit.verify_entries_per_second': Math.round(n / (verifyMs / 1000)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchAudit({ messages: Number(process.argv[2] ?? 3000) }));
}
