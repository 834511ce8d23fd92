// The MIME a doctor's message becomes: what the recipient's client will decode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import PostalMime from 'postal-mime';
import { composeMessage, newMessageId } from '../../../src-main/send/index.js';
import { isAppError } from '../../../src-main/errors/index.js';

const A = 'dr.a@medecin.mssante.test';
const B = 'dr.b@medecin.mssante.test';

describe('composeMessage', () => {
  it('UTF-8 subject and names, RFC 2231 filename, attachment bytes identical after decoding, HTML alternative', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(70_000)]);
    const filename = 'Compte-rendu échographie — Mme Hélène Þórsdóttir, très détaillé.pdf';
    const m = await composeMessage({
      from: { address: A, name: 'Dr Émile Aubert' },
      to: [{ address: B, name: 'Dr Béatrice Noël' }],
      subject: 'Résultats d’échographie — « urgent »',
      text: 'Bonjour,\nvoici le compte-rendu.\n',
      html: '<p>Bonjour, voici le <b>compte-rendu</b>.</p>',
      attachments: [{ filename, contentType: 'application/pdf', content: pdf }],
    });
    const head = m.raw.toString('latin1').split('\r\n\r\n')[0]!;
    assert.ok(m.raw.every((byte) => byte < 0x80), '7-bit clean on the wire');
    assert.match(m.raw.toString('latin1'), /filename\*0\*=utf-8''Compte-rendu%20%C3%A9chographie/);
    assert.match(head, new RegExp(`^Message-ID: <[0-9a-f-]{36}@medecin\\.mssante\\.test>$`, 'm'));
    assert.match(head, /^Date: /m);
    assert.doesNotMatch(head, /Disposition-Notification-To/i, 'no read receipt unless asked');
    const parsed = await PostalMime.parse(m.raw);
    assert.equal(parsed.subject, 'Résultats d’échographie — « urgent »');
    assert.equal(parsed.from?.name, 'Dr Émile Aubert');
    assert.equal(parsed.to?.[0]?.name, 'Dr Béatrice Noël');
    assert.equal(parsed.text?.trimEnd(), 'Bonjour,\nvoici le compte-rendu.');
    assert.match(parsed.html ?? '', /<b>compte-rendu<\/b>/);
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.filename, filename);
    assert.equal(parsed.attachments[0]!.mimeType, 'application/pdf');
    assert.ok(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer).equals(pdf), 'PDF bytes unchanged');
    assert.equal(parsed.messageId, m.messageId);
  });

  it('Bcc only in the envelope, read receipt and threading headers when asked', async () => {
    const m = await composeMessage({
      from: { address: A },
      to: [{ address: B }],
      cc: [{ address: 'secretariat@centre-sante.mssante.test' }],
      bcc: [{ address: 'archives@centre-sante.mssante.test' }],
      subject: 'RE : Bilan',
      text: 'ok',
      inReplyTo: '<parent@medecin.mssante.test>',
      references: ['<root@medecin.mssante.test>', '<parent@medecin.mssante.test>'],
      readReceipt: true,
    });
    const text = m.raw.toString('latin1');
    assert.doesNotMatch(text, /archives@/, 'a blind copy is not visible in the message');
    assert.deepEqual(m.envelope, { from: A, to: [B, 'secretariat@centre-sante.mssante.test', 'archives@centre-sante.mssante.test'] });
    assert.match(text, /^Disposition-Notification-To: dr\.a@medecin\.mssante\.test\r$/m);
    assert.match(text, /^In-Reply-To: <parent@medecin\.mssante\.test>\r$/m);
    assert.match(text, /^References: <root@medecin\.mssante\.test> <parent@medecin\.mssante\.test>\r$/m);
  });

  it('refuses no recipient and header injection through the subject or a filename', async () => {
    const base = { from: { address: A }, to: [{ address: B }], subject: 's', text: 't' };
    await assert.rejects(composeMessage({ ...base, to: [] }), (e) => isAppError(e) && e.code === 'SEND_NO_RECIPIENT');
    await assert.rejects(composeMessage({ ...base, subject: 'x\r\nBcc: evil@x.test' }), (e) => isAppError(e) && e.code === 'INVALID_ARGUMENT');
    await assert.rejects(
      composeMessage({ ...base, attachments: [{ filename: 'a\nb.pdf', contentType: 'application/pdf', content: Buffer.from('x') }] }),
      (e) => isAppError(e) && e.code === 'INVALID_ARGUMENT',
    );
  });

  it('Message-IDs are unique and on the sender domain', () => {
    const a = newMessageId('Dr.A@Medecin.MSSante.test');
    assert.notEqual(a, newMessageId('dr.a@medecin.mssante.test'));
    assert.match(a, /@medecin\.mssante\.test>$/);
  });
});
