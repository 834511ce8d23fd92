// « Réglages » in the window (issue 15 point 12, issue 19's patients' domain): the renderer in
// Chromium over the real core (createCore, loopback harness) and a simulated CPS card (cps-sim over
// its own SoftHSM token). Reached by keyboard (Ctrl+,) and mouse; a preference changed there is
// saved in settings.json and applied (the idle lock chosen locks the window); the clinic's rules (clinic-policy.json, as
// `mssante policy set` writes it) are shown read-only with their source, and the contract refuses
// them when the page calls it directly; a sender's « toujours » choice for remote images is
// forgotten from there. At 1024×700 nothing scrolls sideways, in light and dark mode.
// Screenshots go to test-artifacts/e2e/settings/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { MssanteApi } from '../../src-main/ipc/contract.js';
import { writeClinicPolicy } from '../../src-main/app/clinic-policy.js';
import { createSimBench, type SimBench } from '../integration/card/sim-fixture.js';
import { openBrowser, prepareHome, refuseForeignRequests, saveUnreachableCardAccount, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const PIN = '5317';
const DOCTOR = 'E2E settings doctor';
const ADDRESS = 'anais.fabre@medecin.mssante.fr';
const ALWAYS = 'secretariat.radiologie@hopital-exemple.mssante.fr';
let bench: SimBench;
let home: string;
let harness: Harness;
let browsing: Browsing;
let page: Page;
const foreignRequests: string[] = [];
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

before(async () => {
  bench = createSimBench([{ label: DOCTOR, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600059+SN=FABRE+GN=Anaïs' }]);
  Object.assign(process.env, bench.env);
  home = await prepareHome();
  await saveUnreachableCardAccount(home, ADDRESS);
  // what the clinic's IT person set with `mssante policy set …`
  writeClinicPolicy(home, { outsideTrustSpace: 'block', maxSessionHours: 8, idleLockMaxMinutes: 30 });
  // a sender whose remote images the doctor chose to show « toujours »
  writeFileSync(join(home, 'remote-images.json'), JSON.stringify({ senders: { [ALWAYS]: 'always' } }));
  harness = await startHarness({ home, cardModule: bench.module, tokenRef: DOCTOR });
  browsing = await openBrowser();
  page = browsing.page;
  await refuseForeignRequests(page, harness.server.origin, foreignRequests);
  await page.clock.install(); // the idle lock chosen in « Réglages » is met by jumping ahead
  await page.goto(harness.server.url);
  await page.getByTestId('pin-input').fill(PIN);
  await page.getByTestId('pin-submit').click();
  await page.getByTestId('open-settings').waitFor();
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  bench?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});


test('« Réglages » opens from the keyboard (Ctrl+,) and the mouse, and Escape goes back to the messages', async () => {
  await page.keyboard.press('Control+,');
  await page.getByTestId('settings').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'settings-title', 'focus goes to the screen\'s title');
  await page.keyboard.press('Escape');
  await page.getByTestId('settings').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'open-settings', 'focus back on « Réglages »');
  await page.keyboard.press('Enter');
  await page.getByTestId('settings').waitFor();
  await page.getByTestId('settings-close').click();
  await page.getByTestId('settings').waitFor({ state: 'detached' });
  await page.getByTestId('open-settings').click();
  await page.getByTestId('settings').waitFor();
  assert.equal(await page.getByTestId('fact-address').textContent(), ADDRESS);
  assert.equal(await page.getByTestId('fact-method').textContent(), 'Carte CPS');
  assert.match((await page.getByTestId('fact-store').textContent()) ?? '', /Carte CPS seule/);
  await screenshot(page, 'settings/01-reglages');
});

test('a preference changed in « Réglages » is saved and applied: the idle lock, within the clinic\'s ceiling, locks the window', async () => {
  await page.getByTestId('open-settings').click();
  await page.getByTestId('settings').waitFor();
  await page.getByTestId('pref-threads').check();
  await page.getByTestId('settings-saved').filter({ hasText: 'Conversations : enregistré.' }).waitFor();
  assert.equal(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).groupThreads, true);

  // the clinic allows 30 minutes at most: no longer choice is offered
  const choices = await page.getByTestId('pref-idle-lock').locator('option').evaluateAll((os) => os.map((o) => Number((o as HTMLOptionElement).value)));
  assert.deepEqual(choices, [2, 5, 10, 15, 30]);
  assert.match((await page.locator('#idle-lock-hint').textContent()) ?? '', /autorise au plus 30 minutes/);
  await page.getByTestId('pref-idle-lock').selectOption('2');
  await page.getByTestId('settings-saved').filter({ hasText: 'Verrouillage automatique : enregistré.' }).waitFor();
  const got = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.settings.get());
  assert.ok(got.ok && got.value.idleLockMinutes === 2 && got.value.groupThreads === true, JSON.stringify(got));

  // applied: two minutes without input lock the window (the default would have been ten)
  await page.clock.runFor(2 * 60_000 + 10_000);
  await page.getByTestId('pin-input').waitFor();
  const state = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.session.state());
  assert.deepEqual(state, { ok: true, value: { locked: true, reason: 'idle' } });
  await page.getByTestId('pin-input').fill(PIN);
  await page.getByTestId('pin-submit').click();
  await page.getByTestId('open-settings').click();
  await page.getByTestId('pref-idle-lock').selectOption('5');
  await page.getByTestId('settings-saved').filter({ hasText: 'Verrouillage automatique : enregistré.' }).waitFor();
  assert.equal(await page.getByTestId('pref-threads').isChecked(), true, 'the preferences are kept across the lock');
  await page.getByTestId('settings-close').click();
});

