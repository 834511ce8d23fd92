// « Écrire au patient » in the window, and the delivery timeline of what was sent: the renderer
// in Chromium, the real core (createCore) over the loopback harness, doctor A's card (SoftHSM
// through cps-sim), the bench's Postfix with DSN and its patients' domain (patient.mssante.test,
// set by the clinic's rules of the data folder, read-only in the window). A qualified INS from a received IHE_XDM.ZIP gives the patient's
// address; a non-qualified one (received or typed) is refused in French; the message lands in the
// bench patient's mailbox with `X-MSS-MES: FIN`, and its timeline reaches "distribué" from the DSN.
// A received CDA of a higher version says which document it replaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { MssanteApi } from '../../src-main/ipc/contract.js';
import { writeClinicPolicy } from '../../src-main/app/clinic-policy.js';
import { xdmMailParts } from '../../src-main/xdm/send-xdm.js';
import { card, loadTestbed } from '../support/testbed.js';
import { plainImapClient } from '../support/imap-plain.js';
import { deliveredFile, headerValues } from '../support/mailbox.js';
import { buildEml } from '../support/mail-fixtures.js';
import { cdaN1 } from '../unit/mssante/fixtures.js';
import { xdmSample } from '../unit/xdm/fixtures.js';
import { openBrowser, prepareHome, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const state = loadTestbed();
const doctor = card(state, 'doctorA');
const colleague = card(state, 'doctorB');
const tag = randomBytes(3).toString('hex');
const folder = `e2e-patient-${tag}`;
const SUBJECT_QUALIFIED = `Compte rendu PAT-TROIS ${tag}`;
const SUBJECT_UNQUALIFIED = `Document sans INS qualifiée ${tag}`;
const SUBJECT_SENT = `Vos résultats ${tag}`;
const SUBJECT_REPLACING = `Compte rendu corrigé ${tag}`;

let harness: Harness;
let browsing: Browsing;
let page: Page;
let home: string;

const row = (subject: string) => page.getByTestId('message-row').filter({ hasText: subject });

async function appendFixtures(): Promise<void> {
  const imap = plainImapClient(state, { user: doctor.address });
  imap.on('error', () => undefined);
  await imap.connect();
  await imap.mailboxCreate(folder);
  // an IHE_XDM.ZIP of the ANS test patient (qualified INS-NIR de test), from colleague B
  const parts = xdmMailParts({ cdaXml: cdaN1(), author: { lastName: 'DUBOIS', firstName: 'François', address: colleague.address }, recipients: [doctor.address] });
  const zip = parts.attachments.find((a) => a.filename === 'IHE_XDM.ZIP')!;
  await imap.append(folder, buildEml({
    from: `Dr François Dubois <${colleague.address}>`,
    to: doctor.address,
    subject: SUBJECT_QUALIFIED,
    body: 'Compte rendu ci-joint.',
    date: new Date(Date.now() - 3600_000),
    attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(zip.content) },
  }), []);
  // version 2 of the same CDA (same setId): "remplace le document du 01/04/2021"
  const v2 = cdaN1().toString('utf8')
    .replace('<id root="1.3.6.1.4.1.19376.1.2.20.12345.1.1"/>', '<id root="1.3.6.1.4.1.19376.1.2.20.12345.1.2"/>')
    .replace('<versionNumber value="1"/>', '<versionNumber value="2"/>');
  const zip2 = xdmMailParts({ cdaXml: Buffer.from(v2, 'utf8'), author: { lastName: 'DUBOIS', firstName: 'François', address: colleague.address }, recipients: [doctor.address] }).attachments[0]!;
  await imap.append(folder, buildEml({
    from: `Dr François Dubois <${colleague.address}>`,
    to: doctor.address,
    subject: SUBJECT_REPLACING,
    body: 'Version corrigée du compte rendu.',
    date: new Date(Date.now() - 2400_000),
    attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(zip2.content) },
  }), []);
  // the IHE sample archive: a patient without INS (no INS authority OID)
  await imap.append(folder, buildEml({
    from: `Dr François Dubois <${colleague.address}>`,
    to: doctor.address,
    subject: SUBJECT_UNQUALIFIED,
    body: 'Document ci-joint.',
    date: new Date(Date.now() - 1800_000),
    attachment: { filename: 'IHE_XDM.ZIP', mimeType: 'application/zip', content: Buffer.from(xdmSample('xd-common_samplexdm.zip')) },
  }), []);
  await imap.logout();
}


