// Untrusted text through the real `mssante` binary: the bench's hostile set (terminal escapes,
// bidi overrides, huge subjects and lines, odd file names) and a hostile annuaire row never
// reach the terminal as control characters; --json keeps the real values.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { importAnnuaire, trustDirOf } from '../../../src-main/trust/index.js';
import { runMssante } from '../../support/cli.js';
import { hostileSet } from '../../testbed/corpus-hostile.js';
import { extractionLine, referenceHeader } from '../../unit/trust/support/extraction.js';

const HEADER = referenceHeader();

const KEY = randomBytes(32).toString('hex');
const env = { MSSANTE_STORE_KEY: KEY };
const ME = 'paul.durand@medecin.mssante.fr';
const homes: string[] = [];
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

/** Terminal-active characters: C0 except \n and \t, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

async function hostileHome(): Promise<{ home: string; ids: Map<string, number> }> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-hostile-'));
  homes.push(home);
  const set = hostileSet(ME);
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const account = store.ensureAccount({ address: ME });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await store.applyBatch({ folderId: inbox!.id, newMessages: set.map((m, i) => ({ uid: i + 1, flags: [], raw: m.raw })) });
  const ids = new Map<string, number>();
  for (const s of store.listMessages({ folderPath: 'INBOX', limit: 100 })) {
    const mid = store.getMessage(s.id).messageId;
    const m = set.find((x) => mid === x.messageId);
    if (m) ids.set(m.name, s.id);
  }
  store.close();
  assert.equal(ids.size, set.length, 'every hostile message stored');
  return { home, ids };
}

test('messages list / show / search print hostile subjects, names, bodies and file names neutralised; --json keeps them', async () => {
  const { home, ids } = await hostileHome();
  const list = await runMssante(['--home', home, 'messages', 'list', '--limit', '100'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, ACTIVE, 'no control character reaches the terminal');
  assert.match(list.stdout, /Bilan \\x1b\[2J\\x1b\[H\\x07 sanguin/, 'ESC and BEL shown visibly');
  assert.match(list.stdout, /Dr \\x1b\]0;Banque\\x07Martin/, 'OSC in the sender name shown visibly');
  assert.match(list.stdout, /Facture <U\+202E>elbaborp<U\+202C> consultation/);
  const longest = Math.max(...list.stdout.split('\n').map((l) => l.length));
  assert.ok(longest < 400, `the 100 KB subject is cut (longest line ${longest})`);
  assert.match(list.stdout, /Objet très long compte rendu[^\n]*…/);

  const json = JSON.parse((await runMssante(['--home', home, 'messages', 'list', '--limit', '100', '--json'], { env })).stdout) as { messages: { subject: string }[] };
  assert.ok(json.messages.some((m) => m.subject === 'Bilan \x1b[2J\x1b[H\x07 sanguin'), '--json keeps the real value');
  assert.ok(json.messages.some((m) => m.subject.length >= 99_000), '--json keeps the whole subject');

  const bidi = await runMssante(['--home', home, 'messages', 'show', String(ids.get('bidi-filename'))], { env });
  assert.equal(bidi.code, 0, bidi.stderr);
  assert.doesNotMatch(bidi.stdout, ACTIVE);
  assert.match(bidi.stdout, /facture<U\+202E>fdp\.exe/);
  const bidiJson = JSON.parse((await runMssante(['--home', home, 'messages', 'show', String(ids.get('bidi-filename')), '--json'], { env })).stdout);
  assert.equal(bidiJson.message.attachments[0].filename, 'facture\u202Efdp.exe');

  const ansi = await runMssante(['--home', home, 'messages', 'show', String(ids.get('ansi-subject'))], { env });
  assert.doesNotMatch(ansi.stdout, ACTIVE);
  assert.match(ansi.stdout, /Texte \\x1b\]0;pwned\\x07 du bilan\./, 'body escapes shown');

  const nul = await runMssante(['--home', home, 'messages', 'show', String(ids.get('long-filename-nul'))], { env });
  assert.doesNotMatch(nul.stdout, ACTIVE);
  assert.match(nul.stdout, /\\x00/, 'NUL shown visibly');

  const big = await runMssante(['--home', home, 'messages', 'show', String(ids.get('megabyte-line'))], { env });
  assert.ok(big.stdout.length < 20_000, `the 1 MB line is cut in text mode (${big.stdout.length} chars)`);
  const bigJson = JSON.parse((await runMssante(['--home', home, 'messages', 'show', String(ids.get('megabyte-line')), '--json'], { env })).stdout);
  assert.ok(bigJson.message.text.length > 1_000_000, '--json keeps the whole text');

  const search = await runMssante(['--home', home, 'search', 'sanguin'], { env });
  assert.equal(search.code, 0, search.stderr);
  assert.doesNotMatch(search.stdout, ACTIVE);
  assert.match(search.stdout, /\\x1b\[2J/);
});

test('annuaire search prints a hostile directory row neutralised', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-cli-hostile-annuaire-'));
  homes.push(home);
  mkdirSync(trustDirOf(home), { recursive: true });
  const file = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(file, [
    HEADER,
    extractionLine({ type: 'PER', address: 'jean.kerdraon@medecin.mssante.fr', nationalId: '810001234567', lastName: 'KERDRAON\x1b[2J', firstName: 'Jean\u202E', profession: 'Médecin', city: 'BREST', postalCode: '29200' }),
  ].join('\n') + '\n');
  await importAnnuaire(file, { home: trustDirOf(home) });
  const r = await runMssante(['--home', home, 'annuaire', 'search', 'kerdraon'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, ACTIVE);
  assert.match(r.stdout, /Jean<U\+202E> KERDRAON\\x1b\[2J/);
});
