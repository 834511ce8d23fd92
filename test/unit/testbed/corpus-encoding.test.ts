// The corpus generator's encoders produce what mail parsers expect: a corpus
// with broken MIME or PDFs would make other modules' tests lie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { quotedPrintable, encodeWords } from '../../testbed/corpus.js';
import { makePdf, Rng } from '../../testbed/corpus-content.js';

test('quoted-printable keeps lines within 76 characters, never splits an escape, and decodes back', async () => {
  const text = `${'Résultats d’analyses : hémoglobine glyquée à 7,2 % — contrôle dans trois mois. '.repeat(6)}fin \nligne 2 = égal`;
  const qp = quotedPrintable(text);
  for (const line of qp.split('\r\n')) {
    assert.ok(line.length <= 76, line);
    // apart from a soft line break, every '=' starts a complete =XX escape
    assert.doesNotMatch(line.replace(/=$/, ''), /=(?![0-9A-F]{2})/);
  }
  assert.doesNotMatch(qp, / \r\n/); // a trailing space is encoded
  const parsed = await PostalMime.parse(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp}\r\n`);
  assert.equal(parsed.text?.replace(/\r\n/g, '\n').replace(/\n$/, ''), text);
});

test('encoded words decode to the original subject, ASCII stays as is', async () => {
  const subject = 'Lettre de liaison – sortie d’hospitalisation – Maëlle FRANÇOIS';
  const parsed = await PostalMime.parse(`Subject: ${encodeWords(subject)}\r\n\r\n`);
  assert.equal(parsed.subject, subject);
  assert.equal(encodeWords('Bilan cardiologique'), 'Bilan cardiologique');
});

test('generated PDFs have a consistent cross-reference table and stream lengths', () => {
  const rng = new Rng(3);
  const lines = Array.from({ length: 120 }, (_, i) => `Ligne ${i} : électrocardiogramme (contrôle) ${rng.int(0, 9)}`);
  const pdf = makePdf('Compte rendu – Hélène', lines);
  const s = pdf.toString('latin1');
  assert.ok(s.startsWith('%PDF-1.4'));
  const xref = Number(/startxref\n(\d+)/.exec(s)![1]);
  assert.equal(s.slice(xref, xref + 4), 'xref');
  const entries = s.slice(xref).split('\n');
  const count = Number(entries[1]!.split(' ')[1]);
  for (let id = 1; id < count; id++) {
    const offset = Number(entries[2 + id]!.slice(0, 10));
    assert.ok(s.startsWith(`${id} 0 obj`, offset), `object ${id} at ${offset}`);
  }
  for (const m of s.matchAll(/\/Length (\d+) >>\nstream\n/g)) {
    const end = m.index + m[0].length + Number(m[1]);
    assert.equal(s.slice(end, end + 10), '\nendstream');
  }
  assert.ok(count - 1 >= 3 + 2 * 3, 'three pages for 120 lines');
});