test('the clinic\'s rules are shown read-only with their source, and the page cannot change them through the contract', async () => {
  await page.getByTestId('open-settings').click();
  const rules = page.getByTestId('clinic-rules');
  await rules.waitFor();
  const outside = rules.locator('[data-rule="outsideTrustSpace"]');
  assert.match((await outside.textContent()) ?? '', /Interdit/);
  assert.equal(await outside.getByTestId('rule-source').textContent(), 'Fixé par votre établissement');
  assert.match((await rules.locator('[data-rule="maxSessionHours"]').textContent()) ?? '', /8 h/);
  assert.match((await rules.locator('[data-rule="patientDomain"]').textContent()) ?? '', /patient\.mssante\.fr.*Valeur par défaut/);
  assert.equal(await rules.locator('input, select, button, textarea, [contenteditable]').count(), 0, 'nothing to change there');

  // a compromised page calling the contract directly
  const attempts = await page.evaluate(async () => {
    const set = (window as unknown as { mssante: MssanteApi }).mssante.settings.set as unknown as (p: object) => Promise<{ ok: boolean; error?: { code: string } }>;
    return Promise.all([{ outsideTrustSpace: 'confirm' }, { maxSessionHours: 12 }, { patientDomain: 'patient.exemple.fr' }, { idleLockMaxMinutes: 240 }, { idleLockMinutes: 60 }].map((p) => set(p)));
  });
  assert.deepEqual(attempts.map((a) => a.ok), [false, false, false, false, false]);
  assert.equal(attempts[4]!.error?.code, 'SETTING_FIXED_BY_CLINIC');
  const after = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.settings.get());
  assert.ok(after.ok);
  assert.deepEqual([after.value.outsideTrustSpace, after.value.maxSessionHours, after.value.idleLockMaxMinutes, after.value.idleLockMinutes], ['block', 8, 30, 5]);
  assert.deepEqual(readFileSync(join(home, 'clinic-policy.json'), 'utf8').includes('"block"'), true);
  assert.equal(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).outsideTrustSpace, undefined);
  await page.getByTestId('settings-close').click();
});

test('a sender\'s « toujours » for remote images is listed and forgotten from « Réglages »', async () => {
  await page.getByTestId('open-settings').click();
  const list = page.getByTestId('image-senders');
  await list.filter({ hasText: ALWAYS }).waitFor();
  assert.match((await list.textContent()) ?? '', /toujours affichées/);
  // this state of the screen (a sender listed) has no axe violation of any impact either (a11y.e2e covers the empty list)
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null }[] }> } };
    return (await w.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.id} (${v.impact})`);
  });
  assert.deepEqual(violations, []);
  await page.getByRole('button', { name: `Oublier ce choix pour ${ALWAYS}` }).click();
  await page.getByTestId('image-senders-empty').waitFor();
  assert.deepEqual(JSON.parse(readFileSync(join(home, 'remote-images.json'), 'utf8')).senders, {});
  await page.getByTestId('settings-close').click();
});

test('1024×700, light and dark: nothing in « Réglages » scrolls sideways; dark mode uses the window\'s colours', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByTestId('open-settings').click();
  await page.getByTestId('settings').waitFor();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const overflow = await page.evaluate(() => {
      const out: string[] = [];
      if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth}`);
      for (const el of document.querySelectorAll<HTMLElement>('[data-testid="settings"], [data-testid="settings"] *')) {
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push(`${el.tagName}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
        if (el.getBoundingClientRect().right > window.innerWidth + 1) out.push(`${el.tagName}.${el.className} ends at ${el.getBoundingClientRect().right}`);
      }
      return out;
    });
    assert.deepEqual(overflow, [], scheme);
    const colours = await page.evaluate(() => ({ body: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.querySelector('[data-testid="settings"] h2')!).color }));
    assert.equal(colours.body, scheme === 'dark' ? 'rgb(23, 25, 29)' : 'rgb(255, 255, 255)');
    assert.equal(colours.text, scheme === 'dark' ? 'rgb(231, 233, 236)' : 'rgb(27, 31, 36)');
    await screenshot(page, `settings/02-reglages-1024-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('settings-close').click();
  assert.deepEqual(foreignRequests, []);
});
