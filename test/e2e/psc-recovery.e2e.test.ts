// « Ouvrir avec le code de secours » in the window (Svelte renderer in Chromium, harness core
// with the store bound as the shell binds it, no card, no keychain): a store made by
// `mssante store init --without-card`, a CIBA login approved through the bench's phone hook,
// then the lock screen asks for the store's recovery code — a wrong one is refused in French
// and the field emptied, the right one opens the mailbox. Then « Se déconnecter » while PSC
// refuses the revocation: the lock screen says PSC could not be told. axe-core on the code screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { httpsFetch } from '../../src-main/psc/index.js';
import { card, loadTestbed } from '../support/testbed.js';
import { answerWhenPending, phone } from '../support/psc.js';
import { recoveryCodeIn, runMssante } from '../support/cli.js';
import { openBrowser, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const tb = loadTestbed();
const doctor = card(tb, 'doctorB');
const SECRET_ENV = `MSSANTE_E2E_PSC_SECRET_${randomBytes(3).toString('hex')}`;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;
let code: string;

const hook = (action: string) =>
  httpsFetch({ ca: readFileSync(tb.pki.caBundle, 'utf8') })(`${tb.psc.issuer}/__test/${action}/${doctor.rpps}`, { method: 'POST', headers: {} }).then((r) => assert.equal(r.status, 200));

before(async () => {
  process.env[SECRET_ENV] = tb.psc.clients.app.clientSecret;
  await phone(tb, 'enable', doctor.rpps);
  await hook('revocation-release');
  home = await prepareHome();
  const init = await runMssante(['--home', home, 'store', 'init', '--without-card'], { env: { MSSANTE_STORE_KEY: '', MSSANTE_PKCS11_MODULE: join(home, 'no-card-module.so') } });
  assert.equal(init.code, 0, init.stderr);
  code = recoveryCodeIn(init.stderr)!;
  assert.ok(code, init.stderr);
  harness = await startHarness({
    home,
    storeBound: true,
    setup: {
      psc: { issuer: tb.psc.issuer, clientId: tb.psc.clients.app.clientId, scope: 'openid scope_all', clientSecretEnv: SECRET_ENV, caFile: tb.pki.caBundle },
      dnsServers: [tb.psc.dnsServer],
      trustAnchorsFile: tb.pki.caBundle,
    },
  });
  await harness.core.handlers['account.create']({
    address: doctor.address, auth: 'psc',
    imap: { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, smtp: { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' },
  });
  browsing = await openBrowser();
  page = browsing.page;
  await page.goto(harness.server.url);
});

after(async () => {
  await hook('revocation-release').catch(() => undefined);
  await browsing?.close();
  await harness?.close();
  delete process.env[SECRET_ENV];
  if (home) rmSync(home, { recursive: true, force: true });
});

test('after the PSC login the lock screen asks for the store’s recovery code; wrong → French error, field emptied; right → the mailbox', async () => {
  await page.getByTestId('psc-login').waitFor();
  await page.getByTestId('psc-rpps').fill(doctor.rpps);
  const phoneDone = answerWhenPending(tb, doctor.rpps, 'approve');
  await page.getByTestId('psc-ciba').click();
  await phoneDone;
  await page.getByTestId('psc-store-code-form').waitFor();
  assert.match(await page.getByTestId('psc-store-code-why').innerText(), /code de secours/);
  assert.match(await page.locator('#store-code-hint').innerText(), /5 groupes de 5 caractères/);
  assert.equal(await page.getByTestId('lock-screen').count(), 1);

  // axe-core: no violation on this state
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } };
    return (await w.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(violations, []);
  await screenshot(page, '25-psc-code-de-secours');

  await page.getByTestId('psc-store-code').fill('00000-00000-00000-00000-00000');
  await page.getByTestId('psc-store-code-submit').click();
  await page.getByTestId('psc-error').filter({ hasText: 'Code de secours incorrect pour cette base locale' }).waitFor();
  assert.match(await page.getByTestId('psc-error').innerText(), /saisissez-le de nouveau/);
  assert.equal(await page.getByTestId('psc-store-code').inputValue(), '', 'the field is emptied after each try');
  assert.equal(await page.getByTestId('lock-screen').count(), 1, 'still locked');
  await harness.core.root.storeSettled();
  assert.throws(() => harness.core.root.store(), 'nothing opened');

  await page.getByTestId('psc-store-code').fill(code.toLowerCase());
  await page.getByTestId('psc-store-code-submit').click();
  await page.getByTestId('sync-status').waitFor();
  assert.equal(await page.getByTestId('lock-screen').count(), 0);
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  assert.ok(!html.includes(code) && !html.toLowerCase().includes(code.toLowerCase()), 'the code is nowhere in the page');
});

test('« Se déconnecter » while PSC refuses the revocation: the lock screen says PSC could not be told', async () => {
  await hook('revocation-refuse');
  await page.getByTestId('logout').click();
  await page.getByTestId('lock-reason').filter({ hasText: 'Vous êtes déconnecté de Pro Santé Connect.' }).waitFor();
  await page.getByTestId('psc-revocation-failed').filter({ hasText: 'Pro Santé Connect n’a pas pu être prévenu de la déconnexion' }).waitFor();
  assert.match(await page.getByTestId('psc-revocation-failed').innerText(), /prendra fin d’elle-même à son expiration/);
  await screenshot(page, '26-psc-deconnexion-non-transmise');
  await harness.core.root.storeSettled();
  assert.throws(() => harness.core.root.store(), 'the store closed');
});
