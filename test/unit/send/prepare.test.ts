// prepareOutgoing: what the user wrote → the bytes the outbox keeps, or a refusal (no network).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { isAppError } from '../../../src-main/errors/index.js';
import { prepareOutgoing, effectiveSizeLimit, recipientPolicyOf, composeMessage, type OutgoingDraft } from '../../../src-main/send/index.js';
import { TrustContext } from '../../../src-main/trust/index.js';
import { ListeBlancheIndex } from '../../../src-main/trust/listeblanche/store.js';
import { readXdm } from '../../../src-main/xdm/index.js';
import type { MessageDetail } from '../../../src-main/store/types.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';

const A = 'dr.a@medecin.mssante.test';
const B = 'dr.b@medecin.mssante.test';
const version = { sourceName: 'lb.xml', sha256: 'cd'.repeat(32), generatedAt: null, importedAt: '2026-11-01T00:00:00Z', signature: 'absent' as const };
const policy = recipientPolicyOf(TrustContext.from(null, ListeBlancheIndex.fromDomains(['medecin.mssante.test'], version)));
const limit = effectiveSizeLimit({});
const base: OutgoingDraft = { to: [], cc: [], bcc: [], text: 'Bonjour', attachments: [] };
const original = {
  id: 42,
  messageId: '<orig@medecin.mssante.test>',
  inReplyTo: null,
  references: [],
  subject: 'Bilan',
  from: { name: 'Dr B', address: B },
  replyTo: [],
  to: [{ name: '', address: A }],
  cc: [],
  date: Date.UTC(2026, 10, 20),
  text: 'Texte original',
} as unknown as MessageDetail;

describe('prepareOutgoing', () => {
  it('a reply goes to the author with threading; the answered row is returned', async () => {
    const p = await prepareOutgoing({ address: A }, { ...base, original: { message: original, raw: Buffer.from('x'), mode: 'reply' } }, policy, limit);
    assert.deepEqual(p.message.recipients.to, [B]);
    assert.equal(p.replyToRow, 42);
    const parsed = await PostalMime.parse(p.message.raw);
    assert.equal(parsed.subject, 'RE : Bilan');
    assert.equal(parsed.inReplyTo, '<orig@medecin.mssante.test>');
  });

  it('a forward attaches the original whole and needs recipients', async () => {
    const raw = (await composeMessage({ from: { address: B }, to: [{ address: A }], subject: 'Bilan', text: 'Texte original' })).raw;
    await assert.rejects(prepareOutgoing({ address: A }, { ...base, original: { message: original, raw, mode: 'forward' } }, policy, limit), (e) => isAppError(e) && e.code === 'SEND_NO_RECIPIENT');
    const p = await prepareOutgoing({ address: A }, { ...base, to: [{ address: B }], original: { message: original, raw, mode: 'forward' } }, policy, limit);
    assert.equal(p.replyToRow, null);
    const parsed = await PostalMime.parse(p.message.raw);
    assert.equal(parsed.subject, 'TR : Bilan');
    assert.ok(parsed.attachments.some((a) => a.mimeType === 'message/rfc822' && a.filename === 'Bilan.eml'));
  });

  it('an XDM takes the ANS subject and carries the card holder as author', async () => {
    const cdaXml = readFileSync(join(REFERENCE_FIXTURES, 'cda', 'ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml'));
    const author = { lastName: 'MARTIN', firstName: 'Hélène', idNat: '810001234567', address: A };
    const p = await prepareOutgoing({ address: A }, { ...base, to: [{ address: B }], xdm: { cdaXml, author, patientIns: '279035121518989' } }, policy, limit);
    const parsed = await PostalMime.parse(p.message.raw);
    assert.match(parsed.subject ?? '', /^XDM\/1\.0\/DDM\+/);
    const zip = parsed.attachments.find((a) => a.filename === 'IHE_XDM.ZIP')!;
    assert.equal(readXdm(new Uint8Array(zip.content as ArrayBuffer)).documents[0]!.integrity, 'ok');
  });

  it('a draft may be saved unfinished (unchecked recipients) with the threading the caller gives', async () => {
    const p = await prepareOutgoing(
      { address: A },
      { ...base, to: [{ address: 'pas encore fini' }], subject: 'RE : x', inReplyTo: '<p@medecin.mssante.test>', references: ['<p@medecin.mssante.test>'] },
      policy,
      limit,
      { checkRecipients: false },
    );
    const parsed = await PostalMime.parse(p.message.raw);
    assert.equal(parsed.inReplyTo, '<p@medecin.mssante.test>');
    assert.equal(parsed.references, '<p@medecin.mssante.test>');
  });

  it('refuses outside the trust space, without a subject, and above the size limit', async () => {
    await assert.rejects(prepareOutgoing({ address: A }, { ...base, to: [{ address: 'x@gmail.com' }], subject: 's' }, policy, limit), (e) => isAppError(e) && e.code === 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    await assert.rejects(prepareOutgoing({ address: A }, { ...base, to: [{ address: B }] }, policy, limit), (e) => isAppError(e) && e.code === 'INVALID_ARGUMENT');
    const big = { filename: 'scan.pdf', contentType: 'application/pdf', content: new Uint8Array(800_000) };
    await assert.rejects(
      prepareOutgoing({ address: A }, { ...base, to: [{ address: B }], subject: 's', attachments: [big] }, policy, { maxBytes: 1_000_000, source: 'setting' }),
      (e) => isAppError(e) && e.code === 'SEND_TOO_LARGE' && e.data.sizeBytes as number > 1_000_000,
    );
  });
});
