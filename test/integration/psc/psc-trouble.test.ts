// Pro Santé Connect tried as a clinic meets it, on the bench: the operator's token check
// (Dovecot's oauth2 introspection) down while the doctor's session is fine, and PSC itself
// unreachable at `psc logout`. Each says what happened in French, names who is at fault,
// and loses nothing (the message stays in the outbox; the local session still ends).
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { PscClient, httpsFetch, openRefreshToken, refreshVaultFile } from '../../../src-main/psc/index.js';
import { openXoauth2ImapSession } from '../../../src-main/imap/xoauth2.js';
import { asXoauth2SmtpError, createXoauth2SmtpTransport } from '../../../src-main/smtp/xoauth2.js';
import { answerWhenPending, phone } from '../../support/psc.js';
import { closedPort } from '../../support/ports.js';
import { runMssante, type CliRun } from '../../support/cli.js';
import { waitUntil } from '../../support/wait.js';
import { createPscApp } from '../../../src-main/app/psc-app.js';
import { SessionGate } from '../../../src-main/app/session.js';
import type { AccountConfig } from '../../../src-main/accounts/account.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier } from '../../support/tls-bench.js';

let tb: TestbedState;
let ca: string;
const homes: string[] = [];
// One holder for the whole file: the introspection hook is per user, and no other PSC test
// file switches this one's introspection off.
const holder = () => card(tb, 'blocked');
before(async () => {
  tb = loadTestbed();
  ca = readFileSync(tb.pki.caBundle, 'utf8');
  // the bench outlives test runs: start from this holder's normal state whatever a stopped run left
  await phone(tb, 'enable', holder().rpps);
  await introspection('up', holder().rpps);
  await httpsFetch({ ca })(`${tb.psc.issuer}/__test/revocation-release/${holder().rpps}`, { method: 'POST', headers: {} });
});
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

/** The bench hook that makes the provider's introspection fail (HTTP 500) for this user's tokens only. */
async function introspection(state: 'down' | 'up', rpps: string): Promise<void> {
  const res = await httpsFetch({ ca })(`${tb.psc.issuer}/__test/introspection-${state}/${rpps}`, { method: 'POST', headers: {} });
  assert.equal(res.status, 200);
}

function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

async function withPhone(rpps: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const stop = { ended: false };
  const [run] = await Promise.all([runMssante(args, { env }).finally(() => (stop.ended = true)), answerWhenPending(tb, rpps, 'approve', stop)]);
  return run;
}