before(async () => {
  await appendFixtures();
  process.env.SOFTHSM2_CONF = state.softhsm.conf;
  home = await prepareHome({ state, doctor, extraDomains: [state.patients.domain] });
  // the test platform's patients' domain: a clinic rule (`mssante policy set patient-domain`)
  writeClinicPolicy(home, { patientDomain: state.patients.domain });
  harness = await startHarness({ home, cardModule: doctor.pkcs11Module, tokenRef: doctor.tokenLabel });
  browsing = await openBrowser();
  page = browsing.page;
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

test('after the PIN, the window applies the test platform\'s patients\' domain fixed by the clinic, and cannot change it', async () => {
  await page.getByTestId('pin-input').fill(doctor.userPin);
  await page.getByTestId('pin-submit').click();
  await page.getByTestId('new-message').waitFor();
  const got = await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.settings.get());
  assert.ok(got.ok && got.value.patientDomain === state.patients.domain && got.value.clinic.patientDomain === 'clinic', JSON.stringify(got));
  const refused = await page.evaluate(() => (window as unknown as { mssante: { settings: { set(p: object): Promise<{ ok: boolean }> } } }).mssante.settings.set({ patientDomain: 'patient.exemple.fr' }));
  assert.equal(refused.ok, false, 'the patients\' domain is a clinic rule');
  const ours = page.getByTestId('folder').filter({ hasText: folder });
  for (let i = 0; i < 60 && !(await ours.isVisible()); i++) {
    if (await page.getByTestId('sync-retry').isVisible()) await page.getByTestId('sync-retry').click();
    await page.waitForTimeout(500);
  }
  await ours.click();
  await row(SUBJECT_QUALIFIED).waitFor({ timeout: 30_000 });
  await row(SUBJECT_UNQUALIFIED).waitFor({ timeout: 30_000 });
  await row(SUBJECT_REPLACING).waitFor({ timeout: 30_000 });
});

test('a received document that replaces an earlier one says so: « remplace le document du … »', async () => {
  await row(SUBJECT_REPLACING).click();
  const replaces = page.getByTestId('xdm-summary').getByTestId('xdm-replaces');
  await replaces.waitFor();
  assert.match(await replaces.innerText(), /remplace le document du 01\/04\/2021/);
  await row(SUBJECT_QUALIFIED).click();
  await page.getByTestId('message-subject').filter({ hasText: SUBJECT_QUALIFIED }).waitFor();
  await page.getByTestId('xdm-summary').waitFor();
  assert.equal(await page.getByTestId('xdm-replaces').count(), 0, 'version 1 replaces nothing');
});

test('a document whose INS is not qualified: « Écrire au patient » is disabled, with the reason in French', async () => {
  await row(SUBJECT_UNQUALIFIED).click();
  await page.getByTestId('xdm-summary').waitFor();
  const action = page.getByTestId('write-patient');
  assert.equal(await action.isDisabled(), true);
  const reason = await page.getByTestId('write-patient-reason').innerText();
  assert.match(reason, /« Écrire au patient » n’est pas possible : INS non qualifiée : manque matricule INS/);
  assert.match(reason, /INS qualifiée/);
  assert.equal(await action.getAttribute('aria-describedby'), 'write-patient-reason');
  await screenshot(page, '20-ecrire-au-patient-ins-non-qualifiee');
});

test('an INS typed without all its traits is refused in French, and gives no address', async () => {
  await page.getByTestId('new-message').click();
  await page.getByTestId('write-patient-typed').click();
  await page.getByTestId('patient-ins').fill(state.patients.accept.split('@')[0]!);
  await page.getByTestId('patient-oid').selectOption('1.2.250.1.213.1.4.10');
  await page.getByTestId('patient-birth-name').fill('PAT-TROIS');
  await page.getByTestId('patient-first-name').fill('DOMINIQUE');
  // no birth date, no sex
  await page.getByTestId('patient-check').click();
  const refusal = page.getByTestId('patient-refusal');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /^INS non qualifiée : manque date de naissance, sexe\. Écriture au patient impossible : son INS n’est pas qualifiée/);
  assert.equal(await page.getByTestId('patient-recipient').count(), 0);
  assert.equal(await page.getByTestId('compose-send').isDisabled(), true);
  assert.equal(await page.getByText(state.patients.accept).count(), 0, 'no patient address shown for a non-qualified identity');
  await screenshot(page, '21-ins-saisie-refusee');
  // with every trait, the same identity is qualified and gives the address
  await page.getByTestId('patient-birth-date').fill('1979-03-28');
  await page.getByTestId('patient-sex').selectOption('F');
  await page.getByTestId('patient-check').click();
  await page.getByTestId('patient-recipient').filter({ hasText: state.patients.accept }).waitFor();
  await page.getByRole('button', { name: 'Abandonner' }).click();
});

