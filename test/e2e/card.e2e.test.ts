// Card and session in the window, on throwaway simulated CPS cards (cps-sim
// over their own SoftHSM tokens: wrong PINs and removal never touch the shared
// bench cards): the PIN dialog's remaining-tries states, one login per user
// action, the lock on card removal, the pinpad prompt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { MssanteApi } from '../../src-main/ipc/contract.js';
import { createSimBench, type SimBench } from '../integration/card/sim-fixture.js';
import { openBrowser, prepareHome, saveUnreachableCardAccount, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const PIN = '2468';
const DOCTOR = 'E2E doctor';
const PINPAD = 'E2E pinpad';
let bench: SimBench;
const homes: string[] = [];
let harness: Harness | undefined;
let browsing: Browsing;
let page: Page;

async function open(tokenRef: string): Promise<void> {
  await harness?.close();
  // each card its own data folder: the store is bound to the card that first unlocked it
  const home = await prepareHome();
  homes.push(home);
  // a card account whose server does not answer (a data folder without account opens on the first-run screen)
  await saveUnreachableCardAccount(home, 'emilie.petit@medecin.mssante.test');
  harness = await startHarness({ home, cardModule: bench.module, tokenRef });
  await page.goto(harness.server.url);
}

before(async () => {
  bench = createSimBench([
    { label: DOCTOR, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600018+SN=PETIT+GN=Émilie' },
    { label: PINPAD, pin: PIN, subject: '/C=FR/title=Sage-femme/CN=899700600026+SN=NOËL+GN=Maëlle', sim: { pinpad: 1, pinpad_pin: PIN } },
  ]);
  Object.assign(process.env, bench.env);
  browsing = await openBrowser();
  page = browsing.page;
  // Fake timers that still flow: the idle test jumps ahead instead of waiting ten minutes.
  await page.clock.install();
  await open(DOCTOR);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  bench?.cleanup();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

async function typePin(pin: string): Promise<void> {
  await page.getByTestId('pin-input').fill(pin);
  await page.getByTestId('pin-submit').click();
}

test('a wrong PIN shows the remaining-tries state, then the final try; nothing is ever resubmitted', async () => {
  await page.getByTestId('pin-input').waitFor();
  assert.match(await page.getByTestId('card-holder').innerText(), /Émilie PETIT[\s\S]*Médecin/);
  await typePin('0000');
  await page.getByTestId('pin-error').filter({ hasText: 'Code PIN incorrect' }).waitFor();
  await page.getByTestId('pin-count-low').waitFor();
  assert.equal(await page.getByTestId('pin-input').inputValue(), '', 'the field is emptied after a try');
  await typePin('1111');
  await page.getByTestId('pin-final-try').waitFor();
  assert.match(await page.getByTestId('pin-final-try').innerText(), /Dernier essai/);
  await screenshot(page, '09-code-pin-dernier-essai');
  // Two user actions, two logins on the card; waiting changes nothing.
  assert.equal(bench.pinState(DOCTOR).triesLeft, 1);
  assert.equal(bench.pinState(DOCTOR).loginCalls, 2);
  await page.waitForTimeout(1500);
  assert.equal(bench.pinState(DOCTOR).loginCalls, 2);
  await page.getByTestId('pin-input').press('Enter');
  await page.getByText('Le code PIN comporte de 4 à 8 chiffres.').waitFor();
  assert.equal(bench.pinState(DOCTOR).loginCalls, 2, 'an empty field never reaches the card');
});

test('the right PIN opens the window; the sync error is in French with a retry', async () => {
  await typePin(PIN);
  await page.getByTestId('message-list').or(page.getByTestId('sync-status')).first().waitFor();
  assert.equal(bench.pinState(DOCTOR).triesLeft, 3);
  // the account's server does not answer: said plainly, with "Réessayer"
  await page.getByTestId('sync-error').waitFor();
  assert.match(await page.getByTestId('sync-error').innerText(), /Serveur injoignable/);
  await page.getByTestId('sync-retry').waitFor();
  // the status follows the last real state: never "En ligne" beside an error
  assert.equal(await page.getByTestId('online-state').innerText(), 'Hors ligne — les messages restent lisibles');
  assert.match(await page.getByTestId('card-holder').innerText(), /Émilie PETIT/);
});

test('removing the card locks the window and hides its content', async () => {
  await page.getByTestId('sync-status').waitFor();
  bench.setSim(DOCTOR, { present: 0 });
  await page.getByTestId('lock-screen').waitFor({ timeout: 10_000 });
  await page.getByText('la carte CPS a été retirée').waitFor();
  await page.getByTestId('card-prompt').filter({ hasText: 'Insérez votre carte CPS' }).waitFor();
  assert.equal(await page.getByTestId('sync-status').count(), 0);
  assert.equal(await page.getByTestId('reading-pane').count(), 0);
  // main refuses content while locked, whatever a page would ask
  const r = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.mail.folders());
  assert.equal(r.ok ? 'ok' : r.error.code, 'SESSION_LOCKED');
  await screenshot(page, '10-verrouille-carte-retiree');
  bench.setSim(DOCTOR, { present: 1 });
  await page.getByTestId('pin-input').waitFor({ timeout: 10_000 });
});

test('a pinpad reader asks to type the code on the reader', async () => {
  await open(PINPAD);
  await page.getByTestId('pinpad-prompt').filter({ hasText: 'Saisissez le code sur le lecteur' }).waitFor();
  assert.equal(await page.getByTestId('pin-input').count(), 0, 'no PIN field in the app');
  await page.getByRole('button', { name: 'Valider sur le lecteur' }).click();
  await page.getByTestId('sync-status').waitFor();
  assert.equal(bench.pinState(PINPAD).loginCalls, 1);
});

test('ten minutes without input lock the window', async () => {
  await page.getByTestId('sync-status').waitFor();
  await page.clock.fastForward('09:00');
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId('lock-screen').count(), 0, 'not before the idle timeout');
  await page.clock.fastForward('02:00');
  await page.getByTestId('lock-screen').waitFor();
  await page.getByText('Session verrouillée après une période d’inactivité.').waitFor();
  await page.getByRole('button', { name: 'Valider sur le lecteur' }).click();
  await page.getByTestId('sync-status').waitFor();
});

test('the user can lock the window by hand', async () => {
  await page.getByRole('button', { name: 'Verrouiller la session' }).click();
  await page.getByTestId('lock-screen').waitFor();
  await page.getByText('Session verrouillée.').waitFor();
});

test('« Se déconnecter » ends the card session: the lock screen says so, the mailbox view is gone, mail is refused until the PIN', async () => {
  await page.getByRole('button', { name: 'Valider sur le lecteur' }).click();
  await page.getByTestId('sync-status').waitFor();
  await page.getByTestId('logout').click();
  await page.getByTestId('lock-screen').waitFor();
  await page.getByText('Vous êtes déconnecté : la session de la carte CPS est fermée.').waitFor();
  assert.equal(await page.getByTestId('sync-status').count(), 0, 'the mailbox (and its state) is unmounted');
  const r = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.mail.folders());
  assert.equal(r.ok ? 'ok' : r.error.code, 'SESSION_LOCKED');
});
