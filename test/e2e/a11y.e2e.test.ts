// Accessibility of the doctor's window (issue 15 point 12), against the real core and the bench, in
// Chromium: axe-core (npm package, evaluated through the debugging protocol) finds no violation of
// any impact on every state of the window (the first-sync screen too, held mid-pass by a silent
// IMAP proxy); Tab after the message frame comes back into the app (never to the browser's own
// UI), and in Electron's layout (main's message view, played by the harness) Tab hands the
// keyboard to main and takes it back on the right side; and a doctor reads a message, replies and
// sends it with the keyboard only: the reply is found in the sender's mailbox on the bench.
// Screenshots go to test-artifacts/e2e/a11y/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { waitForMail } from '../support/mailbox.js';
import { waitUntil } from '../support/wait.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { buildEml } from '../support/mail-fixtures.js';
import { generateCorpus } from '../testbed/corpus.js';
import { hostileSet, malformedSet } from '../testbed/corpus-hostile.js';
import { buildXdmZip } from '../../src-main/xdm/build-xdm.js';
import { resultsFixture } from '../unit/results/fixtures.js';
import { COLLEAGUES, openBrowser, refuseForeignRequests, prepareHome, saveUnreachableCardAccount, screenshot, startHarness, type Browsing, type Harness } from './support.js';
import { ORG_CLIENT, ORG_DOMAIN } from '../testbed/config.js';

