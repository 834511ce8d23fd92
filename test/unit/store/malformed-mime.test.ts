// The bench's malformed and hostile sets through the parser: legible text (charset fallback,
// encoded-words), binary never as text, nothing invented when the body cannot be decoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, parseMessage } from '../../../src-main/store/parse.js';
import { decodeText, fixRawHeaders, looksBinary } from '../../../src-main/store/mime-text.js';
import { hostileSet, malformedSet } from '../../testbed/corpus-hostile.js';

const ME = 'paul.durand@medecin.mssante.fr';

for (const m of [...malformedSet(ME), ...hostileSet(ME)]) {
  test(`${m.name}: legible or the placeholder, never mojibake`, async () => {
    const p = await parseMessage(m.raw);
    if (m.subject) assert.ok(p.subject?.includes(m.subject), `subject ${JSON.stringify(p.subject?.slice(0, 80))}`);
    for (const s of [p.subject ?? '', p.from?.name ?? '']) {
      assert.doesNotMatch(s, /\uFFFD|Ã.|=\?/u, `no mojibake nor raw encoded-word: ${s.slice(0, 80)}`);
    }
    const body = p.text ?? (p.html === null ? '' : htmlToText(p.html));
    if (m.body === null) {
      assert.equal(body.trim(), '', 'no text invented for an undecodable body');
    } else if (m.body !== undefined) {
      assert.ok(body.includes(m.body), `body ${JSON.stringify(body.slice(0, 80))} should contain ${m.body}`);
      assert.doesNotMatch(body.slice(0, 2000), /Ã[\u0080-\u00bf]|\uFFFD\p{L}/u, 'no mojibake in the body');
    }
    if (m.attachment) assert.ok(p.attachments.some((a) => a.filename === m.attachment), 'attachment name kept exactly');
  });
}

test('binary declared as text is an attachment, never text', async () => {
  for (const name of ['binary-as-text', 'base64-garbage']) {
    const p = await parseMessage(malformedSet(ME).find((m) => m.name === name)!.raw);
    assert.equal(p.text, null, name);
    assert.equal(p.attachments.length, 1, name);
  }
});

test('decodeText: declaration trusted when the bytes agree; else UTF-8 first, then windows-1252', () => {
  const cp = Buffer.from('résumé', 'latin1');
  const u8 = Buffer.from('résumé', 'utf8');
  assert.equal(decodeText(u8, 'utf-8'), null);
  assert.equal(decodeText(cp, 'utf-8'), 'résumé');
  assert.equal(decodeText(u8, 'iso-8859-1'), 'résumé');
  assert.equal(decodeText(cp, 'iso-8859-1'), 'résumé');
  assert.equal(decodeText(Buffer.from('l\x92\xe9t\xe9', 'latin1'), 'iso-8859-1'), 'l’été', 'ISO-8859-1 read as windows-1252');
  assert.equal(decodeText(cp, undefined), 'résumé');
  assert.equal(decodeText(u8, 'x-inconnu'), 'résumé');
  assert.equal(decodeText(Buffer.from('\x80uro', 'latin1'), ''), '€uro', 'windows-1252, not ISO-8859-1');
  assert.equal(decodeText(Buffer.from('abc'), 'utf-8'), null);
  assert.equal(decodeText(Buffer.from([0x1b, 0x24, 0x42]), 'iso-2022-jp'), null, 'other known charsets untouched');
});

test('looksBinary: NUL or many controls; text with terminal escapes is still text', () => {
  assert.equal(looksBinary(Buffer.from('%PDF\x00\x01')), true);
  assert.equal(looksBinary(Buffer.from('Texte \x1b]0;t\x07 suite')), false);
  assert.equal(looksBinary(Buffer.from('Le résultat est normal.', 'latin1')), false);
});

test('fixRawHeaders re-encodes only the 8-bit windows-1252 header lines', () => {
  const ok = Buffer.from('Subject: Résultat\r\n\r\nbody é', 'utf8');
  assert.equal(fixRawHeaders(ok), ok, 'UTF-8 headers: same buffer');
  const bad = Buffer.from('Subject: R\xe9sultat\r\nX: ok\r\n\r\nbody \xe9', 'latin1');
  assert.equal(Buffer.from(fixRawHeaders(bad)).toString('utf8'), 'Subject: Résultat\r\nX: ok\r\n\r\nbody \uFFFD');
});
