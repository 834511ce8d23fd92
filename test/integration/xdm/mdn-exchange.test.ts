// A read receipt exchanged between the two bench doctors, each with their CPS
// card (SoftHSM), through Dovecot submission → Postfix → Dovecot: doctor A
// asks for a receipt, doctor B's client sees the request is safe (requester =
// Return-Path), builds the MDN and sends it; doctor A's client recognises it
// and links it to the sent message ("lu le …"). A request whose address is not
// the envelope sender is delivered too, and is never safe to answer unasked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CardService, CardSigner, type CardSession } from '../../../src-main/card/index.js';
import { openImapSession } from '../../../src-main/imap/index.js';
import { createSmtpTransport } from '../../../src-main/smtp/index.js';
import type { Signer } from '../../../src-main/tls/index.js';
import { mdnPolicy, mdnStatusFr, parseMdn, prepareMdnSend } from '../../../src-main/xdm/mdn.js';
import { card, loadTestbed, type TestbedCard, type TestbedState } from '../../support/testbed.js';
import { benchVerifier } from '../../support/tls-bench.js';

let tb: TestbedState;
let service: CardService;

before(() => {
  tb = loadTestbed();
  process.env.SOFTHSM2_CONF = tb.softhsm.conf; // the card host inherits it
  service = new CardService({ modulePath: card(tb, 'doctorA').pkcs11Module });
});
after(() => service.close());

async function withCard<T>(doctor: TestbedCard, fn: (signer: Signer) => Promise<T>): Promise<T> {
  const token = await service.selectToken(doctor.tokenSerial);
  const session: CardSession = await service.login(token, Buffer.from(doctor.userPin));
  try {
    return await fn(new CardSigner(session));
  } finally {
    await session.logout();
  }
}

async function send(signer: Signer, from: string, to: string, raw: string | Uint8Array): Promise<void> {
  const transport = createSmtpTransport({ host: 'localhost', port: tb.ports.submissions, security: 'tls' }, signer, benchVerifier(tb));
  try {
    const info = await transport.sendMail({ envelope: { from, to: [to] }, raw: typeof raw === 'string' ? raw : Buffer.from(raw) });
    assert.match(info.response, /^250 /);
  } finally {
    transport.close();
  }
}

/** Waits for a message matching `header` in INBOX and returns its raw source (and marks it when asked). */
async function fetchRaw(signer: Signer, header: Record<string, string>, keyword?: string): Promise<Buffer> {
  const client = await openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, signer, benchVerifier(tb));
  try {
    for (let i = 0; i < 100; i++) {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const uids = await client.search({ header }, { uid: true });
        if (uids && uids.length) {
          const msg = await client.fetchOne(String(uids[0]), { source: true }, { uid: true });
          if (keyword) await client.messageFlagsAdd(String(uids[0]), [keyword], { uid: true });
          if (msg && msg.source) return msg.source;
        }
      } finally {
        lock.release();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no message with ${JSON.stringify(header)} delivered`);
  } finally {
    await client.logout();
  }
}

function original(from: string, to: string, messageId: string, dnt: string): string {
  return [
    `From: Dr A <${from}>`,
    `To: Dr B <${to}>`,
    'Subject: =?UTF-8?B?UsOpc3VsdGF0cyBkZSBiaW9sb2dpZQ==?=',
    `Date: ${new Date().toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: ${messageId}`,
    `Disposition-Notification-To: ${dnt}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Bonjour, voici les résultats.',
    '',
  ].join('\r\n');
}

describe('MDN exchange between doctor A and doctor B (cards, Postfix, Dovecot)', () => {
  it('B answers A’s receipt request; A links the receipt to the sent message', async () => {
    const a = card(tb, 'doctorA');
    const b = card(tb, 'doctorB');
    const messageId = `<${randomUUID()}@medecin.mssante.test>`;
    await withCard(a, (signer) => send(signer, a.address, b.address, original(a.address, b.address, messageId, a.address)));

    const receipt = await withCard(b, async (signer) => {
      const received = await fetchRaw(signer, { 'message-id': messageId }, '$MDNSent');
      // Delivery added Return-Path = the envelope sender = the requester: safe.
      const policy = mdnPolicy(received);
      assert.deepEqual([policy.offer, policy.automaticAllowed, policy.reason], [true, true, 'ok']);
      const mdn = prepareMdnSend(received, { disposition: { type: 'displayed' }, reporter: { address: b.address, name: `Dr ${b.firstName} ${b.lastName}` } });
      assert.deepEqual(mdn.envelope, { from: b.address, to: [a.address] });
      await send(signer, mdn.envelope.from, mdn.envelope.to[0]!, mdn.raw);
      return mdn;
    });

    await withCard(a, async (signer) => {
      const raw = await fetchRaw(signer, { 'message-id': receipt.messageId });
      const parsed = parseMdn(raw);
      assert.ok(parsed, 'the receipt is recognised as an MDN');
      assert.equal(parsed.originalMessageId, messageId);
      assert.equal(parsed.disposition.type, 'displayed');
      assert.equal(parsed.finalRecipient, b.address);
      assert.match(mdnStatusFr(parsed), /^lu le \d\d\/\d\d\/\d{4} à \d\d:\d\d$/);
      // A receipt never asks for a receipt.
      assert.equal(mdnPolicy(raw).offer, false);
    });
  });

  it('a request for a receipt to another address than the sender is delivered but needs confirmation', async () => {
    const a = card(tb, 'doctorA');
    const b = card(tb, 'doctorB');
    const messageId = `<${randomUUID()}@medecin.mssante.test>`;
    await withCard(a, (signer) => send(signer, a.address, b.address, original(a.address, b.address, messageId, 'collecte@ailleurs.example')));
    await withCard(b, async (signer) => {
      const received = await fetchRaw(signer, { 'message-id': messageId });
      const policy = mdnPolicy(received);
      assert.deepEqual([policy.offer, policy.automaticAllowed, policy.reason], [true, false, 'return-path-mismatch']);
      assert.equal(policy.returnPath, a.address);
      assert.throws(
        () => prepareMdnSend(received, { disposition: { type: 'displayed' }, reporter: { address: b.address } }),
        (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'MDN_CONFIRMATION_REQUIRED',
      );
    });
  });
});
