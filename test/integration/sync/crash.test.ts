// Crash safety: a syncing process SIGKILLed at random points leaves a valid
// store, and the next sync ends with exactly the server's messages (same UIDs,
// same SHA-256 of the sources: nothing lost, nothing duplicated).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { admin, appendMessages, newFolder, serverDigest, sorted, storeDigest, tempStore } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const created: string[] = [];
after(async () => {
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

/** Runs the child; kills it with SIGKILL after `killAfterProgress` progress lines plus `extraMs`. */
function runChild(file: string, keyHex: string, folder: string, killAfterProgress: number, extraMs: number): Promise<{ killed: boolean; progress: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD, file, keyHex, folder, '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let progress = 0;
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      progress = (out.match(/^progress /gm) ?? []).length;
      if (!killed && progress >= killAfterProgress) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, progress, out });
      else if (code === 0) resolve({ killed: false, progress, out });
      else reject(new Error(`sync child failed (${code}): ${out}`));
    });
  });
}

test('SIGKILL during sync at random points: the store stays valid and converges exactly to the server', { timeout: 240_000 }, async (t) => {
  const c = await admin();
  const folder = await newFolder(c, 'synctest-crash');
  created.push(folder);
  await appendMessages(c, folder, 240, { flags: (i) => (i % 5 ? [] : ['\\Seen']) });
  const { store, file, key } = await tempStore();
  store.close();
  const keyHex = key.toString('hex');
  const seed = Number(process.env.MSSANTE_CRASH_SEED ?? Date.now());
  let x = seed;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const kills: string[] = [];
  // Kill until 4 real kills happened (a round may finish before its kill point); the server changes once.
  // A round that finishes leaves nothing to kill: new mail then arrives, so the next round has work again
  // (a fast sync can otherwise converge before 4 kills).
  let killed = 0;
  let arrivals = 0;
  for (let round = 0; killed < 4 && round < 16; round++) {
    if (round === 2) {
      // the server changes between crashes: expunges, flags, arrivals
      await c.mailboxOpen(folder);
      await c.messageDelete('3:9,100:104', { uid: true });
      await c.messageFlagsAdd('20:40', ['\\Flagged'], { uid: true });
      await appendMessages(c, folder, 30, { subject: (i) => `Arrivée ${i}` });
    }
    const afterProgress = 1 + Math.floor(rnd() * 4);
    const extraMs = Math.floor(rnd() * 40);
    const r = await runChild(file, keyHex, folder, afterProgress, extraMs);
    kills.push(`${r.killed ? 'killed' : 'finished'}@${r.progress}+${extraMs}ms`);
    if (r.killed) killed++;
    else {
      await appendMessages(c, folder, 60, { subject: (i) => `Relance ${round}-${i}` });
      arrivals += 60;
    }
    // after every kill the database opens, passes integrity checks, and holds no duplicates
    const db = openDatabase(file, key);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `integrity after ${kills.join(' ')} (seed ${seed})`);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    const dups = db.prepare('SELECT folder_id, uid, count(*) n FROM messages WHERE uid IS NOT NULL GROUP BY folder_id, uid HAVING n > 1').all();
    assert.deepEqual(dups, []);
    const orphans = db.prepare('SELECT count(*) FROM messages m LEFT JOIN message_sources s ON s.message_id = m.id WHERE s.message_id IS NULL').pluck().get();
    assert.equal(orphans, 0, 'every message has its source');
    db.close();
  }
  assert.ok(killed >= 4, `at least 4 real kills: ${kills.join(' ')}`);
  t.diagnostic(`seed ${seed}: ${kills.join(' ')}`);
  // the next sync, to completion
  const final = await runChild(file, keyHex, folder, Number.MAX_SAFE_INTEGER, 0);
  assert.equal(final.killed, false);
  const s = await MailStore.open({ file, keyProvider: staticKeyProvider(key) });
  const mine = storeDigest(s, folder);
  const server = await serverDigest(folder);
  assert.equal(server.size, 240 - 12 + 30 + arrivals);
  assert.deepEqual(sorted(mine), sorted(server), `kills: ${kills.join(' ')} (seed ${seed})`);
  assert.equal(s.search('echographie', { limit: 1000 }).length, 240 - 12, 'index matches the messages');
  assert.equal(s.listMessages({ folderPath: folder, limit: 1000 }).filter((m) => m.flags.flagged).length, 21);
  s.close();
  await c.logout();
});
