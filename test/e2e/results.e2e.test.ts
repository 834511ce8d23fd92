// Laboratory results in the doctor's window, against the real core and the
// bench: a CR-BIO report in an IHE_XDM.ZIP and an HPRIM file (windows-1252)
// synced from Dovecot, shown as tables (symbols and words, captions, th scope),
// the critical banner, zero axe-core violations, and PDFs printed by Chromium
// whose text (pdftotext) holds the values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { buildEml } from '../support/mail-fixtures.js';
import { buildXdmZip } from '../../src-main/xdm/build-xdm.js';
import { resultsFixture } from '../unit/results/fixtures.js';
import { openBrowser, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const state = loadTestbed();
const doctor = card(state, 'doctorB');
const sender = card(state, 'doctorA');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-results-${tag}`;
const SUBJECT_XDM = `Compte rendu de biologie TSH ${tag}`;
const SUBJECT_HPRIM = `Résultats HPRIM kaliémie ${tag}`;
const PATIENT = { ins: '279035121518989', oid: '1.2.250.1.213.1.4.10', traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const } };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;

/** The solabio HPRIM file as labs send it (windows-1252, CRLF), with a critical potassium added. */
function hprimWithCriticalValue(): Buffer {
  const bytes = Buffer.from(resultsFixture('header-solabio.cp1252.hpm'));
  const marker = Buffer.from('****LAB****\r\n', 'latin1');
  const at = bytes.indexOf(marker) + marker.length;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from('RES|POTASSIUM|K|N|7.1|mmol/L|3.5|5.0|HH|F\r\n', 'latin1'), bytes.subarray(at)]);
}

async function appendFixtures(): Promise<void> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.mailboxCreate(folder);
  const xdm = buildXdmZip({ documents: [{ cdaXml: resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml') }], patient: PATIENT, author: { lastName: 'CAMPARINI', firstName: 'Marcel' } });
  await imap.append(folder, buildEml({
    from: `Laboratoire des charmes <${sender.address}>`, to: doctor.address, subject: SUBJECT_XDM, date: new Date(Date.now() - 3600_000),
    body: 'Veuillez trouver le compte rendu de biologie.', attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(xdm) },
  }), []);
  await imap.append(folder, buildEml({
    from: `SOLABIO <${sender.address}>`, to: doctor.address, subject: SUBJECT_HPRIM, date: new Date(Date.now() - 1800_000),
    body: 'Résultats ci-joints.', attachment: { filename: 'resultats.hpr', mimeType: 'application/octet-stream', content: hprimWithCriticalValue() },
  }), []);
  await imap.logout();
}

function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-results-pdf-'));
  try {
    writeFileSync(join(dir, 'x.pdf'), bytes);
    return execFileSync('pdftotext', ['-layout', join(dir, 'x.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** axe-core over the results views (evaluated through the devtools protocol: the page's CSP allows no inline script). */
async function axeViolations(selector: string): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async (sel) => {
    const w = window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } };
    const r = await w.axe.run({ include: [sel] }, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selector);
}

const row = (subject: string) => page.getByTestId('message-row').filter({ hasText: subject });

before(async () => {
  await appendFixtures();
  process.env.SOFTHSM2_CONF = state.softhsm.conf;
  home = await prepareHome({ state, doctor });
  harness = await startHarness({ home, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
  browsing = await openBrowser();
  page = browsing.page;
  await page.route('**/*', (route) => (route.request().url().startsWith(harness.server.origin) ? route.continue() : route.abort()));
  await page.goto(harness.server.url);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect().then(() => imap.mailboxDelete(folder)).then(() => imap.logout()).catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

test('after the PIN, both laboratory messages are synced', async () => {
  await page.getByTestId('pin-input').fill(doctor.userPin);
  await page.getByTestId('pin-submit').click();
  const ours = page.getByTestId('folder').filter({ hasText: folder });
  for (let i = 0; i < 60 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) await page.getByTestId('sync-retry').click();
    await page.waitForTimeout(500);
  }
  await ours.click();
  // the rows are listed again when their results counts arrive (mail.changed): wait for that list
  // (the critical mark is computed with the counts), then for both rows, then count
  await row(SUBJECT_HPRIM).getByTestId('row-critical').waitFor({ timeout: 30_000 });
  await row(SUBJECT_XDM).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('message-row').count(), 2);
  // the list rows: critical mark and abnormal count, in words
  await row(SUBJECT_HPRIM).getByTestId('row-critical').waitFor();
  assert.equal(await row(SUBJECT_HPRIM).getByTestId('row-critical').innerText(), '‼ Résultat critique');
  assert.equal(await row(SUBJECT_HPRIM).getByTestId('row-abnormal').innerText(), '1 résultat anormal');
  assert.equal(await row(SUBJECT_XDM).getByTestId('row-abnormal').innerText(), '1 résultat anormal');
  assert.equal(await row(SUBJECT_XDM).getByTestId('row-critical').count(), 0);
});

test('an XDM biology report: the laboratory PDF first, then the table with TSH and the low FT4', async () => {
  await row(SUBJECT_XDM).click();
  const results = page.getByTestId('results');
  await results.waitFor();
  // PDF first, with a toggle to the structured view
  assert.match(await page.getByTestId('results-pdf').innerText(), /compte rendu en PDF/);
  await page.getByTestId('results-open-pdf').click();
  await page.getByText('Pièce jointe ouverte.').waitFor();
  assert.deepEqual(harness.core.opened.attachments, ["Compte rendu d'examens biologiques-doc-1.pdf"]);
  await page.getByTestId('results-show-table').click();
  const table = results.getByTestId('results-table');
  await table.waitFor();
  assert.equal(await table.locator('caption').innerText(), 'BIOCHIMIE — Biochimie');
  assert.equal(await table.locator('th[scope="col"]').count(), 5);
  const rows = results.getByTestId('result-row');
  assert.deepEqual((await rows.nth(0).innerText()).split('\t').map((s) => s.trim()), ['Thyréostimuline (TSH)', '1.950', 'mUI/L', '0.270 – 4.200', 'normal']);
  assert.deepEqual((await rows.nth(1).innerText()).split('\t').map((s) => s.trim()), ['Thyroxine libre (FT4)', '7.67', 'pg/mL', '9.30 – 17.00', '▼ bas']);
  assert.equal(await rows.nth(1).locator('th[scope="row"]').count(), 1);
  assert.match(await page.getByTestId('results-sr-summary').textContent() ?? '', /1 résultat anormal : Thyroxine libre \(FT4\) 7\.67 pg\/mL \(bas\)/);
  assert.equal(await page.getByTestId('critical-banner').count(), 0);
  assert.deepEqual(await axeViolations('[data-testid="results"]'), []);
  await screenshot(page, 'results-01-xdm-tableau');
  await page.getByTestId('results-print').click();
  await page.getByText('Résultats enregistrés en PDF.').waitFor();
  const text = pdfText(harness.core.opened.printed.at(-1)!.bytes);
  assert.match(text, /Patient : PAT-TROIS DOMINIQUE/);
  assert.match(text, /Laboratoire : Laboratoire des charmes/);
  assert.match(text, /Thyréostimuline \(TSH\) +1\.950 +mUI\/L +0\.270 – 4\.200 +normal/);
  assert.match(text, /Page 1 sur 1/);
});

test('an HPRIM attachment (windows-1252): critical banner, abnormal count, no mojibake, printed PDF', async () => {
  await row(SUBJECT_HPRIM).click();
  const banner = page.getByTestId('critical-banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), /Résultat critique.*POTASSIUM/);
  assert.equal(await banner.getAttribute('role'), 'alert');
  const results = page.getByTestId('results');
  assert.equal(await page.getByTestId('results-abnormal-count').innerText(), '1 résultat anormal');
  const rows = results.getByTestId('result-row');
  assert.deepEqual((await rows.nth(0).innerText()).split('\t').map((s) => s.trim()), ['POTASSIUM', '7.1', 'mmol/L', '3.5 – 5.0', '‼ critique élevé']);
  assert.deepEqual((await rows.nth(2).innerText()).split('\t').map((s) => s.trim()), ['Cond. Rbt', 'Diabète', '', '', 'normal']);
  assert.match(await page.getByTestId('results-free-text').innerText(), /Médecin {4}MARTIN PAUL/);
  assert.deepEqual(await axeViolations('[data-testid="results"]'), []);
  assert.deepEqual(await axeViolations('[data-testid="critical-banner"]'), []);
  await screenshot(page, 'results-02-hprim-critique');
  await page.getByTestId('results-print').click();
  await page.getByText('Résultats enregistrés en PDF.').waitFor();
  const text = pdfText(harness.core.opened.printed.at(-1)!.bytes);
  assert.match(text, /‼ Résultat critique : POTASSIUM/);
  assert.match(text, /POTASSIUM +7\.1 +mmol\/L +3\.5 – 5\.0 +‼ critique élevé/);
  assert.match(text, /HEMOGLOBINE +14\.8 +g\/dL +12\.9 – 16\.7 +normal/);
  assert.match(text, /Patient : DUPONT JEAN/);
});
