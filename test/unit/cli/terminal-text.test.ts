import { test } from 'node:test';
import assert from 'node:assert/strict';
import { termBlock, termField, termFileName, termSafe } from '../../../src-main/common/terminal-text.js';

test('termField shows C0, DEL, C1, bidi controls and line breaks visibly', () => {
  assert.equal(termField('a\x1b[2Jb\x07c\x7fd\x9be'), 'a\\x1b[2Jb\\x07c\\x7fd\\x9be');
  assert.equal(termField('facture\u202Efdp.exe'), 'facture<U+202E>fdp.exe');
  assert.equal(termField('x\u2066y\u2069z\u200fw'), 'x<U+2066>y<U+2069>z<U+200F>w');
  assert.equal(termField('two\nlines\r'), 'two\\x0alines\\x0d');
  assert.equal(termField('nul\u0000.pdf'), 'nul\\x00.pdf');
  assert.equal(termField('Résultat d’échographie 🩺'), 'Résultat d’échographie 🩺', 'printable text untouched');
});

test('termField cuts long values with "…" without splitting a character or an escape', () => {
  assert.equal(termField('a'.repeat(300)), `${'a'.repeat(200)}…`);
  assert.equal(termField('🩺'.repeat(5), 3), '🩺🩺🩺…');
  assert.equal(termField('ab\x1bcd', 3), 'ab\\x1b…');
  assert.equal(termField(null), '');
});

test('termBlock keeps line breaks and tabs, shows the rest, cuts very long lines', () => {
  assert.equal(termBlock('l1\r\n\tl2\x1b]0;t\x07\rX'), 'l1\n\tl2\\x1b]0;t\\x07\\x0dX');
  assert.equal(termBlock(`${'A'.repeat(5000)}\nfin`, 10), `${'A'.repeat(10)}…\nfin`);
});

test('termSafe is idempotent on neutralised text and keeps layout', () => {
  const once = termSafe('a\x1b\u202e\nb\tc');
  assert.equal(once, 'a\\x1b<U+202E>\nb\tc');
  assert.equal(termSafe(once), once);
});

test('termFileName cuts a long name in the middle and keeps the extension', () => {
  const name = `${'Compte-rendu-'.repeat(30)}\u0000fin.pdf`;
  const out = termFileName(name, 60);
  assert.match(out, /^Compte-rendu-.*….*\\x00fin\.pdf$/);
  assert.equal(termFileName('court.pdf'), 'court.pdf');
});
