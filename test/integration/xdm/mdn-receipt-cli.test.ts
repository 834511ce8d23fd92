// "Lu le …" on the sent message, through the real binaries and servers:
// doctor A `mssante send --receipt`s (card, Dovecot submission → Postfix →
// Dovecot, copy in Sent); doctor B syncs and `mssante mdn send`s; doctor A
// syncs INBOX and Sent, and `messages show` of the sent message says it was
// read (JSON `receipts` and the French line), the receipt coming from B.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { importBenchListeBlanche, saveBenchCardAccount } from '../../support/bench-home.js';
import { cliCard, runMssante, type CliRun } from '../../support/cli.js';
import { card, loadTestbed, type TestbedCard } from '../../support/testbed.js';
import { waitUntil } from '../../support/wait.js';

const tb = loadTestbed();
const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const env = { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '', SOFTHSM2_CONF: tb.softhsm.conf };
const homes: string[] = [];
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** A home with the doctor's card account and a liste blanche of the bench domains (in-process: fast). */
async function homeFor(doctor: TestbedCard): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-receipt-'));
  homes.push(home);
  await saveBenchCardAccount(home, tb, doctor.address);
  await importBenchListeBlanche(home, tb);
  cards.set(home, doctor);
  return home;
}
// the store of each home opens only with its doctor's card
const cards = new Map<string, TestbedCard>();

/** `mssante --json … <args>` with the doctor's card (PIN on stdin). */
const withCard = (home: string, doctor: TestbedCard, args: string[]): Promise<CliRun> =>
  runMssante(['--home', home, '--json', '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', ...args], { env, stdin: `${doctor.userPin}\n` });
const cli = (home: string, args: string[]): Promise<CliRun> => runMssante(['--home', home, ...args], { env, card: cliCard(tb, cards.get(home)!) });

/** Syncs the folders until a message with this subject is there (delivery is asynchronous); returns its store id. */
async function syncUntil(home: string, address: string, folders: string[], listFolder: string, subject: string): Promise<number> {
  return waitUntil(`"${subject}" in ${listFolder}`, async () => {
    const synced = await cli(home, ['--json', 'sync', '--account', address, ...folders.flatMap((f) => ['--folder', f])]);
    assert.equal(synced.code, 0, synced.stderr);
    const list = JSON.parse((await cli(home, ['--json', 'messages', 'list', '--folder', listFolder, '--limit', '500'])).stdout) as { messages: { id: number; subject: string | null }[] };
    return list.messages.find((m) => m.subject === subject)?.id;
  }, { timeoutMs: 120_000, everyMs: 200 });
}

describe('read receipt on the sent message (mssante send --receipt → mdn send → sync)', () => {
  it('A’s sent message says "Lu le …" once B has answered, with B as the reader', async () => {
    const a = card(tb, 'doctorA');
    const b = card(tb, 'doctorB');
    const [homeA, homeB] = await Promise.all([homeFor(a), homeFor(b)]);
    const subject = `Compte rendu ${randomUUID().slice(0, 8)}`;

    const sent = await withCard(homeA, a, ['send', '--to', b.address, '--subject', subject, '--body', 'Bonjour, voici le compte rendu.', '--receipt']);
    assert.equal(sent.code, 0, sent.stderr);
    const messageId = (JSON.parse(sent.stdout) as { messageId: string }).messageId;
    assert.match(messageId, /^<.+>$/);

    // Before any receipt: the Sent copy shows none.
    const sentRow = await syncUntil(homeA, a.address, ['Sent'], 'Sent', subject);
    const unread = JSON.parse((await cli(homeA, ['--json', 'messages', 'show', String(sentRow)])).stdout) as { message: { messageId: string; receipts: unknown[] } };
    assert.equal(unread.message.messageId, messageId);
    assert.deepEqual(unread.message.receipts, []);

    const receivedRow = await syncUntil(homeB, b.address, ['INBOX'], 'INBOX', subject);
    const answered = await withCard(homeB, b, ['mdn', 'send', String(receivedRow)]);
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal((JSON.parse(answered.stdout) as { to: string }).to, a.address);

    // A syncs INBOX (the receipt) and Sent: the receipt is recorded with its message, linked to the sent one.
    type Receipt = { disposition: string; date: string; reporter: string; status: string };
    const receipts = await waitUntil('the receipt on the sent message', async () => {
      assert.equal((await cli(homeA, ['--json', 'sync', '--account', a.address, '--folder', 'INBOX', '--folder', 'Sent'])).code, 0);
      const shown = JSON.parse((await cli(homeA, ['--json', 'messages', 'show', String(sentRow)])).stdout) as { message: { receipts: Receipt[] } };
      return shown.message.receipts.length ? shown.message.receipts : undefined;
    }, { timeoutMs: 120_000, everyMs: 200 });
    assert.equal(receipts.length, 1);
    const [r] = receipts;
    assert.equal(r!.disposition, 'displayed');
    assert.equal(r!.reporter, b.address);
    assert.ok(Math.abs(Date.parse(r!.date) - Date.now()) < 10 * 60_000, 'dated when B read it');
    assert.match(r!.status, /^lu le \d\d\/\d\d\/\d{4} à \d\d:\d\d$/);
    const text = await cli(homeA, ['messages', 'show', String(sentRow)]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes(`Lu le ${r!.status.slice('lu le '.length)} par ${b.address}`), text.stdout);
  });
});
