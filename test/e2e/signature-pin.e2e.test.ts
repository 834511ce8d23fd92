// A CPS key with CKA_ALWAYS_AUTHENTICATE (a throwaway cps-sim card over its own SoftHSM
// token) needs the PIN for every signature: after the PIN login, the window asks it again
// for each signature, saying what is signed — the store key (card-bound store, signed twice
// at set-up), then the
// access journal's checkpoint. A malformed PIN is refused before the card (no try spent),
// « Annuler » fails that signature only, and nothing is ever retried by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createSimBench, type SimBench } from '../integration/card/sim-fixture.js';
import { openBrowser, prepareHome, startHarness, type Browsing, type Harness } from './support.js';
import { card, loadTestbed } from '../support/testbed.js';

const PIN = '2468';
const CARD = 'E2E always auth';
let bench: SimBench;
let home: string;
let harness: Harness | undefined;
let browsing: Browsing;
let page: Page;

before(async () => {
  bench = createSimBench([
    { label: CARD, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600034+SN=ROUSSEAU+GN=Hélène', alwaysAuthenticate: true },
  ]);
  Object.assign(process.env, bench.env);
  // the bench's account (Dovecot asks for the client certificate): the sync's TLS signature is asked too
  const state = loadTestbed();
  home = await prepareHome({ state, doctor: card(state, 'doctorA') });
  harness = await startHarness({ home, cardModule: bench.module, tokenRef: CARD });
  browsing = await openBrowser();
  page = browsing.page;
  await page.goto(harness.server.url);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  bench?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

const dialog = () => page.getByTestId('signature-pin-dialog');

test('each signature asks the PIN again in a dialog naming what is signed; one try each', async () => {
  await page.getByTestId('pin-input').fill(PIN);
  await page.getByTestId('pin-submit').click();
  // the card-bound store's key is signed first
  await dialog().getByText('Code PIN demandé pour cette signature').waitFor();
  assert.match(await page.getByTestId('signature-pin-purpose').innerText(), /ouverture des données enregistrées sur ce poste/);
  const logins = bench.pinState(CARD).loginCalls;
  // not 4–8 digits: refused before the card, the dialog stays
  await page.getByTestId('signature-pin-input').fill('12');
  await page.getByTestId('signature-pin-submit').click();
  await page.getByTestId('signature-pin-error').filter({ hasText: 'de 4 à 8 chiffres' }).waitFor();
  assert.equal(bench.pinState(CARD).loginCalls, logins, 'nothing presented to the card');
  const first = await dialog().locator('form').getAttribute('data-request-id');
  await page.getByTestId('signature-pin-input').fill(PIN);
  await page.getByTestId('signature-pin-submit').click();
  // a new store is set up with two signatures compared (card-kek.ts): a second request, asked anew
  await dialog().locator(`form:not([data-request-id="${first}"])`).waitFor();
  assert.match(await page.getByTestId('signature-pin-purpose').innerText(), /ouverture des données/);
  assert.equal(bench.pinState(CARD).loginCalls, logins + 1, 'one context-specific login for that signature');
  await page.getByTestId('signature-pin-input').fill(PIN);
  await page.getByTestId('signature-pin-submit').click();
  // then the access journal's checkpoint
  await page.getByTestId('signature-pin-purpose').filter({ hasText: 'journal des accès' }).waitFor();
  assert.equal(bench.pinState(CARD).loginCalls, logins + 2);
  assert.equal(await page.getByTestId('signature-pin-input').inputValue(), '', 'the field starts empty');
  // « Annuler »: that signature fails, the session still opens, no card try spent
  await page.getByTestId('signature-pin-cancel').click();
  await page.getByTestId('sync-status').waitFor();
  assert.equal(bench.pinState(CARD).loginCalls, logins + 2);
  assert.equal(bench.pinState(CARD).triesLeft, 3);
});

test('the sync’s TLS signature asks the PIN; « Annuler » fails it in French; « Réessayer » asks anew', async () => {
  await page.getByTestId('signature-pin-purpose').filter({ hasText: 'connexion au serveur' }).waitFor();
  const logins = bench.pinState(CARD).loginCalls;
  const first = await dialog().locator('form').getAttribute('data-request-id');
  await page.getByTestId('signature-pin-cancel').click();
  await page.getByTestId('sync-error').filter({ hasText: 'Signature annulée' }).waitFor();
  assert.equal(bench.pinState(CARD).loginCalls, logins, 'nothing presented to the card');
  // a user action asks again, with a new request
  await page.getByTestId('sync-retry').click();
  await dialog().locator(`form:not([data-request-id="${first}"])`).waitFor();
  assert.match(await page.getByTestId('signature-pin-purpose').innerText(), /connexion au serveur/);
  await page.getByTestId('signature-pin-input').fill(PIN);
  await page.getByTestId('signature-pin-submit').click();
  // signed; the bench's server then refuses this throwaway card's certificate
  await page.getByTestId('sync-error').filter({ hasNotText: 'Signature annulée' }).waitFor();
  assert.equal(bench.pinState(CARD).loginCalls, logins + 1, 'one try for that signature');
});
