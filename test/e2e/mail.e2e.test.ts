// The doctor's window against the real core and the bench: the renderer in
// Chromium, the contract over the loopback harness, the CPS card (bench SoftHSM
// token through cps-sim), sync from the bench's Dovecot into the encrypted
// store, annuaire + liste blanche. Screenshots go to test-artifacts/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { MssanteApi } from '../../src-main/ipc/contract.js';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { waitForMail } from '../support/mailbox.js';
import { buildEml } from '../support/mail-fixtures.js';
import { generateCorpus } from '../testbed/corpus.js';
import { openBrowser, refuseForeignRequests, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';
import { freePort } from '../support/ports.js';

const state = loadTestbed();
// doctorB: the bench's doctorA is the busiest card of the other suites.
const doctor = card(state, 'doctorB');
const sender = card(state, 'doctorA');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-ui-${tag}`;
const COUNTER_PORT = await freePort();
const SUBJECT_ECHO = `Compte rendu d’échographie thyroïdienne ${tag}`;
const SUBJECT_HOSTILE = `Invitation au webinaire ${tag}`;
const LINK = 'https://exemple-hors-sante.fr/inscription';
const REMOTE = `http://127.0.0.1:${COUNTER_PORT}`;
const HOSTILE_HTML = `<html><head>
<meta http-equiv="refresh" content="0;url=${REMOTE}/refresh">
<link rel="stylesheet" href="${REMOTE}/style.css">
<style>@import url(${REMOTE}/import.css); body { background: url(${REMOTE}/bg.png) }</style>
<script>window.top.__pwned = 'script'; fetch('${REMOTE}/script');</script>
<base href="${REMOTE}/">
</head><body onload="window.top.__pwned='onload'">
<p>Inscrivez-vous à notre <a href="${LINK}">webinaire</a>.</p>
<img src="${REMOTE}/pixel.png" alt="pixel">
<img src="x" onerror="window.top.__pwned='onerror'; new Image().src='${REMOTE}/onerror'">
<div style="background-image:url(${REMOTE}/div.png)">fond</div>
<iframe src="${REMOTE}/frame"></iframe>
<object data="${REMOTE}/object"></object>
<svg><script>window.top.__pwned='svg'</script><image href="${REMOTE}/svg.png"/></svg>
<form action="${REMOTE}/form"><input name="q"><button>Envoyer</button></form>
<a href="javascript:window.top.__pwned='js-link'">cliquez</a>
<video src="${REMOTE}/video.mp4" poster="${REMOTE}/poster.png"></video>
</body></html>`;

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;
let counter: Server;
const counterHits: string[] = [];
const foreignRequests: string[] = [];

async function appendFixtures(): Promise<void> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.mailboxCreate(folder);
  const corpus = [...generateCorpus({ count: 12, seed: 5, recipient: doctor.address })];
  const xdm = corpus.find((m) => m.kind === 'xdm');
  assert.ok(xdm, 'the corpus generator yields an IHE_XDM.ZIP message');
  await imap.append(folder, buildEml({
    from: `Dr Hélène Martin <${sender.address}>`,
    to: doctor.address,
    subject: SUBJECT_ECHO,
    body: 'Cher confrère,\r\nL’échographie thyroïdienne de votre patiente est normale.\r\nBien confraternellement.',
    date: new Date(Date.now() - 3600_000),
    attachment: { filename: 'Échographie.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') },
  }), []);
  await imap.append(folder, buildEml({
    from: `Service Communication <contact@exemple-hors-sante.fr>`,
    to: doctor.address,
    subject: SUBJECT_HOSTILE,
    html: HOSTILE_HTML,
    body: 'Inscrivez-vous',
    date: new Date(Date.now() - 1800_000),
  }), []);
  await imap.append(folder, xdm.raw, []);
  await imap.logout();
}

/**
 * Messages of one of the doctor's mailboxes with this subject (tooling IMAP): once there is one
 * (Dovecot announces it while we IDLE), or, with `remove`, those there now, deleted.
 */
async function serverCount(mailbox: string, subject: string, remove = false): Promise<number> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  try {
    if (!remove) return (await waitForMail(imap, mailbox, { subject })).length;
    await imap.mailboxOpen(mailbox);
    const uids = (await imap.search({ subject }, { uid: true })) || [];
    if (uids.length) await imap.messageDelete(uids, { uid: true });
    return uids.length;
  } finally {
    await imap.logout();
  }
}

