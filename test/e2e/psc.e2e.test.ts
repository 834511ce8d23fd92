// Pro Santé Connect in the window, against the bench's real OpenID provider and the
// Dovecot that takes XOAUTH2: the first-run screen (address → servers found by DNS SRV
// on the bench's DNS, with the SASL mechanisms the IMAP server announces after TLS →
// « Pro Santé Connect »), the lock screen's CIBA login (refused, then approved through
// the phone hook → the mailbox syncs), a refused refresh that ends the session (window
// locked, journalled, no token anywhere), and the code + PKCE login in the "system
// browser" (played by an HTTP client following the provider's pages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { MssanteApi } from '../../src-main/ipc/contract.js';
import { openDatabase } from '../../src-main/store/database.js';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { openRefreshToken, refreshVaultFile } from '../../src-main/psc/index.js';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { buildEml } from '../support/mail-fixtures.js';
import { answerWhenPending, browse, phone } from '../support/psc.js';
import { openBrowser, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';
import { filesUnder } from '../support/files.js';

const tb = loadTestbed();
// not a doctor other suites disable: the refused-refresh case disables this one at PSC for a moment
const doctor = card(tb, 'revoked');
const SECRET_ENV = `MSSANTE_E2E_PSC_SECRET_${randomBytes(3).toString('hex')}`;
const SUBJECT = `Résultat transmis par PSC ${randomBytes(3).toString('hex')}`;

let harness: Harness;
const setup = () => ({
  psc: { issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', clientSecretEnv: SECRET_ENV, caFile: tb.pki.caBundle },
  dnsServers: [tb.psc.dnsServer],
  trustAnchorsFile: tb.pki.caBundle,
});
let browsing: Browsing;
let page: Page;
let home: string;
/** every access token the session held (read in process for the grep, never through the window) */
const tokens = new Set<string>();

before(async () => {
  process.env[SECRET_ENV] = tb.psc.clients.app.clientSecret;
  await phone(tb, 'enable', doctor.rpps);
  const imap = plainImapClient(tb, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.append('INBOX', buildEml({ from: `Dr Hélène Martin <${card(tb, 'doctorA').address}>`, to: doctor.address, subject: SUBJECT, body: 'Bonjour,\r\nci-joint le compte rendu.', date: new Date() }), []);
  await imap.logout();
  home = await prepareHome(); // annuaire + liste blanche, no account: the first-run screen
  harness = await startHarness({ home, setup: setup() });
  browsing = await openBrowser();
  page = browsing.page;
  await page.goto(harness.server.url);
});

after(async () => {
  await phone(tb, 'enable', doctor.rpps).catch(() => undefined);
  await browsing?.close();
  await harness?.close();
  delete process.env[SECRET_ENV];
  if (home) rmSync(home, { recursive: true, force: true });
});

const api = (p: Page) => p.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.psc.status());

test('first run: the address finds the servers by DNS SRV with their SASL mechanisms; « Pro Santé Connect » saves the account', async () => {
  await page.getByTestId('first-run').waitFor();
  await page.getByTestId('setup-address').fill(doctor.address);
  await page.getByTestId('setup-discover').click();
  await page.getByTestId('setup-found').waitFor();
  assert.equal(await page.getByTestId('setup-imap').innerText(), `localhost:${tb.ports.pscImap} (STARTTLS)`);
  assert.equal(await page.getByTestId('setup-smtp').innerText(), `localhost:${tb.ports.pscSubmission} (STARTTLS)`);
  assert.match(await page.getByTestId('setup-mechanisms').innerText(), /XOAUTH2/);
  // the server offers no EXTERNAL: neither the card nor a certificate is offered
  assert.equal(await page.getByTestId('setup-card').count(), 0);
  await screenshot(page, '20-premier-lancement-serveurs-trouves');
  await page.getByTestId('setup-psc').click();
  await page.getByTestId('psc-login').waitFor();
  const saved = JSON.parse(readFileSync(join(home, 'accounts.json'), 'utf8')) as unknown;
  assert.match(JSON.stringify(saved), /"kind":"psc"/);
  assert.doesNotMatch(JSON.stringify(saved), new RegExp(tb.psc.clients.app.clientSecret), 'the client secret is never saved');
  const r = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.account.create({ address: 'autre@medecin.mssante.test', imap: { host: 'x.test', port: 993, security: 'tls' }, smtp: { host: 'x.test', port: 465, security: 'tls' }, auth: 'card' }));
  assert.equal(r.ok ? 'ok' : r.error.code, 'ACCOUNT_EXISTS', 'the lock screen can never swap the account');
});

test('CIBA refused on the phone: said in French, the window stays locked', async () => {
  await page.getByTestId('psc-rpps').fill(doctor.rpps);
  await page.getByTestId('psc-ciba').click();
  await page.getByTestId('psc-ciba-pending').filter({ hasText: 'Validez la connexion sur votre téléphone' }).waitFor();
  await page.getByTestId('psc-expiry').filter({ hasText: /La demande expire à \d\d:\d\d:\d\d/ }).waitFor();
  await screenshot(page, '21-psc-validez-sur-le-telephone');
  await answerWhenPending(tb, doctor.rpps, 'refuse');
  await page.getByTestId('psc-error').filter({ hasText: 'La connexion a été refusée sur votre téléphone' }).waitFor();
  assert.equal(await page.getByTestId('lock-screen').count(), 1);
  const r = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.mail.folders());
  assert.equal(r.ok ? 'ok' : r.error.code, 'SESSION_LOCKED');
});

