// Hostile and malformed mail in the doctor's window (issue 15): the bench's two sets are put in a
// folder of the doctor's mailbox, synced by the real core, and every message is opened in
// Chromium: no script runs, no request leaves, no pane is wider than the window, the body is
// legible or replaced by the French placeholder with "Voir la source". Screenshots of each state
// go to test-artifacts/e2e/hostile/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { hostileSet, malformedSet, type EdgeMessage } from '../testbed/corpus-hostile.js';
import { openBrowser, refuseForeignRequests, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const state = loadTestbed();
const doctor = card(state, 'doctorB');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-edge-${tag}`;
// one folder, hostile then malformed; the list shows the newest (the last appended) first
const SET: (EdgeMessage & { set: 'hostile' | 'malformed' })[] = [
  ...hostileSet(doctor.address).map((m) => ({ ...m, set: 'hostile' as const })),
  ...malformedSet(doctor.address).map((m) => ({ ...m, set: 'malformed' as const })),
];

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;
const foreignRequests: string[] = [];

before(async () => {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.mailboxCreate(folder);
  // distinct dates within each set; the malformed set after the hostile one
  for (const [i, m] of SET.entries()) await imap.append(folder, m.raw, [], new Date(Date.UTC(2026, 11, 1, 8, i)));
  await imap.logout();
  process.env.SOFTHSM2_CONF = state.softhsm.conf;
  home = await prepareHome({ state, doctor });
  harness = await startHarness({ home, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
  browsing = await openBrowser();
  page = browsing.page;
  await refuseForeignRequests(page, harness.server.origin, foreignRequests);
  await page.goto(harness.server.url);
  await page.getByTestId('pin-input').fill(doctor.userPin);
  await page.getByTestId('pin-submit').click();
  const ours = page.getByTestId('folder').filter({ hasText: folder });
  for (let i = 0; i < 120 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) await page.getByTestId('sync-retry').click();
    await page.waitForTimeout(500);
  }
  await ours.getByTestId('unread-count').filter({ hasText: String(SET.length) }).waitFor({ timeout: 60_000 });
  await ours.click();
  await page.getByTestId('message-row').first().waitFor();
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect().then(() => imap.mailboxDelete(folder)).then(() => imap.logout()).catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Opens the message at list position `pos` (1 = newest): the list is virtual, so it is scrolled there first. */
async function openAt(pos: number): Promise<void> {
  await page.getByTestId('message-list').evaluate((el, p) => {
    el.scrollTop = Math.max(0, (p - 2) * 52);
    el.dispatchEvent(new Event('scroll'));
  }, pos);
  const row = page.locator(`[data-testid="message-row"][aria-posinset="${pos}"]`);
  await row.click();
  await page.locator(`[data-testid="message-row"][aria-selected="true"][aria-posinset="${pos}"]`).waitFor();
  await page.getByTestId('message-subject').waitFor();
}

const positionOf = (name: string): number => SET.length - SET.findIndex((m) => m.name === name);

test('opening an unread message updates its row at once: not bold, no "Non lu" for screen readers', async () => {
  const pos = positionOf('undeclared-utf8');
  const rowAt = page.locator(`[data-testid="message-row"][aria-posinset="${pos}"]`);
  await rowAt.waitFor();
  assert.match(await rowAt.innerText(), /Non lu/);
  await openAt(pos);
  await page.waitForFunction((p) => !document.querySelector(`[data-testid="message-row"][aria-posinset="${p}"]`)?.textContent?.includes('Non lu'), pos, { timeout: 5000 });
  assert.equal(await rowAt.evaluate((el) => el.classList.contains('unread')), false, 'the row is no longer bold');
  assert.equal(await rowAt.locator('.from').evaluate((el) => getComputedStyle(el).fontWeight), '400');
});

test('every hostile and malformed message: no script, no request, no pane wider than the window, a body or the placeholder', async () => {
  const width = await page.evaluate(() => window.innerWidth);
  for (const [i, m] of SET.entries()) {
    const pos = SET.length - i;
    await openAt(pos);
    const pane = page.getByTestId('reading-pane');
    // the body: text, HTML frame or the placeholder
    const text = page.getByTestId('message-text');
    const frame = page.getByTestId('message-frame');
    const placeholder = page.getByTestId('body-placeholder');
    await text.or(frame).or(placeholder).first().waitFor();
    if (await text.count()) {
      const shown = await text.innerText();
      assert.ok(shown.trim().length > 0, `${m.name}: non-empty text`);
      if (typeof m.body === 'string') assert.ok(shown.includes(m.body), `${m.name}: "${m.body}" legible in ${JSON.stringify(shown.slice(0, 120))}`);
    } else if (await placeholder.count()) {
      assert.match(await placeholder.innerText(), /source/, `${m.name}: the placeholder points to the source`);
      assert.ok(m.body === null || m.body === undefined, `${m.name}: a readable body was replaced by the placeholder`);
    } else {
      const inner = page.frameLocator('[data-testid="message-frame"]');
      assert.ok((await inner.locator('body').innerText()).trim().length > 0, `${m.name}: non-empty HTML body`);
    }
    if (m.subject) assert.ok((await page.getByTestId('message-subject').innerText()).includes(m.subject.slice(0, 40)), `${m.name}: subject legible`);
    const sizes = await pane.evaluate((el) => ({ pane: el.scrollWidth, paneBox: el.clientWidth, doc: document.documentElement.scrollWidth }));
    assert.ok(sizes.doc <= width, `${m.name}: the page is ${sizes.doc}px wide in a ${width}px window`);
    assert.ok(sizes.pane <= sizes.paneBox + 1, `${m.name}: the reading pane scrolls sideways (${sizes.pane} > ${sizes.paneBox})`);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, `${m.name}: no script ran`);
    await screenshot(page, `hostile/${String(i + 1).padStart(2, '0')}-${m.set}-${m.name}`);
  }
  assert.deepEqual(foreignRequests, [], 'no request left the harness');
});

test('an undecodable body shows the French placeholder and "Voir la source" shows the source as text', async () => {
  await openAt(positionOf('wrong-boundary'));
  await page.getByTestId('body-placeholder').waitFor();
  assert.match(await page.getByTestId('body-placeholder').innerText(), /n’a pas pu être lu/);
  await page.getByTestId('show-source').click();
  const source = page.getByTestId('message-source');
  await source.waitFor();
  assert.match(await source.innerText(), /Le compte rendu est joint\./);
  await screenshot(page, 'hostile/source-corps-illisible');
  // hostile HTML's source: tags shown as text, never as elements
  await openAt(positionOf('html-script-remote'));
  await page.getByTestId('show-source').click();
  await source.waitFor();
  assert.match(await source.innerText(), /<script>window\.top\.__pwned=2<\/script>/);
  assert.equal(await source.locator('*').count(), 0, 'no element inside the source view');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  assert.deepEqual(foreignRequests, []);
});

test('binary declared as text is listed as an attachment, never shown as text', async () => {
  await openAt(positionOf('binary-as-text'));
  await page.getByTestId('attachment').first().waitFor();
  assert.equal(await page.getByTestId('message-text').count(), 0);
  assert.match(await page.getByTestId('body-placeholder').innerText(), /pièces jointes/);
});

test('spoofing cues: IDN shown in Unicode when single-script, mixed-script and borrowed names flagged suspicious', async () => {
  const badge = () => page.getByTestId('reading-pane').getByTestId('trust-badge');
  await openAt(positionOf('idn-single-script'));
  assert.match(await page.getByTestId('from-address').innerText(), /secretariat@hôpital-exemple\.fr/);
  assert.notEqual(await badge().getAttribute('data-level'), 'suspicious');
  await openAt(positionOf('idn-mixed-script'));
  assert.match(await page.getByTestId('from-address').innerText(), /xn--hpital-exemple-vzl\.fr/, 'a mixed-script domain stays in punycode');
  assert.equal(await badge().getAttribute('data-level'), 'suspicious');
  await badge().click();
  assert.match(await page.getByTestId('trust-explanation').innerText(), /Domaine international trompeur/);
  await screenshot(page, 'hostile/idn-melange-alphabets');
  await badge().click();
  for (const name of ['display-name-other-pro', 'display-name-address']) {
    await openAt(positionOf(name));
    assert.equal(await badge().getAttribute('data-level'), 'suspicious', name);
  }
});

test('an altered IHE_XDM.ZIP: unmistakable warning before the summary and the document; INS grouped; no stray space', async () => {
  await openAt(positionOf('xdm-altered'));
  const xdm = page.getByTestId('xdm-summary');
  await xdm.waitFor();
  const banner = page.getByTestId('xdm-altered');
  assert.match(await banner.innerText(), /document altéré ou métadonnées erronées.*Ne le classez pas/s);
  const text = await xdm.innerText();
  assert.ok(text.indexOf('document altéré') < text.indexOf('Patient'), 'the warning comes first');
  assert.match(await page.getByTestId('xdm-ins').innerText(), /INS \d \d{2} \d{2} \d{2} \d{3} \d{3} \d{2}/);
  assert.match(await page.getByTestId('xdm-ins').innerText(), /intégrité n’est pas garantie/);
  assert.doesNotMatch(text, / ,/, 'no space before a comma');
  assert.match(text, /né\(e\) le \d{2}\/\d{2}\/\d{4} \((homme|femme)\)/);
  await page.getByRole('button', { name: 'Afficher le document' }).click();
  await xdm.getByTestId('message-frame').first().waitFor();
  assert.equal(await xdm.getByRole('alert').count(), 2, 'the warning is repeated right before the document');
  await screenshot(page, 'hostile/xdm-altere');
});

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated through the debugging protocol: no request, the page's CSP untouched). */
async function axeViolations(): Promise<{ id: string; impact: string | null; nodes: string[] }[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

test('accessibility: axe-core finds no violation on the mailbox states (message, placeholder and source, altered XDM, compose)', async () => {
  const found: string[] = [];
  for (const [name, open] of [['undeclared-cp1252', false], ['wrong-boundary', true], ['xdm-altered', false], ['long-filename-nul', false]] as const) {
    await openAt(positionOf(name));
    if (open) await page.getByTestId('show-source').click();
    for (const v of await axeViolations()) found.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.join(' | ')}`);
  }
  await page.getByTestId('new-message').click();
  await page.getByTestId('compose').waitFor();
  for (const v of await axeViolations()) found.push(`compose: ${v.id} (${v.impact}) ${v.nodes.join(' | ')}`);
  await page.getByRole('button', { name: 'Abandonner' }).click();
  assert.deepEqual(found, []);
});