before(async () => {
  counter = createServer((req, res) => {
    counterHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => counter.listen(COUNTER_PORT, '127.0.0.1', resolve));
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
  counter?.close();
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect().then(() => imap.mailboxDelete(folder)).then(() => imap.logout()).catch(() => undefined);
  for (const mailbox of ['INBOX', 'Trash', 'Drafts']) await serverCount(mailbox, tag, true).catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

const row = (subject: string) => page.getByTestId('message-row').filter({ hasText: subject });

test('the lock screen names the card holder and asks for the PIN; content stays hidden', async () => {
  await page.getByTestId('pin-input').waitFor();
  assert.match(await page.getByTestId('card-holder').innerText(), /FRANÇOIS DUBOIS[\s\S]*Médecin/);
  assert.equal(await page.getByTestId('message-list').count(), 0);
  await screenshot(page, '01-verrouillage-carte');
});

test('after the PIN, sync fills the folders with their unread counts', async () => {
  await page.getByTestId('pin-input').fill(doctor.userPin);
  await page.getByTestId('pin-submit').click();
  const ours = page.getByTestId('folder').filter({ hasText: folder });
  // Other suites use the same bench mailbox at the same time (folders created and deleted under
  // the sync's feet): a failed pass shows its French error and "Réessayer", as the doctor would use it.
  for (let i = 0; i < 60 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) {
      console.error(`sync error shown: ${await page.getByTestId('sync-error').innerText()}; retrying`);
      await page.getByTestId('sync-retry').click();
    }
    await page.waitForTimeout(500);
  }
  await ours.waitFor({ timeout: 1000 });
  await ours.getByTestId('unread-count').filter({ hasText: '3' }).waitFor({ timeout: 30_000 });
  await ours.click();
  await row(SUBJECT_ECHO).waitFor();
  assert.equal(await page.getByTestId('message-row').count(), 3);
  assert.match(await page.getByTestId('last-sync').innerText(), /\d{2}\/\d{2}\/\d{4}/);
});

test('opening a message shows the verified badge and its explanation from the annuaire', async () => {
  await row(SUBJECT_ECHO).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_ECHO }).waitFor();
  const badge = page.getByTestId('reading-pane').getByTestId('trust-badge');
  assert.equal(await badge.getAttribute('data-level'), 'verified_professional');
  assert.match(await badge.innerText(), /Professionnel vérifié/);
  await badge.click();
  const explanation = await page.getByTestId('trust-explanation').innerText();
  assert.match(explanation, /HÉLÈNE MARTIN/);
  assert.match(explanation, /Médecin/);
  assert.match(explanation, /99700100011/);
  assert.match(await page.getByTestId('message-text').innerText(), /thyroïdienne de votre patiente est normale/);
  assert.match(await page.getByTestId('attachment').innerText(), /Échographie\.pdf/);
  // French date in the headers
  assert.match(await page.getByTestId('reading-pane').innerText(), /(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} \p{L}+ \d{4}/u);
  await screenshot(page, '02-lecture-badge-explication');
  await badge.click();
  await page.getByRole('button', { name: 'Ouvrir Échographie.pdf' }).click();
  await page.getByText('Pièce jointe ouverte.').waitFor();
  assert.deepEqual(harness.core.opened.attachments, ['Échographie.pdf']);
  // opening marked it read: one unread less in the folder
  await page.getByTestId('folder').filter({ hasText: folder }).getByTestId('unread-count').filter({ hasText: '2' }).waitFor();
});

test('keyboard: arrows move the selection, Enter opens, R replies', async () => {
  const list = page.getByTestId('message-list');
  await list.focus();
  await page.keyboard.press('Home');
  const first = await page.locator('[data-testid="message-row"][aria-selected="true"]').getAttribute('data-id');
  await page.keyboard.press('ArrowDown');
  const second = await page.locator('[data-testid="message-row"][aria-selected="true"]').getAttribute('data-id');
  assert.notEqual(first, second);
  assert.ok(await list.getAttribute('aria-activedescendant'));
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.locator('[data-testid="message-row"][aria-selected="true"]').getAttribute('data-id'), first);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'reading-pane');
  await list.focus();
  await page.keyboard.press('r');
  await page.getByTestId('compose').waitFor();
  assert.match(await page.getByTestId('compose-subject').inputValue(), /^RE : /);
  await page.getByRole('button', { name: 'Abandonner' }).click();
});

