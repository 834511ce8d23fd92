// A doctor with e-CPS and NO card, end to end in the CLI on a Pro Santé Connect account, in a fresh
// data folder and without the MSSANTE_STORE_KEY test seam: `store init --without-card` (recovery code
// shown once) → `account add` (DNS SRV) → `psc login` (CIBA approved by the phone hook; the refresh
// token kept, sealed under the store key the recovery code opens) → sync → messages list → send →
// send --draft → account test → mdn send, each opening the store with --recovery-stdin and the
// mailbox with XOAUTH2. A wrong code is refused in French; neither the code nor a token is in any file
// of the data folder, the CLI's output or the bench servers' logs.
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRefreshToken, refreshVaultFile } from '../../../src-main/psc/index.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { recoveryCodeIn, runMssante, type CliRun } from '../../support/cli.js';
import { deliveredFile } from '../../support/mailbox.js';
import { answerWhenPending } from '../../support/psc.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { filesUnder } from '../../support/files.js';

let tb: TestbedState;
const homes: string[] = [];
before(() => {
  tb = loadTestbed();
});
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'mssante-psc-cardless-'));
  homes.push(h);
  return h;
}


describe('a card-less e-CPS doctor in the CLI (recovery code, Pro Santé Connect)', () => {
  it('sets the store up without a card, then logs in, syncs, reads, sends, drafts, tests the account and answers a receipt', async () => {
    const a = card(tb, 'doctorA');
    const home = newHome();
    // no store-key seam, and no card module at all: any attempt to use a card would fail
    const env = { MSSANTE_STORE_KEY: '', MSSANTE_PKCS11_MODULE: join(home, 'no-card-module.so'), MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret };
    const runs: CliRun[] = [];
    const run = async (args: string[], o: { code?: string; phone?: boolean } = {}): Promise<CliRun> => {
      const argv = ['--home', home, ...args, ...(o.code !== undefined ? ['--recovery-stdin'] : [])];
      const stdin = o.code !== undefined ? `${o.code}\n` : '';
      if (!o.phone) {
        const r = await runMssante(argv, { env, stdin });
        runs.push(r);
        return r;
      }
      const stop = { ended: false };
      const [r] = await Promise.all([runMssante(argv, { env, stdin, timeoutMs: 120_000 }).finally(() => (stop.ended = true)), answerWhenPending(tb, a.rpps, 'approve', stop)]);
      runs.push(r);
      return r;
    };

    // before any set-up, a card-less command says what to do
    const early = await run(['messages', 'list']);
    assert.notEqual(early.code, 0);
    assert.match(early.stderr, /sans carte \(e-CPS\), créez-la avec « mssante store init --without-card »/);

    // 1. the store, card-less: the recovery code is shown once, framed, on stderr
    const init = await runMssante(['--home', home, 'store', 'init', '--without-card'], { env });
    assert.equal(init.code, 0, init.stderr);
    const code = recoveryCodeIn(init.stderr);
    assert.ok(code, init.stderr);
    assert.match(init.stderr, /CODE DE SECOURS de la base locale/);
    assert.doesNotMatch(init.stdout, new RegExp(code));
    assert.equal(readKeyring(home)!.cards.length, 0);
    const again = await run(['store', 'init', '--without-card']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /existe déjà/);

    // a card-less store without its code (no terminal here): the French error names --recovery-stdin
    const noCode = await run(['messages', 'list']);
    assert.notEqual(noCode.code, 0);
    assert.match(noCode.stderr, /n’est liée à aucune carte CPS : elle s’ouvre avec son code de secours.*--recovery-stdin/);
    // a wrong code: refused in French with the next step, one try (the second line is never read as a code)
    const wrong = await runMssante(['--home', home, 'messages', 'list', '--recovery-stdin'], { env, stdin: `ABCDE-FGHJK-MNPQR-STVWX-YZ012\n${code}\n` });
    runs.push(wrong);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Code de secours incorrect pour cette base locale.*vérifiez-le et relancez la commande/);

    // 2. account add: servers by DNS SRV; the refresh token kept across commands (sealed under the store key)
    const add = await run(['--json', 'account', 'add', '--address', a.address, '--dns', tb.psc.dnsServer, '--yes', '--auth', 'psc', '--psc-issuer', tb.psc.issuer,
      '--psc-client-id', tb.psc.clients.app.clientId, '--psc-ca', tb.pki.caBundle, '--trust-anchors', tb.pki.caBundle, '--psc-keep-refresh-token']);
    assert.equal(add.code, 0, add.stderr);

    // 3. psc login: CIBA approved on the phone; the session is sealed with the key the recovery code opened
    const login = await run(['--json', 'psc', 'login', '--rpps', a.rpps], { code, phone: true });
    assert.equal(login.code, 0, login.stderr);
    assert.equal((JSON.parse(login.stdout) as { tokensKept: boolean }).tokensKept, true);
    const storeKey = unlockWithRecovery(readKeyring(home)!, code);
    const kept = openRefreshToken(refreshVaultFile(home, a.address), storeKey, a.address);
    assert.ok(kept?.refreshToken);

    // 4. sync, silently on the kept session (no phone)
    const sync = await run(['--json', 'sync', '--folder', 'INBOX'], { code });
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stderr, /Session Pro Santé Connect reprise/);
    assert.match(sync.stderr, /ancrées par le fichier de tête \(journal-head\.json\), sans signature : cette base n’est liée à aucune carte CPS/);

    // 5. send to herself with a receipt request (the recipients' domain is in this home's liste blanche)
    const listeBlanche = join(home, 'listeblanche.xml');
    writeFileSync(listeBlanche, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.test</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
    const lb = await run(['listeblanche', 'import', listeBlanche]);
    assert.equal(lb.code, 0, lb.stderr);
    const token = randomUUID().slice(0, 8);
    const send = await run(['--json', 'send', '--to', a.address, '--subject', `sans carte ${token}`, '--body', 'Bonjour', '--receipt'], { code });
    assert.equal(send.code, 0, send.stderr);
    assert.equal((JSON.parse(send.stdout) as { state: string }).state, 'sent');

    // 6. a draft: saved locally and appended to the server's Drafts over XOAUTH2
    const draft = await run(['send', '--draft', '--to', a.address, '--subject', `brouillon ${token}`, '--body', 'À finir'], { code });
    assert.equal(draft.code, 0, draft.stderr);
    assert.match(draft.stdout, /Brouillon enregistré : .*, copié dans « Brouillons »/);

    // 7. account test: IMAP and SMTP, TLS checks then XOAUTH2
    const test = await run(['account', 'test'], { code });
    assert.equal(test.code, 0, test.stderr);
    assert.match(test.stdout, /IMAP \(réception\) .* : connexion et authentification par Pro Santé Connect \(XOAUTH2\) réussies/);
    assert.match(test.stdout, /SMTP \(envoi\) .* : connexion et authentification par Pro Santé Connect \(XOAUTH2\) réussies/);

    // 8. the message arrives, is synced and listed; its receipt goes out over XOAUTH2 and $MDNSent is set
    await deliveredFile(tb, a.address, `sans carte ${token}`);
    const sync2 = await run(['sync', '--folder', 'INBOX'], { code });
    assert.equal(sync2.code, 0, sync2.stderr);
    const list = await run(['--json', 'messages', 'list', '--folder', 'INBOX', '--limit', '500'], { code });
    assert.equal(list.code, 0, list.stderr);
    const msg = (JSON.parse(list.stdout) as { messages: { id: number; subject: string }[] }).messages.find((m) => m.subject === `sans carte ${token}`);
    assert.ok(msg, list.stdout);
    const mdn = await run(['--json', 'mdn', 'send', String(msg.id)], { code });
    assert.equal(mdn.code, 0, mdn.stderr);
    assert.equal((JSON.parse(mdn.stdout) as { to: string }).to, a.address);
    const mdnAgain = await run(['--json', 'mdn', 'send', String(msg.id)], { code });
    assert.equal((JSON.parse(mdnAgain.stdout) as { error: { code: string } }).error.code, 'MDN_NOT_REQUESTED', 'the server carries $MDNSent');

    // 9. the journal: intact, anchored by the head file, said plainly to be unsigned (no card), not an error
    const verify = await run(['--json', 'audit', 'verify'], { code });
    assert.equal(verify.code, 0, verify.stderr);
    const v = JSON.parse(verify.stdout) as { ok: boolean; checkpointSigners: string; anchor: string; checkpoints: unknown[] };
    assert.equal(v.ok, true);
    assert.equal(v.checkpointSigners, 'none');
    assert.equal(v.anchor, 'ok');
    assert.deepEqual(v.checkpoints, []);
    const verifyText = await run(['audit', 'verify'], { code });
    assert.match(verifyText.stdout, /ancrées par le fichier de tête \(journal-head\.json\) seulement, sans signature : cette base n’est liée à aucune carte CPS/);
    const exported = join(home, 'journal.jsonl');
    const exp = await run(['audit', 'export', exported], { code });
    assert.equal(exp.code, 0, exp.stderr);
    const actions = readFileSync(exported, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action);
    assert.ok(actions.includes('store.created'));
    assert.ok(actions.includes('store.recovery_unlock'));
    assert.ok(actions.includes('store.recovery_failed'), 'the wrong code of step 2 is in the journal (never the code)');
    assert.ok(actions.includes('message.sent'));

    // 10. the recovery code and the tokens: in no file of the data folder, in no output but the set-up's stderr
    const rt = openRefreshToken(refreshVaultFile(home, a.address), storeKey, a.address)!.refreshToken;
    const normalised = code.replace(/-/g, '');
    for (const file of filesUnder(home)) {
      const text = readFileSync(file, 'latin1');
      assert.ok(!text.includes(code) && !text.includes(normalised), `recovery code in ${file}`);
      assert.ok(!text.includes(rt), `refresh token in clear in ${file}`);
      assert.doesNotMatch(text, /refresh_token|access_token|Bearer |eyJ[\w-]{10,}\.eyJ/, file);
    }
    // nor in the bench servers' logs and state (Dovecot, the provider's log)
    for (const file of filesUnder(join(tb.dir, 'dovecot')).concat(tb.psc.serverLog)) {
      const text = readFileSync(file, 'latin1');
      assert.ok(!text.includes(code) && !text.includes(normalised) && !text.includes(rt), file);
    }
    for (const r of runs) {
      assert.ok(!(r.stdout + r.stderr).includes(code), 'the recovery code is shown once only');
      assert.ok(!(r.stdout + r.stderr).includes(rt));
      assert.doesNotMatch(r.stdout + r.stderr, /eyJ[\w-]{10,}\.eyJ/);
    }
    storeKey.fill(0);
  });
});
