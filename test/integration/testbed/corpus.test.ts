// The corpus generator gives realistic, deterministic French medical mail and
// loads it into a bench mailbox where IMAP clients see it.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import PostalMime from 'postal-mime';
import { unzipSync } from 'fflate';
import { loadTestbed, type TestbedState } from '../../support/testbed.js';
import { generateCorpus, loadCorpusIntoMailbox } from '../../testbed/corpus.js';
import { doveadm, toolingImap } from '../../testbed/tooling.js';

let state: TestbedState;
before(() => {
  state = loadTestbed();
});

describe('corpus generator', () => {
  test('is deterministic by seed', () => {
    const a = [...generateCorpus({ count: 40, seed: 11 })].map((m) => m.raw);
    const b = [...generateCorpus({ count: 40, seed: 11 })].map((m) => m.raw);
    const c = [...generateCorpus({ count: 40, seed: 12 })].map((m) => m.raw);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('mixes plain, HTML, alternative, PDF and IHE_XDM.ZIP messages, threads and senders inside and outside the PKI', async () => {
    const msgs = [...generateCorpus({ count: 300, seed: 5 })];
    const kinds = new Set(msgs.map((m) => m.kind));
    assert.deepEqual([...kinds].sort(), ['alternative', 'html', 'pdf', 'plain', 'xdm']);
    const ids = new Set(msgs.map((m) => m.messageId));
    const replies = msgs.filter((m) => m.inReplyTo);
    assert.ok(replies.length > 30 && replies.every((m) => ids.has(m.inReplyTo!)));
    assert.ok(msgs.some((m) => m.from.endsWith('@medecin.mssante.test')));
    assert.ok(msgs.some((m) => m.from.endsWith('@example.org')));
    const avg = msgs.reduce((n, m) => n + m.raw.length, 0) / msgs.length;
    assert.ok(avg > 8_000 && avg < 40_000, `average size ${avg}`);

    const xdm = msgs.find((m) => m.kind === 'xdm')!;
    const parsed = await PostalMime.parse(xdm.raw);
    assert.equal(parsed.subject, xdm.subject);
    assert.match(parsed.subject ?? '', /[éèàçôÉ’–]/u);
    assert.ok(parsed.text?.includes('é'));
    const pdf = parsed.attachments.find((a) => a.mimeType === 'application/pdf')!;
    assert.match(pdf.filename ?? '', /\.pdf$/);
    assert.equal(Buffer.from(pdf.content as ArrayBuffer).subarray(0, 5).toString(), '%PDF-');
    const zip = parsed.attachments.find((a) => a.filename === 'IHE_XDM.ZIP')!;
    const files = unzipSync(new Uint8Array(zip.content as ArrayBuffer));
    assert.ok(files['IHE_XDM/SUBSET01/METADATA.XML'] && files['IHE_XDM/SUBSET01/DOC0001.XML'] && files['INDEX.HTM'] && files['README.TXT']);
    const metadata = Buffer.from(files['IHE_XDM/SUBSET01/METADATA.XML']!).toString('utf8');
    assert.match(metadata, /sourcePatientId.*\^\^\^&amp;1\.2\.250\.1\.213\.1\.4\.10&amp;ISO/s);
    const cda = Buffer.from(files['IHE_XDM/SUBSET01/DOC0001.XML']!).toString('utf8');
    assert.match(cda, /<ClinicalDocument xmlns="urn:hl7-org:v3"/);
    assert.match(cda, /representation="B64"/);
  });
});

describe('loading into a bench mailbox', () => {
  test('messages written as Maildir files are seen over IMAP in corpus order, with INTERNALDATE = Date', async () => {
    const address = state.pki.orgClientP12.address;
    const folder = `Corpus-${randomUUID().slice(0, 8)}`;
    const r = await loadCorpusIntoMailbox(state, address, { count: 500, seed: 21, folder });
    assert.equal(r.count, 500);
    const expected = [...generateCorpus({ count: 2, seed: 21, recipient: address })];
    const imap = await toolingImap(state, address);
    try {
      const status = await imap.status(folder, { messages: true, unseen: true });
      assert.ok(status);
      assert.equal(status.messages, 500);
      assert.equal(status.unseen, 150);
      await imap.mailboxOpen(folder);
      const first = await imap.fetchOne('1', { envelope: true, internalDate: true, source: true });
      assert.ok(first);
      assert.equal(first.envelope?.messageId, expected[0]!.messageId);
      assert.equal(new Date(first.internalDate!).getTime(), expected[0]!.date.getTime());
      assert.deepEqual(first.source, expected[0]!.raw);
    } finally {
      await imap.logout();
      await doveadm(state, ['mailbox', 'delete', '-u', address, folder]);
    }
  });
});
