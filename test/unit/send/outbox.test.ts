// The outbox queue over a real (encrypted, file) store and a scripted channel: what a doctor
// notices is "my message left once", "it waits while offline", "a refusal says why".
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Db } from '../../../src-main/store/database.js';
import { composeMessage, FINISHED_RETENTION_MS, Outbox, processEntry, processOutbox, retryDelayMs, type MailChannel, type SubmitResult } from '../../../src-main/send/index.js';

const A = 'dr.a@medecin.mssante.test';
const KEY = randomBytes(32);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function openStore(dir?: string): { db: Db; dir: string } {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'outbox-'));
  if (!dir) dirs.push(d);
  return { db: openDatabase(join(d, 'mail.db'), KEY), dir: d };
}

type Step = 'ok' | 'refused-before-connect' | '421' | '550' | 'drop-after-mark' | 'crash-after-accept';

/** A server that does what the script says, and remembers what it really accepted. */
class ScriptedChannel implements MailChannel {
  accepted: Buffer[] = [];
  sent: Buffer[] = [];
  submissions = 0;
  constructor(private readonly script: Step[]) {}
  async submit(_envelope: { from: string; to: string[] }, raw: Buffer, beforeTransaction: () => Promise<void>): Promise<SubmitResult> {
    this.submissions++;
    const step = this.script.shift() ?? 'ok';
    if (step === 'refused-before-connect') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    await beforeTransaction();
    if (step === '421') throw Object.assign(new Error('421 4.3.2 Service not available'), { code: 'EENVELOPE', responseCode: 421, response: '421 4.3.2 Service not available' });
    if (step === '550') throw Object.assign(new Error('550'), { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <x@medecin.mssante.test>: Recipient address rejected' });
    if (step === 'drop-after-mark') throw Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' });
    this.accepted.push(raw);
    return { response: '250 2.0.0 Ok: queued', accepted: ['x'], rejected: [] };
  }
  serverMaxBytes() {
    return 52_428_800;
  }
  async sentCopyExists(messageId: string) {
    return this.sent.some((r) => r.toString('latin1').includes(`Message-ID: ${messageId}`));
  }
  async appendSent(raw: Buffer) {
    this.sent.push(raw);
  }
}

async function queued(outbox: Outbox) {
  const m = await composeMessage({ from: { address: A }, to: [{ address: 'dr.b@medecin.mssante.test' }], subject: 'Bilan', text: 'Bonjour' });
  return outbox.add(A, m);
}

describe('outbox', () => {
  it('sends once, records the reply, appends the Sent copy once, and learns the server SIZE', async () => {
    const { db } = openStore();
    const outbox = new Outbox(db);
    const e = await queued(outbox);
    const ch = new ScriptedChannel(['ok']);
    const done = await processEntry(outbox, ch, e.id);
    assert.equal(done.state, 'sent');
    assert.equal(done.smtpResponse, '250 2.0.0 Ok: queued');
    assert.equal(done.sentCopy, 'appended');
    assert.ok(ch.sent[0]!.equals(outbox.raw(e.id)), 'the Sent copy is the exact bytes submitted');
    await processOutbox(outbox, ch, A);
    assert.equal(ch.submissions, 1);
    assert.equal(ch.sent.length, 1);
    assert.equal(outbox.serverMaxBytes(A), 52_428_800);
    db.close();
  });

  it('offline: stays queued with backoff, survives a restart, sends when the network is back', async () => {
    let now = 1_000_000;
    const first = openStore();
    const outbox = new Outbox(first.db, () => now);
    const e = await queued(outbox);
    const down = new ScriptedChannel(['refused-before-connect']);
    const waiting = await processEntry(outbox, down, e.id, { now: () => now });
    assert.equal(waiting.state, 'queued');
    assert.equal(waiting.lastErrorCode, 'NETWORK_UNREACHABLE');
    assert.equal(waiting.nextAttemptAt, now + retryDelayMs(1));
    assert.equal(down.accepted.length, 0);
    first.db.close();

    const reopened = openStore(first.dir); // the app restarts
    const outbox2 = new Outbox(reopened.db, () => now);
    assert.deepEqual(outbox2.pending(A), [], 'not due before its backoff');
    now += retryDelayMs(1);
    const up = new ScriptedChannel(['ok']);
    const [sent] = await processOutbox(outbox2, up, A, { now: () => now });
    assert.equal(sent?.state, 'sent');
    assert.equal(up.accepted.length, 1);
    reopened.db.close();
  });

  it('4xx retries later; 5xx stops with the server reason; a failed message is retried only on request', async () => {
    const { db } = openStore();
    const outbox = new Outbox(db);
    const e = await queued(outbox);
    const ch = new ScriptedChannel(['421', '550']);
    assert.equal((await processEntry(outbox, ch, e.id)).state, 'queued');
    const failed = await processOutbox(outbox, ch, A, { ignoreSchedule: true });
    assert.equal(failed[0]?.state, 'failed');
    assert.equal(failed[0]?.lastErrorCode, 'SMTP_REJECTED');
    assert.match(failed[0]?.lastError ?? '', /^550 5\.1\.1 .*Recipient address rejected/);
    await processOutbox(outbox, ch, A, { ignoreSchedule: true });
    assert.equal(ch.submissions, 2, 'no automatic retry after a 5xx');
    outbox.requeue(e.id);
    assert.equal((await processEntry(outbox, ch, e.id)).state, 'sent');
    db.close();
  });

  it('a crash after the server accepted never leads to a second submission', async () => {
    const { db, dir } = openStore();
    const outbox = new Outbox(db, () => Date.now());
    const e = await queued(outbox);
    const ch = new ScriptedChannel(['crash-after-accept']);
    // the process "dies" right after the server's 250, before recording it
    await assert.rejects(
      processEntry(outbox, ch, e.id, {
        afterAccepted: () => {
          throw new Error('killed');
        },
      }),
      /killed/,
    );
    db.close();
    // a dead owner: rewrite the owner as another, dead process on this host
    const again = openStore(dir);
    again.db.prepare("UPDATE outbox SET sending_owner = ? WHERE id = ?").run(`${(await import('node:os')).hostname()}:999999999`, e.id);
    const outbox2 = new Outbox(again.db);
    assert.equal(outbox2.get(e.id).state, 'sending');
    const after = await processOutbox(outbox2, ch, A, { ignoreSchedule: true });
    assert.equal(after[0]?.state, 'uncertain');
    await processOutbox(outbox2, ch, A, { ignoreSchedule: true });
    assert.equal(ch.accepted.length, 1, 'delivered once');
    assert.equal(ch.submissions, 1, 'never submitted again automatically');
    assert.throws(() => outbox2.requeue(e.id), /uncertain/, 'retry of an uncertain message needs --force');
    again.db.close();
  });

  it('an interrupted submission whose copy is in Sent is recognised as sent; a live sender is left alone', async () => {
    const { db } = openStore();
    const outbox = new Outbox(db);
    const e = await queued(outbox);
    const ch = new ScriptedChannel(['drop-after-mark']);
    assert.equal((await processEntry(outbox, ch, e.id)).state, 'uncertain', 'connection lost after the mark: outcome unknown');

    const e2 = await queued(outbox);
    outbox.markSending(e2.id); // this process is "sending" it right now
    assert.equal((await processEntry(outbox, ch, e2.id)).state, 'sending', 'not second-guessed while its owner lives');
    db.prepare("UPDATE outbox SET sending_at = 0 WHERE id = ?").run(e2.id); // lease expired
    ch.sent.push(outbox.raw(e2.id)); // the server had saved the copy itself
    const found = await processEntry(outbox, ch, e2.id);
    assert.equal(found.state, 'sent');
    assert.equal(found.sentCopy, 'found');
    assert.equal(ch.sent.length, 1, 'no second Sent copy');
    db.close();
  });

  it('an unreachable Sent folder leaves an interrupted message as it is; finished entries are forgotten after 30 days', async () => {
    let now = Date.now();
    const { db } = openStore();
    const outbox = new Outbox(db, () => now);
    const e = await queued(outbox);
    outbox.markSending(e.id, 'elsewhere:1');
    const ch = new ScriptedChannel(['ok']);
    ch.sentCopyExists = async () => {
      throw new Error('IMAP down');
    };
    assert.equal((await processEntry(outbox, ch, e.id, { now: () => now })).state, 'sending', 'examined again later');
    assert.equal(ch.submissions, 0);

    const done = await queued(outbox);
    await processEntry(outbox, new ScriptedChannel(['ok']), done.id, { now: () => now });
    now += FINISHED_RETENTION_MS + 1;
    await processOutbox(outbox, new ScriptedChannel([]), 'nobody@medecin.mssante.test', { now: () => now });
    assert.deepEqual(outbox.list().map((x) => [x.id, x.state]), [[e.id, 'sending']], 'the sent one is gone, the uncertain one stays');
    db.close();
  });

  it('the same Message-ID cannot be queued twice; cancel never touches a sent message', async () => {
    const { db } = openStore();
    const outbox = new Outbox(db);
    const m = await composeMessage({ from: { address: A }, to: [{ address: 'dr.b@medecin.mssante.test' }], subject: 's', text: 't' });
    const e = outbox.add(A, m);
    assert.throws(() => outbox.add(A, m), (err: Error & { code?: string }) => err.code === 'OUTBOX_INVALID_STATE');
    await processEntry(outbox, new ScriptedChannel(['ok']), e.id);
    assert.throws(() => outbox.cancel(e.id), (err: Error & { code?: string }) => err.code === 'OUTBOX_INVALID_STATE');
    db.close();
  });
});
