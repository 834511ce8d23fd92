// Issue 14 point 7: the bench's revoked card is named as revoked (CRL checked at login, before the
// PIN, offline cache allowed) instead of "le serveur a refusé l'authentification", and `card
// login` never says "Code PIN correct" for it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runMssante } from '../../support/cli.js';
import { card, loadTestbed } from '../../support/testbed.js';

const state = loadTestbed();
const revoked = card(state, 'revoked');
const doctor = card(state, 'doctorA');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'mssante-revoked-'));
  dirs.push(d);
  return d;
}

const env = { SOFTHSM2_CONF: state.softhsm.conf, MSSANTE_TEST: '' };

test('card login with the revoked card: refused as revoked before the PIN, never "Code PIN correct"', async () => {
  const h = home();
  const r = await runMssante(['--home', h, '--pkcs11-module', revoked.pkcs11Module, '--token', revoked.tokenLabel, '--pin-stdin', '--json', 'card', 'login', '--trust-anchors', state.pki.caBundle], { stdin: `${revoked.userPin}\n`, env });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).error.code, 'CARD_CERT_REVOKED');
  assert.match(r.stderr, /Le certificat de votre carte CPS a été révoqué le \d{2}\/\d{2}\/\d{4} .*le code PIN n’a pas été demandé/);
  assert.doesNotMatch(r.stdout + r.stderr, /Code PIN correct/);

  // the same card account syncing: the revocation is named, not "le serveur a refusé l'authentification"
  const add = await runMssante(['--home', h, 'account', 'add', '--address', revoked.address, '--imap', `localhost:${state.ports.imap}`, '--imap-starttls', '--smtp', `localhost:${state.ports.submissions}`, '--auth', 'card', '--trust-anchors', state.pki.caBundle]);
  assert.equal(add.code, 0, add.stderr);
  const sync = await runMssante(['--home', h, '--pkcs11-module', revoked.pkcs11Module, '--token', revoked.tokenLabel, '--pin-stdin', 'sync', '--folder', 'INBOX'], { stdin: `${revoked.userPin}\n`, env });
  assert.equal(sync.code, 1);
  assert.match(sync.stderr, /Le certificat de votre carte CPS a été révoqué/);
  assert.doesNotMatch(sync.stderr, /refusé l’authentification/);
});

test('a card that is not revoked still logs in', async () => {
  const r = await runMssante(['--home', home(), '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', 'card', 'login', '--trust-anchors', state.pki.caBundle], { stdin: `${doctor.userPin}\n`, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Code PIN correct/);
});