test('from the patient of a received XDM: one patient, mixing confirmed, "fin de traitement"; delivered to the patient\'s mailbox', async () => {
  await page.getByTestId('folder').filter({ hasText: folder }).click();
  await row(SUBJECT_QUALIFIED).click();
  await page.getByTestId('xdm-summary').waitFor();
  const action = page.getByTestId('write-patient');
  assert.equal(await action.isDisabled(), false);
  await action.click();
  const chip = page.getByTestId('patient-recipient');
  await chip.waitFor();
  assert.match(await chip.innerText(), new RegExp(`DOMINIQUE PAT-TROIS — INS 2 79 03 51 215 189 89[\\s\\S]*${state.patients.accept.replace(/\./g, '\\.')}`));
  assert.match(await chip.innerText(), /INS qualifiée/);
  // a professional in the same message: sending waits for an explicit confirmation
  const to = page.getByTestId('recipient-input-À');
  await to.fill(colleague.address);
  await to.press('Enter');
  await page.getByTestId('mixed-warning').waitFor();
  await page.getByTestId('compose-subject').fill(SUBJECT_SENT);
  await page.getByTestId('compose-body').fill('Bonjour, vos résultats sont normaux.');
  await page.locator('[data-testid="recipient-chip"][data-in-trust-space="true"]').filter({ hasText: colleague.address }).waitFor();
  assert.equal(await page.getByTestId('compose-send').isDisabled(), true, 'patient + professional: not without confirmation');
  await page.getByTestId('confirm-mixed').locator('input').check();
  assert.equal(await page.getByTestId('compose-send').isDisabled(), false);
  await screenshot(page, '22-patient-et-professionnel');
  // back to the patient alone, as a "fin de traitement" message
  await page.getByRole('button', { name: `Retirer ${colleague.address}` }).click();
  assert.equal(await page.getByTestId('mixed-warning').count(), 0);
  await page.getByTestId('end-of-treatment').locator('input').check();
  await screenshot(page, '23-message-au-patient');
  await page.getByTestId('compose-send').click();
  await page.getByTestId('notice').filter({ hasText: 'boîte d’envoi' }).waitFor({ timeout: 15_000 });

  const sent = harness.server.calls.filter((c) => c.channel === 'compose.send');
  const draft = (sent.at(-1)!.request as { draft: { to: unknown[]; patient: { source: string }; endOfTreatment: boolean } }).draft;
  assert.deepEqual(draft.to, [], 'the renderer never sends the patient\'s address: main builds it');
  assert.equal(draft.patient.source, 'xdm');
  assert.equal(draft.endOfTreatment, true);

  const delivered = await deliveredFile(state, state.patients.accept, tag);
  assert.deepEqual(headerValues(delivered, 'X-MSS-MES'), ['FIN']);
  assert.match(headerValues(delivered, 'To')[0] ?? '', new RegExp(state.patients.accept.replace(/\./g, '\\.'), 'i'));
  assert.deepEqual(headerValues(delivered, 'X-MSS-INS'), [], 'no XDM attached to this message: no X-MSS-INS');
});

test('the sent message\'s delivery timeline reaches « distribué » from the DSN', async () => {
  await page.getByTestId('folder').filter({ hasText: 'Envoyés' }).click();
  const sentRow = row(SUBJECT_SENT);
  for (let i = 0; i < 60 && !(await sentRow.isVisible()); i++) {
    await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.sync.now());
    await page.waitForTimeout(500);
  }
  await sentRow.click();
  const timeline = page.getByTestId('delivery-timeline');
  const delivered = timeline.locator('li[data-state="delivered"]').filter({ hasText: state.patients.accept });
  // the DSN comes back into the INBOX: each sync pass may bring it
  for (let i = 0; i < 60 && !(await delivered.isVisible()); i++) {
    await page.evaluate(() => (window as unknown as { mssante: MssanteApi }).mssante.sync.now());
    await page.getByTestId('folder').filter({ hasText: 'Envoyés' }).click();
    await sentRow.click();
    await timeline.waitFor({ timeout: 10_000 }).catch(() => undefined);
  }
  assert.match(await delivered.innerText(), /: distribué le \d{2}\/\d{2}\/\d{4}/);
  assert.match(await delivered.innerText(), /remis au serveur/);
  await screenshot(page, '24-suivi-distribution-distribue');
});
