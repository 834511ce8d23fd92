// The doctor's window on a first start, with remote images and at 1024×700 (issue 15, points
// 9–11): a fresh data folder meets the bench mailbox — the first-sync screen with progress per
// folder (French names), placeholders, « Relever »; remote images only through main (HTTPS, a
// loopback test server), never from the view, "cette fois" / "toujours pour cet expéditeur";
// HTML bodies on a light card in dark mode; no pane or popup wider than its box at 1024×700.
// Screenshots go to test-artifacts/e2e/window/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { buildEml } from '../support/mail-fixtures.js';
import { waitUntil } from '../support/wait.js';
import { startImageServers, type ImageServers } from '../support/image-server.js';
import { openBrowser, refuseForeignRequests, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const state = loadTestbed();
const doctor = card(state, 'doctorB');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-win-${tag}`;
const NEWSLETTER = 'lettre@labo-exemple.fr';
const SUBJECT_IMAGES = `Lettre du laboratoire ${tag}`;
const SUBJECT_IMAGES_2 = `Lettre du laboratoire, suite ${tag}`;
const SUBJECT_FILES = `Résultats et pièces ${tag}`;
const SUBJECT_LATE = `Arrivé après la synchronisation ${tag}`;
const LONG_FILE = `Compte-rendu-operatoire-${'tres-long-nom-de-fichier-'.repeat(8)}final.pdf`;

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;
let images: ImageServers;
const foreignRequests: string[] = [];

const imagesHtml = (n: number) => `<p>Bonjour, voici la lettre n°${n}.</p>
<p><img src="${images.https}/pixel-${n}.png" alt="image https" width="40" height="40"></p>
<p><img src="${images.http}/logo-${n}.png" alt="image http" width="40" height="40"></p>`;

async function append(subject: string, eml: Buffer, mailbox = folder): Promise<void> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  if (mailbox === folder) await imap.mailboxCreate(folder).catch(() => undefined);
  await imap.append(mailbox, eml, []);
  await imap.logout();
  void subject;
}

before(async () => {
  images = await startImageServers();
  await append(SUBJECT_IMAGES, buildEml({ from: `Laboratoire Exemple <${NEWSLETTER}>`, to: doctor.address, subject: SUBJECT_IMAGES, html: imagesHtml(1), body: 'Lettre 1', date: new Date(Date.now() - 3 * 3600_000) }));
  await append(SUBJECT_IMAGES_2, buildEml({ from: `Laboratoire Exemple <${NEWSLETTER}>`, to: doctor.address, subject: SUBJECT_IMAGES_2, html: imagesHtml(2), body: 'Lettre 2', date: new Date(Date.now() - 2 * 3600_000) }));
  await append(SUBJECT_FILES, buildEml({
    from: `Dr Hélène Martin <${card(state, 'doctorA').address}>`, to: doctor.address, subject: SUBJECT_FILES, body: 'Cher confrère, voici les pièces.',
    date: new Date(Date.now() - 3600_000), attachment: { filename: LONG_FILE, mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') },
  }));
  process.env.SOFTHSM2_CONF = state.softhsm.conf;
  home = await prepareHome({ state, doctor });
  harness = await startHarness({ home, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel, remoteImages: { ca: images.ca, allowLoopback: true } });
  browsing = await openBrowser();
  page = browsing.page;
  await refuseForeignRequests(page, harness.server.origin, foreignRequests);
  // every state the first-sync screen went through (it may be short): recorded as it changes
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __firstSync: string[] }).__firstSync = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="first-sync"]');
      const folders = document.querySelector('[data-testid="folders-empty"]') ? ' [folders-empty]' : '';
      const text = el ? (el.textContent ?? '') + folders : '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(harness.server.url);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  await images?.close();
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect().then(() => imap.mailboxDelete(folder)).then(() => imap.logout()).catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated through the debugging protocol: no request, the page's CSP untouched). */
async function axeViolations(): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

const row = (subject: string) => page.getByTestId('message-row').filter({ hasText: subject });
const frame = () => page.frameLocator('[data-testid="message-frame"]');

async function openFolder(): Promise<void> {
  const ours = page.getByTestId('folder').filter({ hasText: folder });
  for (let i = 0; i < 120 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) await page.getByTestId('sync-retry').click();
    await page.waitForTimeout(500);
  }
  await ours.click();
}

test('first start: the first-sync screen shows progress per folder with French names, then the mailbox', async () => {
  await page.getByTestId('pin-input').fill(doctor.userPin);
  await page.getByTestId('pin-submit').click();
  await openFolder();
  await row(SUBJECT_IMAGES).waitFor();
  const seen = await page.evaluate(() => (window as unknown as { __firstSync: string[] }).__firstSync);
  assert.ok(seen.length > 0, 'the first-sync screen was shown');
  assert.ok(seen.every((t) => t.includes('Première synchronisation')));
  assert.ok(seen.some((t) => t.includes('[folders-empty]')), 'the folder list had its placeholder');
  const all = seen.join('\n');
  assert.match(all, /Boîte de réception/, 'the inbox by its French name');
  assert.doesNotMatch(all, /INBOX/, 'never the server\'s name');
  assert.match(all, new RegExp(folder), 'progress for each folder, ours included');
  assert.equal(await page.getByTestId('first-sync').count(), 0, 'gone once the first pass ended');
});

test('« Relever » starts a sync pass now: a message that arrived since shows up', async () => {
  await append(SUBJECT_LATE, buildEml({ from: `Dr Hélène Martin <${card(state, 'doctorA').address}>`, to: doctor.address, subject: SUBJECT_LATE, body: 'Arrivé plus tard.' }));
  const calls = harness.server.calls.length;
  await page.getByTestId('sync-now').click();
  // the click returns before the page's request reaches the harness: wait for it (it is the event)
  await waitUntil('the button asking main for a sync pass', () => harness.server.calls.slice(calls).some((c) => c.channel === 'sync.now'), { timeoutMs: 10_000 });
  await row(SUBJECT_LATE).waitFor({ timeout: 30_000 });
});

test('remote images: blocked; "cette fois" shows the https one through main only; http refused', async () => {
  await row(SUBJECT_IMAGES).click();
  await page.getByTestId('message-frame').waitFor();
  const bar = page.getByTestId('remote-images-bar');
  assert.match(await bar.innerText(), /2 images distantes bloquées/);
  assert.equal(await frame().locator('img[src]').count(), 0, 'no src at all before the choice');
  await screenshot(page, 'window/01-images-bloquees');
  assert.deepEqual(await axeViolations(), [], 'axe: the remote images bar');
  await bar.getByTestId('show-images').click();
  const https = frame().locator('img[alt="image https"]');
  await page.waitForFunction(() => {
    const doc = (document.querySelector('[data-testid="message-frame"]') as HTMLIFrameElement | null)?.contentDocument;
    const img = doc?.querySelector('img[alt="image https"]') as HTMLImageElement | null;
    return !!img?.complete && img.naturalWidth > 0;
  });
  assert.match((await https.getAttribute('src')) ?? '', /^data:image\/png;base64,/, 'the copy main fetched');
  assert.equal(await frame().locator('img[alt="image http"]').getAttribute('src'), null, 'http never loaded');
  assert.match(await page.getByTestId('images-refused').innerText(), /1 image non affichée : adresse non sécurisée \(http\)/);
  assert.equal(await page.getByTestId('remote-images-bar').count(), 0);
  await screenshot(page, 'window/02-images-cette-fois');
  // who asked: main only (no browser user agent, no cookie, no referrer); the http server heard nothing
  assert.deepEqual(images.requests.map((r) => `${r.scheme} ${r.path}`), ['https /pixel-1.png']);
  for (const r of images.requests) {
    assert.equal(r.headers['user-agent'], undefined, 'not the view (a browser sends its user agent)');
    assert.equal(r.headers.cookie, undefined);
    assert.equal(r.headers.referer, undefined);
  }
  assert.deepEqual(foreignRequests, [], 'the page itself asked for nothing outside the harness');
});

test('remote images: "toujours pour cet expéditeur" is remembered for the sender\'s other messages', async () => {
  await row(SUBJECT_IMAGES_2).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_IMAGES_2 }).waitFor();
  const bar = page.getByTestId('remote-images-bar');
  await bar.waitFor();
  assert.equal(await frame().locator('img[src]').count(), 0, '"cette fois" was for the other message only');
  await bar.getByTestId('images-always').click();
  await frame().locator('img[alt="image https"][src^="data:image/png"]').waitFor();
  // back to the first message: shown at once, no question
  await row(SUBJECT_IMAGES).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_IMAGES }).waitFor();
  await frame().locator('img[alt="image https"][src^="data:image/png"]').waitFor();
  assert.match(await page.getByTestId('remote-images-choice').innerText(), /toujours affichées/);
  assert.equal(await page.getByTestId('remote-images-bar').count(), 0);
  const stored = JSON.parse(readFileSync(join(home, 'remote-images.json'), 'utf8')) as { senders: Record<string, string> };
  assert.equal(stored.senders[NEWSLETTER], 'always', 'kept in the data folder for the next start');
  assert.equal(images.requests.filter((r) => r.scheme === 'http').length, 0);
  assert.deepEqual(foreignRequests, []);
  await screenshot(page, 'window/03-images-toujours');
  assert.deepEqual(await axeViolations(), [], 'axe: the sender choice bar');
  // back to asking
  await page.getByTestId('images-ask').click();
  await row(SUBJECT_IMAGES_2).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_IMAGES_2 }).waitFor();
  await page.getByTestId('remote-images-bar').waitFor();
});

test('dark mode: the HTML body sits on a light, outlined card, not a glaring white box', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    await row(SUBJECT_IMAGES).click();
    await page.getByTestId('message-subject').filter({ hasText: SUBJECT_IMAGES }).waitFor();
    const el = page.getByTestId('message-frame');
    await el.waitFor();
    const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: number[]) => (0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!) / 255;
    const box = await el.evaluate((f) => {
      const s = getComputedStyle(f);
      return { width: parseFloat(s.borderTopWidth), color: s.borderTopColor, radius: parseFloat(s.borderTopLeftRadius), page: getComputedStyle(document.body).backgroundColor };
    });
    assert.ok(box.width >= 1, 'a border');
    assert.ok(lum(rgb(box.color)) - lum(rgb(box.page)) > 0.25, `the border (${box.color}) stands out from the dark page (${box.page})`);
    assert.ok(box.radius >= 6, 'a card, rounded');
    const inner = await frame().locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
    const l = lum(rgb(inner));
    assert.ok(l > 0.8, `the mail stays on a light background (${inner})`);
    assert.notEqual(inner, 'rgb(255, 255, 255)', 'softened, not pure white');
    await screenshot(page, 'window/04-theme-sombre-carte');
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
});

/** Boxes wider than they are (scrollWidth > clientWidth): the panes and popups of the current state. */
async function overflowing(selectors: string[]): Promise<string[]> {
  return page.evaluate((sels) => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
    for (const sel of sels) {
      const els = [...document.querySelectorAll(sel)] as HTMLElement[];
      if (!els.length) out.push(`${sel}: absent`);
      for (const el of els) {
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${sel} scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`);
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1) out.push(`${sel} goes past the window: ${Math.round(r.right)} > ${window.innerWidth}`);
      }
    }
    return out;
  }, selectors);
}