/** The window's PSC account of a bench holder (STARTTLS IMAP and submission of the PSC Dovecot). */
function pscAccount(address: string): AccountConfig {
  return {
    address,
    imap: { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' },
    smtp: { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' },
    auth: { kind: 'psc', issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', caFile: tb.pki.caBundle },
    createdAt: new Date().toISOString(),
  };
}

describe('the operator cannot check the token (introspection down)', () => {
  it('IMAP and submission answer a temporary failure: XOAUTH2_SERVER_UNAVAILABLE, not "token refused"', async () => {
    const h = holder();
    const psc = await PscClient.discover({ issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', keepRefreshToken: false }, { clientSecret: tb.psc.clients.app.clientSecret, ca });
    const tokens = await psc.loginCiba(h.rpps, () => void phone(tb, 'approve', h.rpps));
    await introspection('down', h.rpps);
    try {
      await assert.rejects(
        openXoauth2ImapSession({ host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, { user: h.address, accessToken: async () => tokens.accessToken }, benchVerifier(tb)),
        rejectsWith('XOAUTH2_SERVER_UNAVAILABLE'),
      );
      const smtp = createXoauth2SmtpTransport({ host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' }, { user: h.address, accessToken: tokens.accessToken }, benchVerifier(tb));
      try {
        await assert.rejects(smtp.sendMail({ from: h.address, to: h.address, subject: 'x', text: 'x' }).catch((e: unknown) => Promise.reject(asXoauth2SmtpError(e))), rejectsWith('XOAUTH2_SERVER_UNAVAILABLE'));
      } finally {
        smtp.close();
      }
    } finally {
      await introspection('up', h.rpps);
      await psc.revoke(tokens.refreshToken!);
    }
  });

  it('CLI: send keeps the message in the outbox with the server named; sync says the same; once the check is back it leaves', async () => {
    const h = holder();
    const home = mkdtempSync(join(tmpdir(), 'mssante-psc-trouble-'));
    homes.push(home);
    const add = await runMssante(['--home', home, '--json', 'account', 'add', '--address', h.address, '--dns', tb.psc.dnsServer, '--yes',
      '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.clients.app.clientId, '--psc-ca', tb.pki.caBundle, '--trust-anchors', tb.pki.caBundle, '--psc-keep-refresh-token']);
    assert.equal(add.code, 0, add.stderr);
    const storeKey = randomBytes(32);
    const env = { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: storeKey.toString('hex') };
    const login = await withPhone(h.rpps, ['--home', home, '--json', 'psc', 'login', '--rpps', h.rpps], env);
    assert.equal(login.code, 0, login.stderr);
    const listeBlanche = join(home, 'listeblanche.xml');
    writeFileSync(listeBlanche, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.test</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
    assert.equal((await runMssante(['--home', home, 'listeblanche', 'import', listeBlanche], { env })).code, 0);

    await introspection('down', h.rpps);
    // a new login while the server cannot check tokens: the login is good and kept, the server is named
    const relogin = await withPhone(h.rpps, ['--home', home, 'psc', 'login', '--rpps', h.rpps], env);
    assert.notEqual(relogin.code, 0);
    assert.match(relogin.stderr, /session gardée, mais le serveur de messagerie n’a pas encore pu vérifier le jeton/);
    assert.match(relogin.stderr, /n’a pas pu vérifier votre jeton Pro Santé Connect/);
    assert.ok(openRefreshToken(refreshVaultFile(home, h.address), storeKey, h.address), 'the session is still kept');
    let sync: CliRun;
    let send: CliRun;
    try {
      send = await runMssante(['--home', home, 'send', '--to', card(tb, 'doctorA').address, '--subject', 'Compte rendu', '--body', 'Bonjour'], { env });
      sync = await runMssante(['--home', home, 'sync', '--folder', 'INBOX'], { env });
    } finally {
      await introspection('up', h.rpps);
    }
    // the session was fine: the server's check failed, and the message waits
    assert.match(send.stdout, /Message en attente d’envoi : .*Le serveur de messagerie n’a pas pu vérifier votre jeton Pro Santé Connect \(panne temporaire de son côté/);
    assert.doesNotMatch(send.stdout + send.stderr, /carte CPS|a refusé le jeton/);
    const list = await runMssante(['--home', home, '--json', 'outbox', 'list'], { env });
    assert.match(list.stdout, /"state":\s*"queued"/);
    assert.notEqual(sync.code, 0);
    assert.match(sync.stderr, /n’a pas pu vérifier votre jeton Pro Santé Connect/);
    assert.doesNotMatch(sync.stderr, /a refusé le jeton/);

    const retry = await runMssante(['--home', home, '--json', 'outbox', 'retry'], { env });
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /"state":\s*"sent"/);
  });

  it('psc logout with PSC unreachable: the kept session is erased here, and the user is told PSC was not', async () => {
    const h = holder();
    const home = mkdtempSync(join(tmpdir(), 'mssante-psc-trouble-'));
    homes.push(home);
    const add = await runMssante(['--home', home, '--json', 'account', 'add', '--address', h.address, '--imap', `localhost:${tb.ports.pscImap}`, '--imap-starttls',
      '--smtp', `localhost:${tb.ports.pscSubmission}`, '--smtp-starttls', '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.clients.app.clientId,
      '--psc-ca', tb.pki.caBundle, '--trust-anchors', tb.pki.caBundle, '--psc-keep-refresh-token']);
    assert.equal(add.code, 0, add.stderr);
    const storeKey = randomBytes(32);
    const env = { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: storeKey.toString('hex') };
    const login = await withPhone(h.rpps, ['--home', home, '--json', 'psc', 'login', '--rpps', h.rpps], env);
    assert.equal(login.code, 0, login.stderr);
    const vault = refreshVaultFile(home, h.address);
    assert.ok(openRefreshToken(vault, storeKey, h.address));

    // PSC goes away (the issuer now points where nothing listens)
    const accountsFile = join(home, 'accounts.json');
    const issuerDown = `https://127.0.0.1:${await closedPort()}`;
    writeFileSync(accountsFile, readFileSync(accountsFile, 'utf8').replaceAll(tb.psc.issuer, issuerDown));
    const out = await runMssante(['--home', home, 'psc', 'logout'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /fermée sur cet ordinateur : jeton de renouvellement effacé\. Pro Santé Connect n’a pas pu être prévenu/);
    assert.doesNotMatch(out.stdout, /révoqué/);
    assert.equal(openRefreshToken(vault, storeKey, h.address), undefined, 'erased locally anyway');
  });

  it('the window: « Se déconnecter » ends the session at once while PSC is slow to take the revocation', async () => {
    const h = holder();
    const account = pscAccount(h.address);
    const gate = new SessionGate(() => undefined);
    const app = createPscApp({ gate, emit: () => undefined, account: async () => account, env: { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret } });
    const hook = async (action: string): Promise<{ held?: number }> => {
      const res = await httpsFetch({ ca })(`${tb.psc.issuer}/__test/${action}/${h.rpps}`, { method: 'POST', headers: {} });
      assert.equal(res.status, 200);
      return (await res.json()) as { held?: number };
    };
    try {
      await Promise.all([app.channels['psc.loginCiba']({ rpps: h.rpps }), answerWhenPending(tb, h.rpps, 'approve')]);
      assert.equal(app.loggedIn(), true);
      await hook('revocation-hold');
      let settled = false;
      const out = app.logout().then(() => (settled = true));
      // PSC has the revocation request and does not answer it yet
      await waitUntil('the revocation held at PSC', async () => ((await hook('revocation-held')).held ?? 0) > 0);
      assert.equal(settled, true, 'logout waited for PSC');
      assert.equal(app.loggedIn(), false);
      await assert.rejects(app.accessToken(), rejectsWith('PSC_NOT_LOGGED_IN'));
      await out;
      assert.equal((await app.channels['psc.status']({})).revocation, 'pending', 'PSC not told yet');
      await hook('revocation-release');
      await waitUntil('PSC told', async () => (await app.channels['psc.status']({})).revocation === 'done');
    } finally {
      await hook('revocation-release');
      app.dispose();
    }
  });

  it('the window: a revocation PSC fails is said on the lock screen (psc.status / psc.changed: revocation "failed")', async () => {
    const h = holder();
    const account = pscAccount(h.address);
    const changes: { revocation?: string }[] = [];
    const gate = new SessionGate(() => undefined);
    const app = createPscApp({ gate, emit: (event, payload) => void (event === 'psc.changed' && changes.push(payload as { revocation?: string })), account: async () => account, env: { MSSANTE_PSC_CLIENT_SECRET: tb.psc.clients.app.clientSecret } });
    const hook = (action: string) => httpsFetch({ ca })(`${tb.psc.issuer}/__test/${action}/${h.rpps}`, { method: 'POST', headers: {} }).then((r) => assert.equal(r.status, 200));
    try {
      await Promise.all([app.channels['psc.loginCiba']({ rpps: h.rpps }), answerWhenPending(tb, h.rpps, 'approve')]);
      await hook('revocation-refuse');
      await app.logout();
      assert.equal(app.loggedIn(), false, 'the local session ended at once');
      await waitUntil('the failure said', async () => changes.some((c) => c.revocation === 'failed'));
      assert.equal((await app.channels['psc.status']({})).revocation, 'failed');
      // a new login starts clean
      await hook('revocation-release');
      await Promise.all([app.channels['psc.loginCiba']({ rpps: h.rpps }), answerWhenPending(tb, h.rpps, 'approve')]);
      assert.equal((await app.channels['psc.status']({})).revocation, undefined);
      await app.logout();
    } finally {
      await hook('revocation-release');
      app.dispose();
    }
  });

  it('a browser login never finished (tab closed) ends with a French "not finished in time", not an endless wait', async () => {
    const psc = await PscClient.discover({ issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', keepRefreshToken: false }, { clientSecret: tb.psc.clients.app.clientSecret, ca });
    let opened = '';
    const err = await psc.loginBrowser((url) => void (opened = url), undefined, { timeoutMs: 300 }).then(() => undefined, (e: unknown) => e);
    assert.ok(opened.startsWith(tb.psc.issuer), 'the browser was asked to open PSC');
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, 'PSC_LOGIN_EXPIRED');
    assert.match(messageFr(err.code, err.data), /La connexion dans le navigateur n’a pas été terminée à temps/);
  });
});