test('CIBA approved on the phone: the session opens and the mailbox syncs over XOAUTH2', async () => {
  const phoneDone = answerWhenPending(tb, doctor.rpps, 'approve');
  await page.getByTestId('psc-ciba').click();
  await phoneDone;
  await page.getByTestId('sync-status').waitFor();
  await page.getByTestId('message-row').filter({ hasText: SUBJECT }).waitFor({ timeout: 30_000 });
  const status = await api(page);
  assert.ok(status.ok && status.value.loggedIn && status.value.subject === doctor.rpps);
  // the renderer gets who and until when, never a token
  assert.ok(status.ok && !('accessToken' in status.value));
  tokens.add(await harness.core.core.psc!.accessToken());
  await screenshot(page, '22-psc-boite-synchronisee');
});

test('a refused refresh ends the session: the window locks, asks to log in again, and the journal says so (no token in it)', async () => {
  await phone(tb, 'disable', doctor.rpps);
  try {
    await harness.core.core.psc!.refreshNow();
  } finally {
    await phone(tb, 'enable', doctor.rpps);
  }
  await page.getByTestId('lock-screen').waitFor();
  await page.getByTestId('lock-reason').filter({ hasText: 'Votre session Pro Santé Connect a pris fin' }).waitFor();
  await page.getByTestId('psc-login').waitFor();
  assert.equal(await page.getByTestId('message-list').count(), 0, 'no mail content behind the lock');
  const journal = readJournal();
  const ended = journal.filter((e) => e.action === 'psc.session_ended');
  assert.equal(ended.length, 1);
  assert.deepEqual(JSON.parse(ended[0]!.data), { account: doctor.address, subject: doctor.rpps, reason: 'refresh-refused' });
  assert.ok(journal.some((e) => e.action === 'psc.login'));
  for (const t of tokens) assert.ok(!journal.some((e) => e.data.includes(t)), 'no token in the journal');
  await screenshot(page, '23-psc-session-terminee');
});

test('the CPS card in the system browser (code + PKCE, loopback redirect): the session opens again', async () => {
  const seen = harness.core.browser.next();
  await page.getByTestId('psc-browser').click();
  const url = await seen;
  await page.getByTestId('psc-browser-pending').waitFor();
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/.*code_challenge_method=S256/);
  assert.match(new URL(url).searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  await browse(tb, url, doctor.rpps);
  await page.getByTestId('sync-status').waitFor();
  await page.getByTestId('message-row').filter({ hasText: SUBJECT }).waitFor({ timeout: 30_000 });
  tokens.add(await harness.core.core.psc!.accessToken());
});

test('« Se déconnecter » ends the PSC session (journalled); no token is found in the data folder', async () => {
  await page.getByTestId('logout').click();
  await page.getByTestId('lock-reason').filter({ hasText: 'Vous êtes déconnecté de Pro Santé Connect.' }).waitFor();
  const ended = readJournal().filter((e) => e.action === 'psc.session_ended').map((e) => (JSON.parse(e.data) as { reason: string }).reason);
  assert.deepEqual(ended, ['refresh-refused', 'logout']);
  assert.equal(tokens.size, 2);
  for (const file of filesUnder(home)) {
    const text = readFileSync(file, 'latin1');
    for (const t of tokens) assert.ok(!text.includes(t), `an access token found in ${file}`);
  }
});

test('keepRefreshToken: the session is sealed under the store key, never in clear, and resumed after a restart without a new validation', async () => {
  // IT turns the setting on for this account
  const repo = JsonFileAccountRepository.inHome(home);
  const account = await repo.get(doctor.address);
  assert.equal(account.auth.kind, 'psc');
  await repo.save({ ...account, auth: { ...account.auth, kind: 'psc', keepRefreshToken: true } as typeof account.auth }, { replace: true });
  const phoneDone = answerWhenPending(tb, doctor.rpps, 'approve');
  await page.getByTestId('psc-rpps').fill(doctor.rpps);
  await page.getByTestId('psc-ciba').click();
  await phoneDone;
  await page.getByTestId('sync-status').waitFor();
  const storeKey = Buffer.from(readFileSync(join(home, 'store.key'), 'utf8').trim(), 'hex');
  const vault = refreshVaultFile(home, doctor.address);
  const kept = openRefreshToken(vault, storeKey, doctor.address);
  assert.ok(kept?.refreshToken, 'sealed under the store key');
  for (const file of filesUnder(home)) assert.ok(!readFileSync(file, 'latin1').includes(kept.refreshToken), `the refresh token in clear in ${file}`);

  // a restart: the window is locked again, and offers to resume
  await harness.close();
  harness = await startHarness({ home, setup: setup() });
  await page.goto(harness.server.url);
  await page.getByTestId('psc-resume').click();
  await page.getByTestId('message-row').filter({ hasText: SUBJECT }).waitFor({ timeout: 30_000 });
  const journal = readJournal().filter((e) => e.action === 'psc.login').map((e) => (JSON.parse(e.data) as { method: string }).method);
  assert.equal(journal.at(-1), 'resume');
  // « Se déconnecter » erases the kept session
  await page.getByTestId('logout').click();
  await page.getByTestId('lock-reason').filter({ hasText: 'Vous êtes déconnecté de Pro Santé Connect.' }).waitFor();
  await page.getByTestId('psc-login').waitFor();
  assert.equal(await page.getByTestId('psc-resume').count(), 0);
  assert.equal(openRefreshToken(vault, storeKey, doctor.address), undefined, 'erased at logout');
});

function readJournal(): { action: string; data: string }[] {
  const key = Buffer.from(readFileSync(join(home, 'store.key'), 'utf8').trim(), 'hex');
  const db = openDatabase(join(home, 'store.db'), key, { check: 'none' });
  try {
    return db.prepare('SELECT action, data_json AS data FROM journal ORDER BY seq').all() as { action: string; data: string }[];
  } finally {
    db.close();
  }
}

