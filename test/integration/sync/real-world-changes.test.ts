// "Real-world server changes" (issue 14): while `mssante sync` runs as a
// clinic would run it, the server gets a folder deleted, a folder renamed, a
// folder recreated with a new UIDVALIDITY, messages expunged by another
// client, and the link a cut and a stall (loopback proxy in front of the
// bench's Dovecot). After each, the next pass converges to exactly the
// server's state (counts and Message-IDs per folder) and the CLI said, in
// French, what happened. Faults fire at a byte offset of the download (never
// after a sleep); every wait is bounded by `--timeout`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMssante } from '../../support/cli.js';
import { openHomeStore } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { buildEml } from '../../support/mail-fixtures.js';
import { admin, appendMessages, newFolder, state, USER } from './helpers.js';

// Sync through the PLAIN test connector: the store key comes from the test seam (MSSANTE_TEST=1), not the card.
const STORE_KEY = randomBytes(32).toString('hex');

/** Messages with a 16 KiB attachment: a download long enough for a fault at a known byte offset. */
async function appendLarge(c: ImapFlow, folder: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const raw = buildEml({ subject: `Imagerie ${i}`, attachment: { filename: `cr-${i}.pdf`, mimeType: 'application/pdf', content: randomBytes(16 * 1024) } });
    await c.append(folder, raw, []);
  }
}
/** far past the handshake, the greeting and the folder list; well inside the ~2.7 MB download */
const FAULT_AT_BYTES = 1_000_000;

