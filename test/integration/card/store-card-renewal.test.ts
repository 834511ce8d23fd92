// The card-bound store through the real binary, on throwaway cps-sim cards:
// card A binds the store (recovery code shown once); the renewal card B (new
// key and certificate, SAME RPPS) cannot open it until the recovery code
// re-binds it; then B alone opens it — offline, in a network namespace with
// no route — and A no longer does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { storeFile } from '../../../src-main/store/home.js';
import { recoveryCodeIn, runMssante, type CliCard } from '../../support/cli.js';
import { createSimBench, type SimBench } from './sim-fixture.js';

// the same holder (RPPS 10003000042 → national id 8 + RPPS) on the old and the renewed card
const SUBJECT = '/C=FR/title=Médecin/CN=810003000042+SN=FAURE+GN=Camille';
let sim: SimBench;
let home: string;
let A: CliCard;
let B: CliCard;

before(() => {
  sim = createSimBench([
    { label: 'Carte ancienne', pin: '4321', subject: SUBJECT },
    { label: 'Carte renouvelee', pin: '8765', subject: SUBJECT },
  ]);
  A = { pkcs11Module: sim.module, tokenLabel: 'Carte ancienne', userPin: '4321', env: sim.env };
  B = { pkcs11Module: sim.module, tokenLabel: 'Carte renouvelee', userPin: '8765', env: sim.env };
  home = mkdtempSync(join(tmpdir(), 'mssante-renewal-'));
});
after(() => {
  sim?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

const list = (card: CliCard, offline = false) => runMssante(['--home', home, '--json', 'messages', 'list'], { card, offline });
const errorCode = (stdout: string): string => (JSON.parse(stdout.trim().split('\n').pop()!) as { error: { code: string } }).error.code;

test('renewal: A binds the store, the recovery code re-binds it to B, then B alone opens it (offline) and A no longer does', async () => {
  const bind = await runMssante(['--home', home, 'card', 'login'], { card: A });
  assert.equal(bind.code, 0, bind.stderr);
  const code = recoveryCodeIn(bind.stderr);
  assert.ok(code, 'recovery code shown once at set-up');
  assert.match(bind.stderr, /à imprimer et à conserver/);
  assert.equal(existsSync(join(home, 'store.key')), false);

  // a message in the store (written in-process with the key the recovery code opens)
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(unlockWithRecovery(readKeyring(home)!, code)) });
  try {
    const account = store.ensureAccount({ address: 'camille.faure@medecin.mssante.test' });
    const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
    const raw = Buffer.from('From: a@b.mssante.fr\r\nTo: camille.faure@medecin.mssante.test\r\nSubject: Compte rendu Renouvellement\r\nMessage-ID: <r1@b>\r\nDate: Sun, 1 Nov 2026 08:00:00 +0000\r\n\r\nBonjour\r\n');
    await store.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw }] });
  } finally {
    store.close();
  }

  const withA = await list(A);
  assert.equal(withA.code, 0, withA.stderr);
  assert.equal(JSON.parse(withA.stdout).messages[0].subject, 'Compte rendu Renouvellement');
  assert.equal(recoveryCodeIn(withA.stderr), null, 'the code is never shown again');

  const withB = await list(B);
  assert.equal(withB.code, 1);
  assert.equal(errorCode(withB.stdout), 'STORE_WRONG_CARD');
  assert.match(withB.stderr, /mssante store rekey --new-card/);

  const wrongCode = await runMssante(['--home', home, '--json', '--pkcs11-module', sim.module, '--token', B.tokenLabel, '--pin-stdin', 'store', 'rekey', '--new-card', '--recovery-stdin'], { env: sim.env, stdin: `ABCDE-FGHJK-MNPQR-STVWX-YZ012\n${B.userPin}\n` });
  assert.equal(errorCode(wrongCode.stdout), 'STORE_RECOVERY_INVALID');

  const rekey = await runMssante(['--home', home, '--json', '--pkcs11-module', sim.module, '--token', B.tokenLabel, '--pin-stdin', 'store', 'rekey', '--new-card', '--recovery-stdin'], { env: sim.env, stdin: `${code.toLowerCase()}\n${B.userPin}\n` });
  assert.equal(rekey.code, 0, rekey.stderr);
  assert.equal(JSON.parse(rekey.stdout).ok, true);

  const offlineB = await list(B, true);
  assert.equal(offlineB.code, 0, offlineB.stderr);
  assert.equal(JSON.parse(offlineB.stdout).messages[0].subject, 'Compte rendu Renouvellement', 'B reads with no network at all');
  const show = await runMssante(['--home', home, '--json', 'messages', 'show', String(JSON.parse(offlineB.stdout).messages[0].id)], { card: B, offline: true });
  assert.equal(show.code, 0, show.stderr);

  const oldA = await list(A);
  assert.equal(oldA.code, 1);
  assert.equal(errorCode(oldA.stdout), 'STORE_WRONG_CARD');

  // the keyring names B only; the journal says the store was re-keyed
  assert.equal(readKeyring(home)!.cards.length, 1);
  const exported = join(home, 'journal.jsonl');
  assert.equal((await runMssante(['--home', home, 'audit', 'export', exported], { card: B })).code, 0);
  const actions = readFileSync(exported, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action);
  assert.ok(actions.includes('store.rekeyed'));
});

test('a new recovery code (the old one lost): made with the card, shown once; the old one stops working', async () => {
  const keyringBefore = readKeyring(home)!;
  const r = await runMssante(['--home', home, '--json', 'store', 'rekey', '--recovery'], { card: B });
  assert.equal(r.code, 0, r.stderr);
  const fresh = (JSON.parse(r.stdout) as { recoveryCode: string }).recoveryCode;
  assert.ok(recoveryCodeIn(fresh));
  assert.ok(unlockWithRecovery(readKeyring(home)!, fresh).length === 32);
  assert.notDeepEqual(readKeyring(home)!.recovery, keyringBefore.recovery);
});