test('1024×700: no pane or popup scrolls sideways; list title whole; attachment names ellipsised on one line', async () => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByTestId('folder').filter({ hasText: 'Boîte de réception' }).click();
  await page.getByTestId('list-title').filter({ hasText: 'Boîte de réception' }).waitFor();
  await page.getByTestId('folder').filter({ hasText: folder }).click();
  await row(SUBJECT_FILES).click();
  await page.getByTestId('attachment').waitFor();
  const found = await overflowing(['header.top', 'nav.folders', 'section.list', '[data-testid="list-title"]', 'main.right', '[data-testid="reading-pane"]', '[data-testid="attachment"]', '[data-testid="sync-status"]']);
  const title = await page.getByTestId('list-title').evaluate((h) => ({ full: h.scrollWidth <= h.clientWidth, text: h.textContent }));
  assert.ok(title.full, `the list title "${title.text}" is cut`);
  const att = await page.getByTestId('attachment').evaluate((li) => {
    const name = li.querySelector('[data-testid="attachment-name"]') as HTMLElement;
    const lineHeight = parseFloat(getComputedStyle(name).lineHeight) || 20;
    const row = li.getBoundingClientRect();
    // the end of the name, as shown: the last element child of the name that holds text
    const range = document.createRange();
    range.selectNodeContents(name);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const lastRect = rects.at(-1)!;
    const hit = document.elementFromPoint(lastRect.right - 2, lastRect.top + lastRect.height / 2);
    return {
      rowHeight: row.height,
      lineHeight,
      nameHeight: name.getBoundingClientRect().height,
      sizeHeight: (li.querySelector('.size') as HTMLElement).getBoundingClientRect().height,
      text: name.textContent ?? '',
      endVisible: !!hit && name.contains(hit) && lastRect.right <= row.right,
      endText: hit?.textContent ?? '',
    };
  });
  assert.ok(att.nameHeight <= att.lineHeight * 1.5, `the attachment name takes one line (${att.nameHeight}px)`);
  assert.ok(att.sizeHeight <= att.lineHeight * 1.5, `the size takes one line (${att.sizeHeight}px)`);
  assert.match(att.text, /…/);
  assert.ok(att.endVisible && /\.pdf$/.test(att.endText), `the end of the name and its extension are shown (${att.endText})`);
  await screenshot(page, 'window/05-1024x700-lecture');
  assert.deepEqual(found, []);
});

