// The offline CLI verbs, through the real binary, on a store seeded directly
// (no server: everything here must work with the network down).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { runMssante } from '../../support/cli.js';
import { buildEml } from '../../support/mail-fixtures.js';

const KEY = randomBytes(32).toString('hex');

async function seededHome(): Promise<{ home: string; raws: Buffer[] }> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-'));
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  const raws = [
    buildEml({ subject: 'Compte rendu d’échographie', date: new Date('2026-11-01T08:00:00Z'), attachment: { filename: 'CR échographie.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4 test') } }),
    buildEml({ subject: 'Résultats biologie', date: new Date('2026-11-03T08:00:00Z'), body: 'Créatininémie normale' }),
  ];
  await store.applyBatch({ folderId: inbox!.id, newMessages: raws.map((raw, i) => ({ uid: i + 1, flags: i === 0 ? ['\\Seen'] : [], raw })) });
  store.close();
  return { home, raws };
}

// test seam: a raw key (MSSANTE_TEST=1 only); the product opens the store with the card
const env = { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: KEY };

test('messages list / show / show --raw / search / flag work from the store alone', async () => {
  const { home, raws } = await seededHome();
  try {
    const list = await runMssante(['--home', home, 'messages', 'list', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    const msgs = JSON.parse(list.stdout).messages as { id: number; subject: string; flags: string[]; hasAttachments: boolean; uid: number; date: string }[];
    assert.deepEqual(msgs.map((m) => m.subject), ['Résultats biologie', 'Compte rendu d’échographie'], 'newest first');
    assert.equal(msgs[1]!.hasAttachments, true);
    assert.deepEqual(msgs[1]!.flags, ['\\Seen']);
    assert.equal(msgs[1]!.date, '2026-11-01T08:00:00.000Z');

    const text = await runMssante(['--home', home, 'messages', 'list', '--limit', '1'], { env });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /Résultats biologie/);
    assert.doesNotMatch(text.stdout, /échographie/);

    const id = msgs[1]!.id;
    const show = await runMssante(['--home', home, 'messages', 'show', String(id), '--json'], { env });
    const m = JSON.parse(show.stdout).message;
    assert.equal(m.attachments[0].filename, 'CR échographie.pdf');
    assert.match(m.text, /compte rendu/);

    const raw = await runMssante(['--home', home, 'messages', 'show', String(id), '--raw'], { env });
    assert.equal(raw.stdout, raws[0]!.toString('utf8'), 'exact source');

    const search = await runMssante(['--home', home, 'search', 'echographie', '--json'], { env });
    assert.deepEqual(JSON.parse(search.stdout).messages.map((x: { id: number }) => x.id), [id]);
    const search2 = await runMssante(['--home', home, 'search', 'creatininemie'], { env });
    assert.match(search2.stdout, /1 résultat/);

    const flag = await runMssante(['--home', home, 'messages', 'flag', String(id), '--unseen', '--flagged', '--json'], { env });
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual(JSON.parse(flag.stdout).message.flags, ['\\Flagged']);
    const after = await runMssante(['--home', home, 'messages', 'list', '--json'], { env });
    assert.deepEqual(JSON.parse(after.stdout).messages.find((x: { id: number }) => x.id === id).flags, ['\\Flagged']);

    const badMove = await runMssante(['--home', home, 'messages', 'move', String(id), 'Nulle-part', '--json'], { env });
    assert.equal(JSON.parse(badMove.stdout).error.code, 'NOT_FOUND');
    const del = await runMssante(['--home', home, 'messages', 'delete', String(msgs[0]!.id)], { env });
    assert.equal(del.code, 0, del.stderr);
    const left = await runMssante(['--home', home, 'messages', 'list', '--json'], { env });
    assert.deepEqual(JSON.parse(left.stdout).messages.map((x: { id: number }) => x.id), [id], 'a deleted message disappears at once');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('bad input gets a clear French error and a JSON error code', async () => {
  const { home } = await seededHome();
  try {
    const missing = await runMssante(['--home', home, 'messages', 'show', '999', '--json'], { env });
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, 'NOT_FOUND');
    assert.match(missing.stderr, /Erreur : /);
    const badId = await runMssante(['--home', home, 'messages', 'show', 'abc'], { env });
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /« abc » n’est pas un numéro de message/);
    const noFlag = await runMssante(['--home', home, 'messages', 'flag', '1'], { env });
    assert.equal(noFlag.code, 1);
    const folder = await runMssante(['--home', home, 'messages', 'list', '--folder', 'Nope', '--json'], { env });
    assert.equal(JSON.parse(folder.stdout).error.code, 'NOT_FOUND');
    assert.match(folder.stderr, /Dossier « Nope » inconnu dans la base locale ; dossiers : .*INBOX/);
    const wrongKey = await runMssante(['--home', home, 'messages', 'list', '--json'], { env: { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') } });
    assert.equal(JSON.parse(wrongKey.stdout).error.code, 'STORE_BAD_KEY');
    const noServer = await runMssante(['--home', home, 'sync', '--json'], { env: { ...env, MSSANTE_TEST: '' } });
    assert.equal(noServer.code, 1, 'sync without the card channel fails cleanly');
    assert.ok(JSON.parse(noServer.stdout).error.code);
    // outside tests the raw key is ignored: without a card no verb reads the store
    for (const args of [['messages', 'list'], ['messages', 'show', '1'], ['search', 'echographie'], ['audit', 'verify'], ['audit', 'export', join(home, 'x.jsonl')]]) {
      const r = await runMssante(['--home', home, '--json', '--pkcs11-module', '/nonexistent/libpkcs11.so', ...args], { env: { MSSANTE_TEST: '', MSSANTE_STORE_KEY: KEY } });
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!).error.code, 'STORE_CARD_REQUIRED', args.join(' '));
      assert.doesNotMatch(r.stdout, /chographie|biologie/);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
