// The CLI path of Pro Santé Connect on the bench: `account add --address A` with nothing else
// (servers found by DNS SRV on the bench's DNS server, --yes), then `psc login` (CIBA approved by
// the phone hook) which opens the mailbox with XOAUTH2, then `sync` and `send` with the account's method.
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpsFetch, openRefreshToken, refreshVaultFile } from '../../../src-main/psc/index.js';
import { phone } from '../../support/psc.js';
import { cliCard, runMssante, type CliCard, type CliRun } from '../../support/cli.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { waitUntil } from '../../support/wait.js';
import { filesUnder } from '../../support/files.js';

let tb: TestbedState;
const homes: string[] = [];
before(() => {
  tb = loadTestbed();
});
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'mssante-psc-'));
  homes.push(h);
  return h;
}

/** Approves the first CIBA request that reaches this RPPS's phone (waits for it, polling the hook). */
/** Runs the command while the "phone" approves its CIBA request. */
async function withPhone(rpps: string, args: string[], env: NodeJS.ProcessEnv, card?: CliCard): Promise<CliRun> {
  const done = { ended: false };
  const [run] = await Promise.all([runMssante(args, { env, ...(card ? { card } : {}) }).finally(() => (done.ended = true)), approveWhenPending(rpps, done)]);
  return run;
}

async function approveWhenPending(rpps: string, done: { ended: boolean }): Promise<void> {
  const fetchFn = httpsFetch({ ca: readFileSync(tb.pki.caBundle, 'utf8') });
  // the test server's pending count is only seen by asking it again
  const seen = await waitUntil(`a pending CIBA request for ${rpps}`, async () => {
    if (done.ended) return 'ended'; // the command ended without asking (it failed before the login)
    const res = await fetchFn(`${tb.psc.issuer}/__test/pending/${rpps}`, { method: 'POST', headers: {} });
    const { pending } = (await res.json()) as { pending: number };
    return pending > 0 ? 'pending' : undefined;
  }, { timeoutMs: 120_000, everyMs: 100 });
  if (seen === 'ended') return;
  await fetchFn(`${tb.psc.issuer}/__test/approve/${rpps}`, { method: 'POST', headers: {} });
}