test('1024×700: compose — the autocomplete popup and the recipient tags stay inside their boxes', async () => {
  await page.getByTestId('new-message').click();
  const to = page.getByTestId('recipient-input-À');
  for (const q of ['dubois', 'martin', 'dupont']) {
    await to.fill(q);
    await page.getByTestId('suggestion').first().waitFor();
    await to.press('Enter');
  }
  await to.fill('d');
  await to.fill('du');
  await page.getByTestId('suggestion').first().waitFor();
  const found = await overflowing(['[data-testid="compose"]', '[data-testid="suggestions"]', '[data-testid="suggestion"]', '[data-testid="recipient-chip"]']);
  const chips = await page.getByTestId('recipient-chip').evaluateAll((els) => els.map((c) => {
    const r = c.getBoundingClientRect();
    const box = c.parentElement!.getBoundingClientRect();
    return { inside: r.left >= box.left - 1 && r.right <= box.right + 1, text: c.textContent };
  }));
  assert.ok(chips.length >= 3);
  for (const c of chips) assert.ok(c.inside, `tag "${c.text}" cut by its box`);
  await screenshot(page, 'window/06-1024x700-autocompletion');
  await to.press('Escape');
  await page.getByRole('button', { name: 'Abandonner' }).click();
  assert.deepEqual(found, []);
});

test('1024×700: the lock screen fits too', async () => {
  await page.getByRole('button', { name: 'Verrouiller la session' }).click();
  await page.getByTestId('pin-input').waitFor();
  const found = await overflowing(['main.lock', '[data-testid="lock-screen"]', '[data-testid="pin-dialog"]']);
  await screenshot(page, 'window/07-1024x700-verrouillage');
  assert.deepEqual(found, []);
});