test('the list sorts by date, newest or oldest first', async () => {
  const at = (pos: number) => page.locator(`[data-testid="message-row"][aria-posinset="${pos}"]`);
  assert.ok((await at(1).innerText()).includes(SUBJECT_HOSTILE), 'newest first by default');
  await page.getByRole('button', { name: /Trier par date/ }).click();
  await at(3).filter({ hasText: SUBJECT_HOSTILE }).waitFor({ timeout: 10_000 });
  assert.ok(!(await at(1).innerText()).includes(SUBJECT_HOSTILE), 'oldest first after the click');
  assert.equal(await page.getByText(/n’est pas disponible/).count(), 0, 'the core answers this sort');
  await page.getByRole('button', { name: /Trier par date/ }).click();
  await at(1).filter({ hasText: SUBJECT_HOSTILE }).waitFor({ timeout: 10_000 });
});

test('hostile HTML: no script runs, no request leaves, links only after confirmation', async () => {
  await row(SUBJECT_HOSTILE).click();
  const frame = page.getByTestId('message-frame');
  await frame.waitFor();
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), undefined);
  const inner = page.frameLocator('[data-testid="message-frame"]');
  assert.match(await inner.locator('body').innerText(), /Inscrivez-vous/);
  assert.equal(await inner.locator('script, iframe, object, form, svg, video, link, meta[http-equiv="refresh"], base').count(), 0);
  assert.equal(await frame.getAttribute('sandbox'), 'allow-same-origin');
  assert.match((await page.getByTestId('remote-images-bar').innerText()), /image.* distante.* bloquée/);
  await screenshot(page, '03-html-hostile-bloque');
  const badge = page.getByTestId('reading-pane').getByTestId('trust-badge');
  assert.equal(await badge.getAttribute('data-level'), 'outside_trust_space');
  await badge.hover();
  assert.match(await page.getByTestId('trust-explanation').innerText(), /hors espace de confiance/i);
  await screenshot(page, '03b-badge-hors-espace-confiance');
  await page.mouse.move(5, 5);
  // a link goes through a confirmation, then through the contract (link.open)
  await inner.getByText('webinaire').click();
  assert.equal(await page.getByTestId('confirm-url').innerText(), LINK);
  assert.deepEqual(harness.core.opened.links, []);
  await page.getByTestId('confirm-ok').click();
  await page.getByText('Lien ouvert dans le navigateur.').waitFor();
  assert.deepEqual(harness.core.opened.links, [LINK]);
  await page.waitForTimeout(500);
  assert.deepEqual(counterHits, [], 'the loopback server saw no request');
  assert.deepEqual(foreignRequests, [], 'the page asked for nothing outside the harness');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), undefined);
});

test('an IHE_XDM.ZIP attachment is shown as a structured document', async () => {
  await page.getByTestId('message-row').filter({ hasNotText: tag }).first().click();
  const xdm = page.getByTestId('xdm-summary');
  await xdm.waitFor();
  assert.match(await xdm.innerText(), /Patient/);
  assert.match(await xdm.innerText(), /INS/);
  await page.getByRole('button', { name: 'Afficher le document' }).click();
  await page.getByTestId('xdm-summary').getByTestId('message-frame').first().waitFor();
  await screenshot(page, '04-document-xdm');
});

