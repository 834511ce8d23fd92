// The bench's generated XDM messages (test/testbed/corpus.ts) are read like a
// real mailbox would deliver them: attachment found, documents listed, hashes
// verified, CDA rendered, patient identity and INS status reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { generateCorpus } from '../../testbed/corpus.js';
import { isValidInsMatricule } from '../../../src-main/rules/ins.js';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { isXdmAttachment, xdmJsonForAttachment } from '../../../src-main/xdm/summary.js';
import { renderCdaBytes } from '../../../src-main/xdm/cda-render.js';

test('every XDM message of a generated corpus is read, verified and rendered', async () => {
  let seen = 0;
  for (const m of generateCorpus({ count: 80, seed: 11 })) {
    if (m.kind !== 'xdm') continue;
    seen++;
    const mail = await PostalMime.parse(m.raw);
    const att = mail.attachments.find((a) => isXdmAttachment(a.filename ?? undefined));
    assert.ok(att, 'IHE_XDM.ZIP attachment present');
    const bytes = new Uint8Array(att.content as ArrayBuffer);

    const summary = xdmJsonForAttachment(bytes);
    assert.ok('documents' in summary, JSON.stringify(summary));
    assert.equal(summary.documents.length, 1);
    const d = summary.documents[0]!;
    assert.ok(d.title && d.title.length > 3);
    assert.deepEqual(d.checks, { found: true, size: 'ok', hash: 'ok' });
    assert.equal(d.integrity, 'ok');
    const p = summary.patient;
    assert.equal(p.oid, '1.2.250.1.213.1.4.10');
    assert.deepEqual(p.missing, []);
    assert.ok(p.traits.birthName && p.traits.firstGivenName && p.traits.birthDate && p.traits.sex);
    // the bench writes a well-formed INS (with its key), its OID and the 4 traits: qualified
    assert.ok(isValidInsMatricule(p.ins!), p.ins!);
    assert.equal(p.qualified, true);

    const cda = readXdm(bytes).documents[0]!;
    const r = renderCdaBytes(cda.bytes!);
    assert.equal(r.document.title, d.title);
    assert.equal(r.document.patient.traits.birthName, p.traits.birthName);
    assert.equal(r.attachments[0]?.mediaType, 'application/pdf');
    assert.equal(new TextDecoder().decode(r.attachments[0]!.bytes.subarray(0, 5)), '%PDF-');
  }
  assert.ok(seen >= 5, `only ${seen} XDM messages in the corpus`);
});
