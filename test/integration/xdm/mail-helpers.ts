// Shared by the MDN integration tests: the bench doctors' cards, sending
// through Dovecot submission, and waiting for delivery in a mailbox.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CardService, CardSigner, type CardSession } from '../../../src-main/card/index.js';
import { openImapSession } from '../../../src-main/imap/index.js';
import { createSmtpTransport } from '../../../src-main/smtp/index.js';
import type { Signer } from '../../../src-main/tls/index.js';
import { card, loadTestbed, type TestbedCard, type TestbedState } from '../../support/testbed.js';
import { waitForMail } from '../../support/mailbox.js';
import { benchVerifier } from '../../support/tls-bench.js';

/** Registers before/after hooks in the calling test file; returns accessors. */
export function benchMail(): { tb: () => TestbedState; withCard: typeof withCard; send: typeof send; fetchRaw: typeof fetchRaw } {
  before(() => {
    tb = loadTestbed();
    process.env.SOFTHSM2_CONF = tb.softhsm.conf; // the card host inherits it
    service = new CardService({ modulePath: card(tb, 'doctorA').pkcs11Module });
  });
  after(() => service.close());
  return { tb: () => tb, withCard, send, fetchRaw };
}

let tb: TestbedState;
let service: CardService;


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
    const [uid] = await waitForMail(client, 'INBOX', { header });
    const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (keyword) await client.messageFlagsAdd(String(uid), [keyword], { uid: true });
    if (!msg || !msg.source) throw new Error(`message with ${JSON.stringify(header)} has no source`);
    return msg.source;
  } finally {
    await client.logout();
  }
}

export function original(from: string, to: string, messageId: string, dnt: string): string {
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

