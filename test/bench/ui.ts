// UI bench: the doctor's window (built renderer in Chromium, real core through
// the loopback harness) over an encrypted store holding 100,000 messages in
// one folder. Measures the first screen of the list once the data is there and
// proves scrolling is virtual (rendered rows and fetched pages stay small).
import { rmSync } from 'node:fs';
import { buildEml } from '../support/mail-fixtures.js';
import { openBrowser, prepareHome, startHarness } from '../e2e/support.js';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { closedPort } from '../support/ports.js';

const COUNT = Number(process.env.MSSANTE_BENCH_UI_COUNT ?? 100_000);
const BATCH = 1000;
const SENDERS = [
  'Dr Hélène Martin <helene.martin@medecin.mssante.test>',
  'Dr François Dubois <francois.dubois@medecin.mssante.test>',
  'Secrétariat du centre de santé <secretariat@centre-sante.mssante.test>',
  'Laboratoire <resultats@labo-exemple.fr>',
];
const SUBJECTS = ['Compte rendu d’échographie', 'Résultats de biologie', 'Lettre de liaison', 'Ordonnance', 'Demande d’avis'];

type Figures = Record<string, number | string>;

export async function benchUi(): Promise<Figures> {
  const home = await prepareHome();
  // an account (whose server does not answer: only the list is measured), else the window opens on the first-run screen
  const port = await closedPort();
  await JsonFileAccountRepository.inHome(home).save({
    address: 'helene.martin@medecin.mssante.test',
    imap: { host: '127.0.0.1', port, security: 'tls' },
    smtp: { host: '127.0.0.1', port, security: 'tls' },
    auth: { kind: 'card' },
    createdAt: new Date().toISOString(),
  });
  const harness = await startHarness({ home, unlocked: true });
  const figures: Figures = { messages: COUNT };
  try {
    const api = harness.core.store.api;
    const account = await api.ensureAccount({ address: 'helene.martin@medecin.mssante.test' });
    const folders = await api.upsertFolders(account.id, [
      { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true },
      { path: 'Archives', name: 'Archives', delimiter: '/', specialUse: '\\Archive', selectable: true },
    ]);
    const inbox = folders.find((f) => f.path === 'INBOX')!;
    const start = Date.UTC(2020, 0, 1);
    const fillStarted = performance.now();
    for (let first = 1; first <= COUNT; first += BATCH) {
      const newMessages = [];
      for (let uid = first; uid < Math.min(first + BATCH, COUNT + 1); uid++) {
        const raw = buildEml({
          from: SENDERS[uid % SENDERS.length]!,
          to: 'helene.martin@medecin.mssante.test',
          subject: `${SUBJECTS[uid % SUBJECTS.length]} n° ${uid}`,
          date: new Date(start + uid * 600_000),
          messageId: `<ui-bench-${uid}@medecin.mssante.test>`,
        });
        newMessages.push({ uid, flags: uid % 3 === 0 ? [] : uid % 17 === 0 ? ['\\Seen', '\\Flagged'] : ['\\Seen'], raw });
      }
      await api.applyBatch({ folderId: inbox.id, newMessages });
    }
    figures['store_fill_seconds'] = Math.round((performance.now() - fillStarted) / 100) / 10;

    const browsing = await openBrowser();
    try {
      const page = browsing.page;
      const list = page.getByTestId('message-list');
      const opened = performance.now();
      await page.goto(harness.server.url);
      await page.locator('[data-testid="message-list"]:not([data-first-screen-ms="-1"])').waitFor({ timeout: 120_000 });
      figures['window_open_to_first_rows_ms'] = Math.round(performance.now() - opened);
      figures['first_screen_ms'] = Number(await list.getAttribute('data-first-screen-ms'));
      figures['first_screen_render_only_ms'] = Number(await list.getAttribute('data-first-render-ms'));
      figures['list_total'] = Number(await list.getAttribute('data-total'));

      // Warm: another folder and back (the folder list is loaded, the store's pages are cached by SQLite).
      const samples: number[] = [];
      const renders: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.getByTestId('folder').filter({ hasText: 'Archives' }).click();
        await page.getByText('Ce dossier est vide.').waitFor();
        await page.getByTestId('folder').filter({ hasText: 'Boîte de réception' }).click();
        await page.locator('[data-testid="message-list"]:not([data-first-screen-ms="-1"])').waitFor();
        samples.push(Number(await list.getAttribute('data-first-screen-ms')));
        renders.push(Number(await list.getAttribute('data-first-render-ms')));
      }
      samples.sort((a, b) => a - b);
      renders.sort((a, b) => a - b);
      figures['first_screen_ms_median_of_5'] = samples[2]!;
      figures['first_screen_ms_max_of_5'] = samples[4]!;
      figures['first_screen_render_only_ms_median_of_5'] = renders[2]!;
      figures['rows_in_dom_first_screen'] = await page.getByTestId('message-row').count();

      // Scroll: a jump to the middle, then 40 wheel steps; count rows in the DOM and pages fetched.
      const jumpStarted = performance.now();
      await list.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      await page.locator(`[data-testid="message-row"][aria-posinset="${COUNT / 2 + 1}"]`).waitFor({ state: 'attached' });
      figures['scroll_jump_to_middle_rows_ms'] = Math.round(performance.now() - jumpStarted);
      await list.hover();
      for (let i = 0; i < 40; i++) {
        await page.mouse.wheel(0, 600);
        await page.waitForTimeout(16);
      }
      await page.waitForTimeout(300);
      const fetchedPages = Number(await list.getAttribute('data-fetched-pages'));
      figures['rows_in_dom_after_scroll'] = await page.getByTestId('message-row').count();
      figures['pages_fetched_after_scroll'] = fetchedPages;
      figures['rows_fetched_after_scroll'] = fetchedPages * 100;
      figures['share_of_rows_fetched_percent'] = Math.round((10_000 * fetchedPages * 100) / COUNT) / 100;
      // Keyboard: End goes to the oldest message without loading what lies between.
      await list.focus();
      await page.keyboard.press('End');
      await page.locator(`[data-testid="message-row"][aria-posinset="${COUNT}"]`).waitFor({ state: 'attached' });
      figures['pages_fetched_after_end_key'] = Number(await list.getAttribute('data-fetched-pages'));
    } finally {
      await browsing.close();
    }
  } finally {
    await harness.close();
    rmSync(home, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchUi();
  for (const [k, v] of Object.entries(figures)) console.log(`ui     ${k.padEnd(44)} ${v}`);
}
