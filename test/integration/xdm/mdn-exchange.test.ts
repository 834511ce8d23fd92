// A read receipt exchanged between the two bench doctors, each with their CPS
// card (SoftHSM), through Dovecot submission → Postfix → Dovecot: doctor A
// asks for a receipt, doctor B's client sees the request is safe (requester =
// Return-Path), builds the MDN and sends it; doctor A's client recognises it
// and links it to the sent message ("lu le …"). A request whose address is not
// the envelope sender is delivered too, and is never safe to answer unasked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mdnPolicy, mdnStatusFr, parseMdn, prepareMdnSend } from '../../../src-main/xdm/mdn.js';
import { card } from '../../support/testbed.js';
import { benchMail, original } from './mail-helpers.js';

const { tb: bench, withCard, send, fetchRaw } = benchMail();

describe('MDN exchange between doctor A and doctor B (cards, Postfix, Dovecot)', () => {
  it('B answers A’s receipt request; A links the receipt to the sent message', async () => {
    const a = card(bench(), 'doctorA');
    const b = card(bench(), 'doctorB');
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
    const a = card(bench(), 'doctorA');
    const b = card(bench(), 'doctorB');
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
