// The parse loop and line reader of store/mime-lines.ts give exactly what postal-mime's own loop gives, on the
// bench's realistic corpus (multipart, QP, XDM zips, replies), its malformed and hostile sets and
// hand-made boundary edge cases. Only postal-mime is imported here, so its original loop is still
// in place for the first pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { useSyncLineFeed } from '../../../src-main/store/mime-lines.js';
import { generateCorpus } from '../../testbed/corpus.js';
import { hostileSet, malformedSet } from '../../testbed/corpus-hostile.js';

const ME = 'paul.durand@medecin.mssante.fr';

function edgeCases(): Buffer[] {
  const head = 'From: a@b.fr\r\nTo: c@d.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n';
  const mp = (boundary: string, body: string): Buffer => Buffer.from(`${head}Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${body}`);
  return [
    // a body line that starts like a boundary but is not one, and a boundary with trailing blanks
    mp('b1', 'preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\n--b1x not a boundary\r\n-- signature\r\n--b1 \t\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b1--\r\nepilogue\r\n'),
    // nested multiparts, the inner one never closed, no final newline
    mp('outer', '--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\ntexte\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>texte</p>\r\n--outer--'),
    // LF only, a boundary on the last line
    Buffer.from('From: a@b.fr\nContent-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain\n\nun\n--z--'),
    // headers only, no body; an empty message; a single line without newline
    Buffer.from('From: a@b.fr\r\nSubject: vide\r\n'),
    Buffer.alloc(0),
    Buffer.from('Subject: une seule ligne'),
    // CRs inside a line, several CRs before LF, a line of CRs only, a last line ending in CRs without LF
    Buffer.from('From: a@b.fr\r\nSubject: a\rb\r\r\n\r\r\n\r\nun\rdeux\r\r\n\r\r\r\nfin\r\r'),
    Buffer.from(`${head}Content-Type: multipart/mixed; boundary="cr"\r\n\r\n--cr\r\r\nContent-Type: text/plain\r\n\r\nx\r\n--cr--\r\r`),
  ];
}

test('the one-await parse loop parses exactly like postal-mime\'s own', async () => {
  const samples = [...[...generateCorpus({ count: 120, seed: 3, recipient: ME })].map((m) => m.raw), ...malformedSet(ME).map((m) => m.raw), ...hostileSet(ME).map((m) => m.raw), ...edgeCases()];
  const parseAll = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const raw of samples) {
      try {
        out.push(JSON.stringify(await PostalMime.parse(new Uint8Array(raw).buffer), (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('base64') : v)));
      } catch (err) {
        out.push(`error: ${(err as Error).message}`);
      }
    }
    return out;
  };
  const original = await parseAll();
  assert.equal(useSyncLineFeed(), true, 'the loop is installed on postal-mime 4');
  const patched = await parseAll();
  assert.equal(patched.length, samples.length);
  for (let i = 0; i < samples.length; i++) assert.equal(patched[i], original[i], `sample ${i} parses the same`);
});
