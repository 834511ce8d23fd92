// Card-signed checkpoints: the journal head signed with the card's key (here a
// software key with the same Signer shape as CardSigner) survives even a full
// rewrite of the chain and of the head file: only the card can sign again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCheckpoint, writeHeadAnchor, type CheckpointSigner } from '../../../src-main/audit/anchor.js';
import { entryHash } from '../../../src-main/audit/chain.js';
import type { JournalEntry } from '../../../src-main/audit/events.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { verifyJournal } from '../../../src-main/audit/verify.js';
import { openDatabase } from '../../../src-main/store/database.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function softwareSigner(kind: 'rsa' | 'ec'): CheckpointSigner {
  const key = join(dir, `${kind}.key`);
  const cert = join(dir, `${kind}.der`);
  const newkey = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-outform', 'DER', '-out', cert, '-days', '2', '-subj', '/CN=899700300040/SN=TEST'], { stdio: 'ignore' });
  const privateKey: KeyObject = createPrivateKey(readFileSync(key));
  return {
    certificateChain: async () => [readFileSync(cert)],
    supportedSchemes: async () => [kind === 'rsa' ? 0x0401 : 0x0403],
    sign: async (_scheme, data) => sign('sha256', data, privateKey),
  };
}

let n = 0;
function journalWithEntries(): { journal: Journal; home: string } {
  const home = join(dir, `home${++n}`);
  const db = openDatabase(join(home, 'mail.db'), randomBytes(32));
  const journal = new Journal(db);
  journal.append([1, 2, 3].map((i) => ({ action: 'message.opened' as const, data: { messageId: `<m${i}@x>`, sha256: 'a'.repeat(64) } })));
  return { journal, home };
}

for (const kind of ['rsa', 'ec'] as const) {
  test(`a ${kind.toUpperCase()} card-signed checkpoint verifies, and a forged signature is caught`, async () => {
    const { journal, home } = journalWithEntries();
    const data = await signCheckpoint(journal, softwareSigner(kind), { nationalId: '899700300040' });
    assert.ok(data);
    assert.equal(data.seq, 3);
    const v = verifyJournal(journal, home);
    assert.equal(v.ok, true);
    assert.deepEqual(v.checkpoints.map((c) => [c.signedSeq, c.valid]), [[3, true]]);

    // forging the signature means rewriting the checkpoint entry: recomputed hash, yet invalid signature
    const db = journal.db;
    db.exec('DROP TRIGGER journal_no_update');
    const cp = [...journal.entries()].at(-1)!;
    const forged = JSON.parse(cp.data) as Record<string, unknown>;
    forged.signature = Buffer.from('forged').toString('base64');
    const entry: JournalEntry = { ...cp, data: JSON.stringify(Object.fromEntries(Object.entries(forged).sort(([a], [b]) => (a < b ? -1 : 1)))) };
    db.prepare('UPDATE journal SET data_json = ?, hash = ? WHERE seq = ?').run(entry.data, entryHash(entry), cp.seq);
    const bad = verifyJournal(journal, home);
    assert.equal(bad.ok, false);
    assert.equal(bad.broken!.kind, 'anchor');
    assert.equal(bad.broken!.seq, cp.seq);
    db.close();
  });
}

test('a full rewrite of the chain and of the head file is still caught by the card signature', async () => {
  const { journal, home } = journalWithEntries();
  await signCheckpoint(journal, softwareSigner('rsa'), { nationalId: '899700300040' });
  journal.append([{ action: 'message.opened', data: { messageId: '<m4@x>', sha256: 'b'.repeat(64) } }]);
  writeHeadAnchor(home, journal);
  const db = journal.db;
  db.exec('DROP TRIGGER journal_no_update');
  // rewrite entry 2 and re-seal every entry after it, as a forger with the store key would
  const entries = [...journal.entries()];
  let prev = entries[0]!.hash;
  for (const e of entries.slice(1)) {
    const data = e.seq === 2 ? e.data.replace('<m2@x>', '<forged@x>') : e.data;
    const next = { ...e, data, prevHash: prev };
    const hash = entryHash(next);
    db.prepare('UPDATE journal SET data_json = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(data, prev, hash, e.seq);
    prev = hash;
  }
  rmSync(join(home, 'journal-head.json'));
  writeHeadAnchor(home, journal);
  assert.equal(journal.verify().ok, true, 'the chain alone is consistent again');
  const v = verifyJournal(journal, home);
  assert.equal(v.ok, false);
  assert.equal(v.broken!.kind, 'anchor');
  assert.match(v.broken!.found, /entrée signée modifiée/);
  db.close();
});