describe('mssante account add (auto-configuration) + psc login', () => {
  it('SRV discovery, then CIBA approved on the phone, then the mailbox accepts the token', async () => {
    const a = card(tb, 'doctorA');
    const home = newHome();
    const add = await runMssante(['--home', home, '--json', 'account', 'add', '--address', a.address, '--dns', tb.psc.dnsServer, '--yes',
      '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.clients.app.clientId, '--psc-ca', tb.pki.caBundle, '--trust-anchors', tb.pki.caBundle]);
    assert.equal(add.code, 0, add.stderr);
    const saved = JSON.parse(add.stdout) as { account: { imap: unknown; auth: { kind: string } } };
    assert.deepEqual(saved.account.imap, { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' });
    assert.equal(saved.account.auth.kind, 'psc');
    assert.match(add.stderr, /Serveurs trouvés \(enregistrements DNS SRV/);
    // the SASL mechanisms the IMAP server announces after TLS, and what they mean
    assert.match(add.stderr, /Mécanismes SASL annoncés par le serveur IMAP : XOAUTH2, OAUTHBEARER/);
    assert.match(add.stderr, /Authentification proposée : Pro Santé Connect\n/);

    // The CLI store is bound to the CPS card (issue 21); this test stands the store key in with the test
    // seam to focus on PSC (the card-less path with the recovery code: psc-cardless-cli.test.ts).
    const env = { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') };
    // no --rpps: CIBA's login_hint is the RPPS read from the inserted CPS card (no PIN needed)
    const login = await withPhone(a.rpps, ['--home', home, '--json', 'psc', 'login'], env, cliCard(tb, a));
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, new RegExp(`RPPS lu sur la carte CPS : ${a.rpps}`));
    assert.match(login.stderr, /Validez la connexion sur votre téléphone \(e-CPS\)/);
    const out = JSON.parse(login.stdout) as { ok: boolean; subject: string; mailbox: string };
    assert.equal(out.ok, true);
    assert.equal(out.subject, a.rpps);
    assert.equal(out.mailbox, 'ok');

    // sync with the account's method: a PSC login in the same process (CIBA again), XOAUTH2 sessions
    const sync = await withPhone(a.rpps, ['--home', home, '--json', 'sync', '--rpps', a.rpps, '--folder', 'INBOX'], env);
    assert.equal(sync.code, 0, sync.stderr);
    const summary = JSON.parse(sync.stdout) as { ok: boolean; folders: number };
    assert.equal(summary.ok, true);
    assert.equal(summary.folders, 1);

    // the recipients' domain is in this home's liste blanche (unsigned copy)
    const listeBlanche = join(home, 'listeblanche.xml');
    writeFileSync(listeBlanche, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.test</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
    const lb = await runMssante(['--home', home, 'listeblanche', 'import', listeBlanche]);
    assert.equal(lb.code, 0, lb.stderr);
    // send with the account's method: PSC login in the process, AUTH XOAUTH2 on submission, Sent copy over IMAP
    const send = await withPhone(a.rpps, ['--home', home, '--json', 'send', '--rpps', a.rpps, '--to', card(tb, 'doctorB').address, '--subject', 'Envoi PSC', '--body', 'Bonjour'], env);
    assert.equal(send.code, 0, send.stderr);
    assert.equal((JSON.parse(send.stdout) as { ok: boolean }).ok, true);
    const st = await runMssante(['--home', home, '--json', 'psc', 'status']);
    assert.equal(st.code, 0, st.stderr);
    assert.deepEqual((JSON.parse(st.stdout) as { loggedIn: boolean; tokensKept: boolean }), { ...JSON.parse(st.stdout), loggedIn: false, tokensKept: false });
    // nothing of the session in the data folder: no file mentions a bearer token or a refresh token
    for (const file of filesUnder(home)) assert.doesNotMatch(readFileSync(file, 'latin1'), /refresh_token|access_token|Bearer /, file);
  });

  it('keepRefreshToken: psc login seals the session under the store key, sync reuses it silently, logout erases it; never in clear on disk', async () => {
    const b = card(tb, 'doctorB');
    await phone(tb, 'enable', b.rpps);
    after(() => phone(tb, 'enable', b.rpps));
    const home = newHome();
    const add = await runMssante(['--home', home, '--json', 'account', 'add', '--address', b.address, '--dns', tb.psc.dnsServer, '--yes',
      '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.clients.app.clientId, '--psc-ca', tb.pki.caBundle, '--trust-anchors', tb.pki.caBundle, '--psc-keep-refresh-token']);
    assert.equal(add.code, 0, add.stderr);
    const storeKey = randomBytes(32);
    const env = { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: storeKey.toString('hex') };
    const login = await withPhone(b.rpps, ['--home', home, '--json', 'psc', 'login', '--rpps', b.rpps], env);
    assert.equal(login.code, 0, login.stderr);
    assert.equal((JSON.parse(login.stdout) as { tokensKept: boolean }).tokensKept, true);

    const vault = refreshVaultFile(home, b.address);
    const kept = openRefreshToken(vault, storeKey, b.address);
    assert.ok(kept?.refreshToken, 'the sealed session opens with the store key');
    assert.equal(openRefreshToken(vault, randomBytes(32), b.address), undefined, 'and with no other key');
    const inClear = () => filesUnder(home).filter((f) => readFileSync(f, 'latin1').includes(openRefreshToken(vault, storeKey, b.address)!.refreshToken));
    assert.deepEqual(inClear(), [], 'the refresh token is nowhere in clear in the data folder');

    // no --rpps: the kept session is reopened without a phone validation (runMssante without the phone)
    const sync = await runMssante(['--home', home, '--json', 'sync', '--folder', 'INBOX'], { env });
    assert.equal(sync.code, 0, sync.stderr);
    assert.doesNotMatch(sync.stderr, /Validez la connexion/);
    assert.match(sync.stderr, /Session Pro Santé Connect reprise \(identifiant \d{11}\)/);
    assert.notEqual(openRefreshToken(vault, storeKey, b.address)?.refreshToken, undefined, 'sealed again after the command (PSC may rotate it)');
    assert.deepEqual(inClear(), []);
    const st = await runMssante(['--home', home, '--json', 'psc', 'status'], { env });
    assert.equal(st.code, 0, st.stderr);
    assert.equal((JSON.parse(st.stdout) as { tokensKept: boolean; subject: string }).tokensKept, true);

    const out = await runMssante(['--home', home, '--json', 'psc', 'logout'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as { erased: number }).erased, 1);
    assert.equal(openRefreshToken(vault, storeKey, b.address), undefined);
    const after2 = await runMssante(['--home', home, 'sync', '--folder', 'INBOX'], { env });
    assert.notEqual(after2.code, 0);
    assert.match(after2.stderr, /Vous n’êtes pas connecté à Pro Santé Connect/);

    // a kept session PSC refuses at the next command: said, and erased
    const again = await withPhone(b.rpps, ['--home', home, '--json', 'psc', 'login', '--rpps', b.rpps], env);
    assert.equal(again.code, 0, again.stderr);
    await phone(tb, 'disable', b.rpps);
    const refused = await runMssante(['--home', home, 'sync', '--folder', 'INBOX'], { env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Votre session Pro Santé Connect a pris fin/);
    assert.equal(openRefreshToken(vault, storeKey, b.address), undefined, 'the refused session is erased');
  });

  it('a discovery with nothing found says so in French and saves nothing', async () => {
    const home = newHome();
    const r = await runMssante(['--home', home, 'account', 'add', '--address', 'quelqu.un@inconnu.mssante.test', '--dns', tb.psc.dnsServer, '--yes', '--auth', 'psc']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Aucun serveur trouvé pour ce domaine/);
  });
});