const state = loadTestbed();
const doctor = card(state, 'doctorB');
const sender = card(state, 'doctorA');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-a11y-${tag}`;
const emptyFolder = `e2e-a11y-vide-${tag}`;
const S = {
  plain: `Compte rendu de consultation ${tag}`,
  html: `Lettre de liaison ${tag}`,
  patient: `Question de Mme PAT-TROIS ${tag}`,
  results: `Résultats de biologie ${tag}`,
};
const PATIENT = { ins: '279035121518989', oid: '1.2.250.1.213.1.4.10', traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const } };

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;
const foreignRequests: string[] = [];

async function appendFixtures(): Promise<void> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.mailboxCreate(folder);
  await imap.mailboxCreate(emptyFolder);
  const at = (i: number) => new Date(Date.UTC(2026, 10, 20, 8, i));
  const xdm = [...generateCorpus({ count: 12, seed: 5, recipient: doctor.address })].find((m) => m.kind === 'xdm');
  assert.ok(xdm);
  const edge = [...hostileSet(doctor.address), ...malformedSet(doctor.address)];
  const altered = edge.find((m) => m.name === 'xdm-altered')!;
  const placeholder = edge.find((m) => m.name === 'wrong-boundary')!;
  const labXdm = buildXdmZip({ documents: [{ cdaXml: resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml') }], patient: PATIENT, author: { lastName: 'CAMPARINI', firstName: 'Marcel' } });
  const messages = [
    xdm.raw,
    altered.raw,
    placeholder.raw,
    buildEml({ from: `Laboratoire des charmes <${sender.address}>`, to: doctor.address, subject: S.results, body: 'Compte rendu de biologie.', attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(labXdm) } }),
    buildEml({ from: `Dominique PAT-TROIS <${state.patients.accept}>`, to: doctor.address, subject: S.patient, body: 'Bonjour docteur, une question sur mon traitement.' }),
    buildEml({ from: `Dr Hélène Martin <${sender.address}>`, to: doctor.address, subject: S.html, body: 'Lettre de liaison', html: '<p>Cher confrère,</p><p>Voir <a href="https://exemple.fr/protocole">le protocole</a>.</p>' }),
    buildEml({ from: `Dr Hélène Martin <${sender.address}>`, to: doctor.address, subject: S.plain, body: 'Cher confrère,\r\nVotre patient a été vu ce jour.\r\nBien confraternellement.' }),
  ];
  for (const [i, raw] of messages.entries()) await imap.append(folder, raw, [], at(i));
  await imap.logout();
}

/** Messages with this subject in a mailbox of `user` (tooling IMAP), waiting for delivery on Dovecot's EXISTS. */
async function serverCount(user: string, mailbox: string, subject: string): Promise<number> {
  const imap = plainImapClient(state, { user });
  imap.on('error', () => undefined);
  await imap.connect();
  try {
    return (await waitForMail(imap, mailbox, { subject }, { timeoutMs: 20_000 })).length;
  } finally {
    await imap.logout();
  }
}

before(async () => {
  await appendFixtures();
  process.env.SOFTHSM2_CONF = state.softhsm.conf;
  home = await prepareHome({ state, doctor });
  harness = await startHarness({ home, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
  browsing = await openBrowser();
  page = browsing.page;
  await refuseForeignRequests(page, harness.server.origin, foreignRequests);
  await page.goto(harness.server.url);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap
    .connect()
    .then(async () => {
      for (const f of [folder, emptyFolder]) await imap.mailboxDelete(f).catch(() => undefined);
    })
    .then(() => imap.logout())
    .catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const found: string[] = [];

/** axe-core over the whole document; every violation (any impact) is kept with the state's name. */
async function axe(name: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  for (const v of violations) found.push(`${name}: ${v}`);
  await screenshot(page, `a11y/${name}`);
}

const row = (subject: string) => page.getByTestId('message-row').filter({ hasText: subject });
const folderButton = (name: string) => page.getByTestId('folder').filter({ hasText: name });

async function open(subject: string): Promise<void> {
  await row(subject).click();
  await page.getByTestId('message-subject').filter({ hasText: subject }).waitFor();
}

// A string, not a function: the test transpiler would wrap a named inner function with a helper the page lacks.
const FOCUSED = `(() => {
  const describe = (el) => {
    if (!el || el === document.body) return 'body';
    const id = el.getAttribute('data-testid') || el.id;
    return el.tagName.toLowerCase() + (id ? '#' + id : '') + (el.textContent ? ':' + el.textContent.trim().slice(0, 30) : '');
  };
  const active = document.activeElement;
  if (active instanceof HTMLIFrameElement) return 'frame>' + describe(active.contentDocument ? active.contentDocument.activeElement : null);
  return describe(active);
})()`;

/** The focused element, described: inside the message frame when focus is there. */
function focused(): Promise<string> {
  return page.evaluate(FOCUSED) as Promise<string>;
}

/** Presses Tab (or Shift+Tab) until `want` matches the focused element; every step must stay in the app. */
async function tabTo(want: RegExp, opts: { back?: boolean; max?: number } = {}): Promise<string[]> {
  const path: string[] = [];
  for (let i = 0; i < (opts.max ?? 80); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const now = await focused();
    path.push(now);
    assert.ok(page.isClosed() === false && (await page.evaluate(() => document.hasFocus())), `focus left the page after ${path.join(' → ')}`);
    assert.notEqual(now, 'body', `Tab left the app (to the browser) after ${path.join(' → ')}`);
    if (want.test(now)) return path;
  }
  assert.fail(`never reached ${want} by Tab: ${path.join(' → ')}`);
}

test('the lock screen, then the PIN typed and confirmed with the keyboard', async () => {
  await page.getByTestId('pin-input').waitFor();
  await axe('01-verrouillage');
  await page.getByTestId('pin-input').focus();
  await page.keyboard.type(doctor.userPin);
  await page.keyboard.press('Enter');
  const ours = folderButton(folder);
  for (let i = 0; i < 120 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) await page.getByTestId('sync-retry').click();
    await page.waitForTimeout(500);
  }
  await ours.getByTestId('unread-count').filter({ hasText: '7' }).waitFor({ timeout: 60_000 });
});

test('axe-core: no violation of any impact on every state of the window', async () => {
  await folderButton(emptyFolder).click();
  await page.getByTestId('list-title').filter({ hasText: emptyFolder }).waitFor();
  await axe('02-dossier-vide');

  await folderButton(folder).click();
  await row(S.plain).waitFor();
  await row(S.results).getByTestId('row-abnormal').waitFor({ timeout: 30_000 });
  await axe('03-liste');

  await open(S.plain);
  await axe('04-message-texte');
  await open(S.html);
  await page.getByTestId('message-frame').waitFor();
  await axe('05-message-html');
  await open(S.patient);
  await axe('06-message-patient');
  await open(S.results);
  await page.getByTestId('results').waitFor();
  await axe('07-resultats');

  // the XDM messages and the unreadable body: found by what they show, not their subject
  const seen = new Set<string>();
  for (const r of await page.getByTestId('message-row').all()) {
    await r.click();
    await page.getByTestId('message-subject').waitFor();
    await page.getByTestId('message-text').or(page.getByTestId('message-frame')).or(page.getByTestId('body-placeholder')).or(page.getByTestId('xdm-summary')).first().waitFor();
    if (await page.getByTestId('xdm-altered').count()) {
      seen.add('altered');
      await axe('08-xdm-altere');
    } else if ((await page.getByTestId('xdm-summary').count()) && !(await page.getByTestId('results').count())) {
      seen.add('xdm');
      await axe('09-message-xdm');
      await page.getByRole('button', { name: 'Afficher le document' }).first().click();
      await page.getByTestId('xdm-summary').getByTestId('message-frame').first().waitFor();
      await axe('10-document-xdm');
    } else if (await page.getByTestId('body-placeholder').count()) {
      seen.add('placeholder');
      await axe('11-corps-illisible');
      await page.getByTestId('show-source').click();
      await page.getByTestId('message-source').waitFor();
      await axe('12-source');
    }
  }
  assert.deepEqual([...seen].sort(), ['altered', 'placeholder', 'xdm']);

  await page.getByTestId('search').fill(tag);
  await page.getByTestId('search').press('Enter');
  await page.getByTestId('list-title').filter({ hasText: 'Résultats pour' }).waitFor();
  await row(S.plain).waitFor();
  await axe('13-recherche');
  await page.getByTestId('search').press('Escape');

  await page.getByTestId('new-message').click();
  await page.getByTestId('compose').waitFor();
  await axe('14-nouveau-message');
  const to = page.getByTestId('recipient-input-À');
  await to.fill('dupo');
  await page.getByTestId('suggestion').first().waitFor();
  await axe('15-autocompletion');
  await to.press('Escape');
  await to.fill('confrere.cardio@gmail.com');
  await to.press('Enter');
  await page.getByTestId('outside-warning').waitFor();
  await axe('16-hors-espace-de-confiance');
  await page.getByRole('button', { name: 'Abandonner' }).click();
  await page.getByTestId('compose').waitFor({ state: 'detached' });

  // offline, with the sync's French error (the status the core emits when the server is out of reach)
  harness.server.emit('sync.status', { online: false, state: 'offline', lastSyncAt: null, error: { code: 'NETWORK_UNREACHABLE', message: 'Serveur de messagerie injoignable : les messages restent lisibles hors ligne.' } });
  await page.getByTestId('sync-error').waitFor();
  await axe('17-hors-ligne');
  await page.getByTestId('sync-retry').click();

  assert.deepEqual(found, []);
  assert.deepEqual(foreignRequests, []);
});

test('axe-core: « Réglages » (preferences, clinic rules read-only, account facts) has no violation either', async () => {
  await page.getByTestId('open-settings').click();
  await page.getByTestId('clinic-rules').waitFor();
  const before = found.length;
  await axe('18-reglages');
  assert.deepEqual(found.slice(before), []);
  await page.getByTestId('settings-close').click();
});

test('Tab after the message frame comes back into the app, and wraps from the last control to the first', async () => {
  await folderButton(folder).click();
  await open(S.html);
  await page.getByTestId('message-frame').waitFor();
  await page.getByRole('button', { name: 'Répondre', exact: true }).focus();
  // into the frame, to its link
  await tabTo(/^frame>a:le protocole/);
  // out of it: every Tab lands on a control of the app, until the search field at the top again
  await tabTo(/^input#search/);
  // and backwards, from the first control to the last and on into the frame
  await tabTo(/^frame>a:le protocole/, { back: true });
});

test('Electron: Tab hands the keyboard to main’s message view at the message area and takes it back on the right side, wrapping (main’s side played by the harness)', async () => {
  const view = harness.core.messageView;
  const holderLike = /^div#message-view-holder/;
  /** the focus request main received, once the page's request reached the harness */
  const request = async (n: number): Promise<boolean> => {
    await waitUntil('the page asking main to focus its view', () => view.focusRequests.length >= n, { timeoutMs: 10_000 });
    return view.focusRequests[n - 1]!;
  };
  /** main gives the keyboard back (messageView.focusLeft), as the shell does: the focus moves off the holder */
  const leave = async (to: 'next' | 'previous'): Promise<string> => {
    harness.server.emit('messageView.focusLeft', { to });
    return waitUntil(`the focus moved ${to}`, async () => { const f = await focused(); return holderLike.test(f) ? '' : f; }, { timeoutMs: 10_000 });
  };
  view.isolated = true;
  try {
    await page.reload();
    await folderButton(folder).click();
    await open(S.html);
    await page.locator('[data-testid="message-view-holder"][data-tab-stops="1"]').waitFor();
    assert.equal(await page.getByTestId('message-frame').count(), 0, 'no frame: the body is main’s view');
    await axe('18-message-html-vue-electron');

    await page.getByRole('button', { name: 'Répondre', exact: true }).focus();
    let asked = view.focusRequests.length;
    await tabTo(holderLike);
    assert.equal(await request(++asked), false, 'Tab: main focuses the view’s first link');
    // past the view's last link: the control after the message area
    const after = await leave('next');
    await page.keyboard.press('Shift+Tab');
    assert.match(await focused(), holderLike);
    assert.equal(await request(++asked), true, 'Shift+Tab from there: back into the view, on its last link');
    // before the view's first link: the control before the message area
    const before = await leave('previous');
    assert.notEqual(before, after);
    await page.keyboard.press('Tab');
    assert.match(await focused(), holderLike, 'the control before it is followed by the message');
    assert.equal(await request(++asked), false);
    // the cycle wraps: from after the message to the end of the app, round to the top and backwards into it again
    await leave('next');
    await tabTo(/^input#search/);
    await tabTo(holderLike, { back: true });
    assert.equal(await request(++asked), true);
    // Escape in the view: the message area itself; Tab then leaves it without entering again
    await leave('next');
    harness.server.emit('messageView.focusLeft', { to: 'holder' });
    await waitUntil('Escape: the focus on the message area', async () => holderLike.test(await focused()), { timeoutMs: 10_000 });
    await page.keyboard.press('Tab');
    assert.equal(await focused(), after);
    assert.equal(view.focusRequests.length, asked, 'no new entry');
    // main has nothing to focus (no view, no stop): the page goes on to the next control itself
    view.stops = 0;
    await page.keyboard.press('Shift+Tab');
    assert.equal(await request(++asked), true);
    await waitUntil('the page going on past the message area', async () => (await focused()) === before, { timeoutMs: 10_000, detail: () => 'focus stayed elsewhere' });
    assert.deepEqual(found, []);
    assert.deepEqual(foreignRequests, []);
  } finally {
    view.isolated = false;
    await page.reload();
    await folderButton(folder).waitFor();
  }
});

test('keyboard only: read a message, reply and send it; the reply reaches the sender', async () => {
  await page.getByTestId('search').focus();
  // to the folder, opened with Enter
  await tabTo(new RegExp(`^button#folder:${folder}`));
  await page.keyboard.press('Enter');
  await page.getByTestId('list-title').filter({ hasText: folder }).waitFor();
  // to the list, then the message: arrows and Enter
  await tabTo(/^div#message-list/);
  await page.keyboard.press('Home');
  for (let i = 0; i < 10 && !(await row(S.plain).getAttribute('aria-selected'))?.includes('true'); i++) await page.keyboard.press('ArrowDown');
  assert.equal(await row(S.plain).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.getByTestId('message-subject').filter({ hasText: S.plain }).waitFor();
  assert.match(await page.getByTestId('message-text').innerText(), /Votre patient a été vu ce jour/);
  // Répondre
  await tabTo(/^button#reply/);
  await page.keyboard.press('Enter');
  await page.getByTestId('compose').waitFor();
  await tabTo(/^textarea#compose-body/);
  await page.keyboard.type('Merci pour ce compte rendu.');
  await tabTo(/^button#compose-send/);
  await page.keyboard.press('Enter');
  await page.getByTestId('compose').waitFor({ state: 'detached' });
  assert.equal(await serverCount(sender.address, 'INBOX', S.plain), 1, 'the reply (RE: …) arrived in the sender’s INBOX');
});

test('compose: an address pasted with its display name, or a domain, finds its annuaire entry (issue 15 point 13)', async () => {
  await page.getByTestId('new-message').click();
  const to = page.getByTestId('recipient-input-À');
  await to.fill(`Dr Jean DUPONT <${COLLEAGUES[0]!.address}>`);
  await page.getByTestId('suggestion').filter({ hasText: COLLEAGUES[0]!.address }).waitFor();
  await to.press('Enter');
  await page.locator('[data-testid="recipient-chip"][data-in-trust-space="true"]').filter({ hasText: COLLEAGUES[0]!.address }).waitFor();
  await to.fill(`@${ORG_DOMAIN}`);
  await page.getByTestId('suggestion').filter({ hasText: ORG_CLIENT.address }).waitFor();
  await to.press('Escape');
  await page.getByRole('button', { name: 'Abandonner' }).click();
  await page.getByTestId('compose').waitFor({ state: 'detached' });
});

test('first run (no mailbox account set up yet): the first-run screen, then the lock screen and the empty window have no axe violation either', async () => {
  const firstHome = await prepareHome();
  let first = await startHarness({ home: firstHome, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
  const firstPage = await browsing.browser.newPage();
  const saved = page;
  try {
    page = firstPage;
    await page.goto(first.server.url);
    await page.getByTestId('first-run').waitFor();
    await axe('20-premier-lancement');
    // an account whose server does not answer: the lock screen, then a window with no mail yet
    await first.close();
    await saveUnreachableCardAccount(firstHome, doctor.address);
    first = await startHarness({ home: firstHome, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
    await page.goto(first.server.url);
    await page.getByTestId('pin-input').waitFor();
    await axe('21-premier-lancement-verrouillage');
    await page.getByTestId('pin-input').fill(doctor.userPin);
    await page.getByTestId('pin-submit').click();
    await page.getByTestId('new-message').waitFor();
    await page.getByTestId('sync-status').waitFor();
    await axe('22-premier-lancement-sans-message');
    assert.deepEqual(found, []);
  } finally {
    page = saved;
    await firstPage.close();
    await first.close();
    rmSync(firstHome, { recursive: true, force: true });
  }
});

test('the first-sync screen, held mid-pass by a server that stopped answering, has no axe violation', async () => {
  // the bench's Dovecot behind a proxy that goes silent at the core's first progress event: the pass
  // cannot end, so the screen (progress per folder) stays for as long as the check takes
  const proxy = await startFaultProxy({ host: state.host, port: state.ports.imap });
  const syncHome = await prepareHome({ state, doctor });
  const accounts = JsonFileAccountRepository.inHome(syncHome);
  const account = (await accounts.list())[0]!;
  await accounts.save({ ...account, imap: { host: state.host, port: proxy.port, security: 'starttls' } }, { replace: true });
  const held = harnessEvent();
  const sync = await startHarness({
    home: syncHome,
    cardModule: doctor.pkcs11Module,
    tokenRef: doctor.tokenLabel,
    observe: (event) => {
      if (event !== 'sync.progress' || held.fired) return;
      proxy.plan = () => ({ stallAfterBytes: 0 }); // a reconnection meets the same silence
      proxy.stallNow();
      held.fire();
    },
  });
  const syncPage = await browsing.browser.newPage();
  const saved = page;
  try {
    page = syncPage;
    await refuseForeignRequests(page, sync.server.origin, foreignRequests);
    await page.goto(sync.server.url);
    await page.getByTestId('pin-input').fill(doctor.userPin);
    await page.getByTestId('pin-submit').click();
    await held.promise;
    await page.getByTestId('first-sync-folder').first().waitFor();
    await axe('23-premiere-synchronisation');
    assert.equal(await page.getByTestId('first-sync').count(), 1, 'still the first-sync screen after the check');
    assert.deepEqual(found, []);
    assert.deepEqual(foreignRequests, []);
  } finally {
    page = saved;
    await syncPage.close();
    await sync.close();
    await proxy.close();
    rmSync(syncHome, { recursive: true, force: true });
  }
});

/** A one-time signal set from a synchronous callback. */
function harnessEvent(): { fired: boolean; fire(): void; promise: Promise<void> } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  const signal = { fired: false, fire: () => { signal.fired = true; fire(); }, promise };
  return signal;
}
