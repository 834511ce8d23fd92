// Submission: Dovecot's submission service requires the card certificate and
// AUTH EXTERNAL, relays to the bench's Postfix, which accepts a MAIL FROM only
// from the card holder and delivers into the Dovecot mailboxes over LMTP.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadTestbed, card, type TestbedState, type TestbedCard } from '../../support/testbed.js';
import { sendSentinel } from '../../support/mailbox.js';
import { waitUntil } from '../../support/wait.js';
import { OpensslClient } from './openssl-client.js';
import { searchHeader as doveadmSearch, toolingImap } from '../../testbed/tooling.js';

let state: TestbedState;
before(() => {
  state = loadTestbed();
});

interface Submission {
  port: number;
  starttls: boolean;
  card?: TestbedCard;
  mailFrom: string;
  to: string;
}

/** Runs one SMTP dialogue; returns every reply line and the Message-ID used. */
async function submit(s: Submission): Promise<{ replies: string[]; messageId: string }> {
  const client = OpensslClient.start(state, { port: s.port, ...(s.card ? { card: s.card } : {}), ...(s.starttls ? { starttls: 'smtp' as const } : {}) });
  await client.ready('smtp', s.starttls);
  const replies: string[] = [];
  const step = async (line: string, re: RegExp) => {
    const before = client.stdout.length;
    client.send(line);
    const match = await client.waitFor((l) => /^\d{3} /.test(l) && (re.test(l) || /^[45]\d\d /.test(l)), 15_000, before);
    replies.push(match);
    return match;
  };
  const messageId = `<bench-${randomUUID()}@medecin.mssante.test>`;
  try {
    await step('EHLO bench.localhost', /^250 /);
    if ((await step('AUTH EXTERNAL =', /^235 /)).startsWith('235')) {
      if ((await step(`MAIL FROM:<${s.mailFrom}>`, /^250 /)).startsWith('250')
        && (await step(`RCPT TO:<${s.to}>`, /^250 /)).startsWith('250')
        && (await step('DATA', /^354 /)).startsWith('354')) {
        const body = [`From: <${s.mailFrom}>`, `To: <${s.to}>`, 'Subject: =?UTF-8?Q?Compte_rendu_de_consultation?=', `Message-ID: ${messageId}`,
          'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Chère consœur, voici le compte rendu.', '.'].join('\r\n');
        await step(body, /^250 /);
      }
    }
    client.send('QUIT');
  } finally {
    await client.close();
  }
  return { replies, messageId };
}

/** Whether the message is in `user`'s mailbox right now (doveadm). */
async function inMailbox(user: string, messageId: string): Promise<boolean> {
  return (await doveadmSearch(state, user, 'Message-ID', messageId)).length > 0;
}

/** doveadm has no wait: the mailbox is searched again until the message is there. */
async function delivered(user: string, messageId: string): Promise<boolean> {
  return waitUntil(`${messageId} in ${user}'s mailbox`, () => inMailbox(user, messageId), { timeoutMs: 15_000, everyMs: 100 });
}

describe('submission with a virtual CPS card', () => {
  test('a message sent with doctor A\'s card (implicit TLS) lands in doctor B\'s INBOX', async () => {
    const a = card(state, 'doctorA');
    const b = card(state, 'doctorB');
    const r = await submit({ port: state.ports.submissions, starttls: false, card: a, mailFrom: a.address, to: b.address });
    assert.match(r.replies.at(-1)!, /^250 .*queued|^250 /, r.replies.join(' | '));
    assert.ok(await delivered(b.address, r.messageId), 'delivered to doctor B');
    assert.ok(!(await inMailbox(a.address, r.messageId)), 'not in doctor A\'s INBOX'); // a single-recipient message: its one delivery is done
  });

  test('the STARTTLS submission port does the same', async () => {
    const a = card(state, 'doctorA');
    const b = card(state, 'doctorB');
    const r = await submit({ port: state.ports.submission, starttls: true, card: a, mailFrom: a.address, to: b.address });
    assert.deepEqual(r.replies.map((l) => l.slice(0, 3)), ['250', '235', '250', '250', '354', '250'], r.replies.join(' | '));
    assert.ok(await delivered(b.address, r.messageId));
  });

  test('a sender address that is not the card holder\'s is refused and nothing is delivered', async () => {
    const a = card(state, 'doctorA');
    const b = card(state, 'doctorB');
    const r = await submit({ port: state.ports.submissions, starttls: false, card: a, mailFrom: b.address, to: b.address });
    const refusal = r.replies.find((l) => /^5\d\d /.test(l));
    assert.ok(refusal, r.replies.join(' | '));
    assert.match(refusal, /not owned by user/);
    // Anything the refused transaction had queued would be delivered before a sentinel sent after it.
    await delivered(b.address, await sendSentinel(state, b.address));
    assert.ok(!(await inMailbox(b.address, r.messageId)));
  });

  test('without a client certificate AUTH EXTERNAL is refused', async () => {
    const b = card(state, 'doctorB');
    const r = await submit({ port: state.ports.submissions, starttls: false, mailFrom: b.address, to: b.address });
    assert.match(r.replies[1] ?? '', /^5\d\d /, r.replies.join(' | '));
  });

  test('the revoked card cannot authenticate', async () => {
    const revoked = card(state, 'revoked');
    const r = await submit({ port: state.ports.submissions, starttls: false, card: revoked, mailFrom: revoked.address, to: card(state, 'doctorB').address });
    assert.match(r.replies[1] ?? '', /^5\d\d /, r.replies.join(' | '));
  });

  test('test tooling reads the delivered message over PLAIN IMAP on the tooling port', async () => {
    const a = card(state, 'doctorA');
    const b = card(state, 'doctorB');
    const r = await submit({ port: state.ports.submissions, starttls: false, card: a, mailFrom: a.address, to: b.address });
    assert.ok(await delivered(b.address, r.messageId));
    const imap = await toolingImap(state, b.address);
    try {
      await imap.mailboxOpen('INBOX');
      const uids = await imap.search({ header: { 'message-id': r.messageId } }, { uid: true });
      assert.equal(Array.isArray(uids) ? uids.length : 0, 1);
    } finally {
      await imap.logout();
    }
  });

  test('the submission ports apply the same TLS policy (TLS 1.3 and suites outside the four refused)', async () => {
    for (const extra of [['-tls1_3'], ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305']]) {
      const r = await OpensslClient.start(state, { port: state.ports.submissions, extra }).outcome();
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.stdout, /^220 /m);
    }
  });
});