test('search over the FTS index ignores accents', async () => {
  await page.locator('body').click({ position: { x: 700, y: 790 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
  for (const q of [`echographie ${tag}`, `ÉCHOGRAPHIE thyroidienne ${tag}`]) {
    await page.getByTestId('search').fill(q);
    await page.keyboard.press('Enter');
    await page.getByTestId('list-title').filter({ hasText: 'Résultats' }).waitFor();
    await row(SUBJECT_ECHO).waitFor();
    assert.equal(await page.getByTestId('message-list').getAttribute('data-total'), '1', q);
  }
  await screenshot(page, '05-recherche-sans-accents');
  await page.getByTestId('search').fill('zzzzintrouvable');
  await page.keyboard.press('Enter');
  await page.getByText('Aucun message ne correspond à la recherche.').waitFor();
  await page.getByTestId('search').press('Escape');
});

test('compose: annuaire autocomplete with badge and dématérialisation, blocking warning outside the trust space, send', async () => {
  await page.getByTestId('new-message').click();
  const to = page.getByTestId('recipient-input-À');
  await to.fill('dupon');
  const suggestion = page.getByTestId('suggestion').filter({ hasText: 'Jean DUPONT' });
  await suggestion.waitFor();
  assert.match(await suggestion.innerText(), /Professionnel vérifié/);
  assert.match(await suggestion.innerText(), /Cardiologie/);
  assert.equal(await suggestion.getByTestId('demat-flag').count(), 1);
  await screenshot(page, '06-redaction-autocompletion');
  await to.press('Escape');
  // the message goes to a real mailbox of the bench (the doctor's own), through the outbox
  await to.fill('dubois');
  await page.getByTestId('suggestion').filter({ hasText: 'FRANÇOIS DUBOIS' }).waitFor();
  await to.press('Enter');
  await page.locator('[data-testid="recipient-chip"][data-in-trust-space="true"]').filter({ hasText: doctor.address }).waitFor();
  await to.fill('patient.personnel@gmail.com');
  await to.press('Enter');
  await page.getByTestId('outside-warning').waitFor();
  await page.getByTestId('compose-subject').fill(`Avis cardiologique ${tag}`);
  await page.getByTestId('compose-body').fill('Cher confrère, pourriez-vous voir ce patient ?');
  // drafts save themselves two seconds after the last change
  await page.getByTestId('compose').getByText(/Brouillon enregistré à \d{2}:\d{2}/).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('compose-send').isDisabled(), true, 'outside the trust space blocks sending');
  // the confirmation names the recipient and is given per recipient, for this message
  const confirm = page.getByTestId('confirm-outside').filter({ hasText: 'patient.personnel@gmail.com' });
  assert.equal(await confirm.count(), 1);
  await confirm.locator('input').check();
  assert.equal(await page.getByTestId('compose-send').isDisabled(), false, 'sendable once this recipient is confirmed');
  await confirm.locator('input').uncheck();
  assert.equal(await page.getByTestId('compose-send').isDisabled(), true);
  await screenshot(page, '07-redaction-hors-espace-confiance');
  await page.getByRole('button', { name: 'Retirer patient.personnel@gmail.com' }).click();
  assert.equal(await page.getByTestId('outside-warning').count(), 0);
  // attachment by drag and drop
  const drop = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['Compte rendu'], 'compte-rendu.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.getByTestId('compose').locator('form').dispatchEvent('drop', { dataTransfer: drop });
  await page.getByTestId('compose-attachment').filter({ hasText: 'compte-rendu.txt' }).waitFor();
  await page.getByTestId('compose-send').click();
  await page.getByTestId('notice').filter({ hasText: 'boîte d’envoi' }).waitFor({ timeout: 15_000 });
  const sent = harness.server.calls.filter((c) => c.channel === 'compose.send');
  assert.equal(sent.length, 1);
  const draft = (sent[0]!.request as { draft: { to: { address: string }[]; subject: string; attachments: unknown[] } }).draft;
  assert.deepEqual(draft.to.map((a) => a.address), [doctor.address]);
  assert.equal(draft.attachments.length, 1);
  // the outbox sends it with the card; it arrives in the mailbox
  let state = '';
  for (let i = 0; i < 100 && state !== 'sent'; i++) {
    await page.waitForTimeout(200);
    const r = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.outbox.list());
    state = r.ok ? (r.value.items.find((x) => x.subject.includes('Avis cardiologique'))?.state ?? '') : r.error.code;
  }
  assert.equal(state, 'sent');
  // "placé dans la boîte d'envoi" is no longer true: the notice goes
  await page.getByTestId('notice').filter({ hasText: 'boîte d’envoi' }).waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await serverCount('INBOX', `Avis cardiologique ${tag}`), 1);
});

test('Delete moves the selected message to the trash, on the server too', async () => {
  await row(SUBJECT_HOSTILE).click();
  await page.getByTestId('message-list').focus();
  await page.keyboard.press('Delete');
  await page.getByTestId('notice').filter({ hasText: 'Message placé dans la corbeille.' }).waitFor();
  await row(SUBJECT_HOSTILE).waitFor({ state: 'detached' });
  // the move is replayed to the server by the next sync pass, which brings it back into the trash
  await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.sync.now());
  assert.equal(await serverCount('Trash', SUBJECT_HOSTILE), 1);
  await page.getByTestId('folder').filter({ hasText: 'Corbeille' }).click();
  await row(SUBJECT_HOSTILE).waitFor({ timeout: 20_000 });
  await page.getByTestId('folder').filter({ hasText: folder }).click();
});

test('dark theme follows the OS', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await row(SUBJECT_ECHO).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_ECHO }).waitFor();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(23, 25, 29)');
  await screenshot(page, '08-theme-sombre');
  await page.emulateMedia({ colorScheme: 'light' });
});