const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const created: string[] = [];
let proxy: FaultProxy | undefined;
after(async () => {
  await proxy?.close();
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

function envFor(p: FaultProxy): NodeJS.ProcessEnv {
  return { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_TEST_IMAP_PORT: String(p.port), MSSANTE_STORE_KEY: STORE_KEY };
}

/** Folder → sorted Message-IDs, on the server. */
async function serverIds(folders: string[]): Promise<Record<string, string[]>> {
  const c = await admin();
  const out: Record<string, string[]> = {};
  try {
    for (const f of folders) {
      await c.mailboxOpen(f, { readOnly: true });
      const ids: string[] = [];
      if (c.mailbox && c.mailbox.exists > 0) for await (const m of c.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
      out[f] = ids.sort();
    }
  } finally {
    await c.logout();
  }
  return out;
}

/** Folder → sorted Message-IDs, in the local store (opened between two CLI runs, as the CLI opens it). */
async function localIds(home: string, folders: string[], _env: NodeJS.ProcessEnv): Promise<Record<string, string[]>> {
  const store = await openHomeStore(home, { keyProvider: staticKeyProvider(STORE_KEY) });
  try {
    const out: Record<string, string[]> = {};
    const ids = store.db.prepare('SELECT m.message_id FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.path = ? AND m.uid IS NOT NULL').pluck();
    for (const f of folders) out[f] = (ids.all(f) as (string | null)[]).map((id) => id ?? '').sort();
    return out;
  } finally {
    store.close();
  }
}

test('real-world server changes: deleted, renamed, recreated folders, expunges by another client, a cut and a stall; each next pass converges and says what happened', async () => {
  const c = await admin();
  const names: string[] = [];
  for (const p of ['rw-gone', 'rw-ren', 'rw-recr', 'rw-exp', 'rw-cut', 'rw-stall']) names.push(await newFolder(c, `synctest-${p}`));
  const [gone, renamed, recreated, expunged, cutBox, stallBox] = names as [string, string, string, string, string, string];
  const renamedTo = `${renamed}-nouveau`;
  created.push(gone, renamed, renamedTo, recreated, expunged, cutBox, stallBox);
  for (const f of [gone, renamed, recreated, expunged]) await appendMessages(c, f, 3);
  await appendLarge(c, cutBox, 120);
  proxy = await startFaultProxy({ host: state.host, port: state.ports.toolingImaps });
  const env = envFor(proxy);
  const home = mkdtempSync(join(tmpdir(), 'mssante-real-world-'));
  const sync = (folders: string[], timeout = '2') => ['--home', home, 'sync', '--account', USER, '--timeout', timeout, '--json', ...folders.flatMap((f) => ['--folder', f])];
  try {
    const first = await runMssante(sync([gone, renamed, recreated, expunged]), { env });
    assert.equal(first.code, 0, first.stderr);

    // 1. While a long download runs, the link stalls; the server changes meanwhile; then the link is cut.
    const firstOfRun = proxy.connections;
    proxy.plan = (i) => (i === firstOfRun ? { stallAfterBytes: FAULT_AT_BYTES } : {});
    const changed = proxy.faulted().then(async () => {
      const other = await admin();
      await other.mailboxDelete(gone);
      await other.mailboxRename(renamed, renamedTo);
      await other.mailboxDelete(recreated);
      await other.mailboxCreate(recreated);
      await appendMessages(other, recreated, 2, { subject: (i) => `Recréé ${i}` });
      await other.mailboxOpen(expunged);
      await other.messageDelete('1:2', { uid: true });
      await other.logout();
      proxy!.cutNow();
    });
    // --timeout 30: the cut, not the stall timeout, ends this connection
    const during = await runMssante(sync([cutBox], '30'), { env });
    await changed;
    assert.equal(during.code, 0, during.stderr);
    const d = JSON.parse(during.stdout);
    assert.deepEqual(d.reconnects, ['NETWORK_CONNECTION_CUT'], during.stdout);
    assert.ok(
      (d.notices as string[]).some((n) => /^La connexion au serveur de messagerie a été coupée après \d+ messages? reçus?/.test(n)),
      during.stdout,
    );
    assert.deepEqual(await localIds(home, [cutBox], env), await serverIds([cutBox]), 'the cut pass resumed and converged');

    // 2. The next pass sees the folder changes and converges.
    const next = await runMssante(sync([renamedTo, recreated, expunged, cutBox]), { env });
    assert.equal(next.code, 0, next.stderr);
    const n = JSON.parse(next.stdout);
    // the resumed pass (its new connection listed the folders again) or this one saw the changes
    assert.deepEqual([...d.removedFolders, ...n.removedFolders], [{ folder: gone, messages: 3 }]);
    assert.deepEqual([...d.renamedFolders, ...n.renamedFolders], [{ from: renamed, to: renamedTo }]);
    const notices = [...d.notices, ...n.notices] as string[];
    assert.ok(notices.includes(`Le dossier « ${gone} » n’existe plus sur le serveur : il a été retiré de ce poste (3 messages retirés).`), next.stdout);
    assert.ok(notices.includes(`Le dossier « ${renamed} » a été renommé « ${renamedTo} » sur le serveur : ses messages sont conservés.`), next.stdout);
    const folders = [renamedTo, recreated, expunged, cutBox];
    assert.deepEqual(await localIds(home, folders, env), await serverIds(folders));
    const gonePass = await runMssante(['--home', home, 'messages', 'list', '--folder', gone, '--json'], { env });
    assert.notEqual(gonePass.code, 0, 'the deleted folder is no longer in the store');

    // 3. A stall in the middle of a download: reported with the delay, resumed on a new connection.
    await appendLarge(c, stallBox, 120);
    const stallRun = proxy.connections;
    proxy.plan = (i) => (i === stallRun ? { stallAfterBytes: FAULT_AT_BYTES } : {});
    const stall = await runMssante(sync([stallBox]), { env });
    assert.equal(stall.code, 0, stall.stderr);
    const st = JSON.parse(stall.stdout);
    assert.deepEqual(st.reconnects, ['NETWORK_STALLED'], stall.stdout);
    assert.ok(
      (st.notices as string[]).some((x) => x.startsWith('Le serveur de messagerie ne répond plus (aucune donnée reçue pendant 2 s)')),
      stall.stdout,
    );
    assert.deepEqual(await localIds(home, [stallBox], env), await serverIds([stallBox]));

    // 4. A server that greets then stays silent: the pass fails in bounded time as "ne répond plus", not "injoignable".
    proxy.plan = () => ({ stallAfterTlsRecords: 1 });
    await appendMessages(c, stallBox, 1);
    const silent = await runMssante(['--home', home, 'sync', '--account', USER, '--timeout', '1', '--folder', stallBox], { env });
    assert.equal(silent.code, 1);
    assert.doesNotMatch(silent.stderr, /injoignable/);
    assert.match(silent.stderr, /Erreur : Le serveur de messagerie ne répond plus \(aucune donnée reçue pendant 1 s\)/);
    proxy.plan = () => ({});
    const back = await runMssante(sync([stallBox]), { env });
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(await localIds(home, [stallBox], env), await serverIds([stallBox]));
  } finally {
    rmSync(home, { recursive: true, force: true });
    await c.logout();
  }
});
