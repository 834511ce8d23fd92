// Printing: the page and its running header/footer (pure), the options both
// engines get, and real PDFs from Debian's Chromium read back with pdftotext.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultsFromFile } from '../../../src-main/results/extract.js';
import { resultsPanel } from '../../../src-main/results/view.js';
import { printDocument, printHeaderFields } from '../../../src-main/print/print-document.js';
import { chromiumPdfOptions, electronPdfOptions, pdfFileName } from '../../../src-main/print/pdf-options.js';
import { renderPdfWithChromium } from '../../../src-main/print/chromium-pdf.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { runMssante } from '../../support/cli.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { resultsFixture } from './fixtures.js';

const PRINTED_AT = new Date('2026-12-06T09:15:00Z');

function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'results-pdf-'));
  try {
    const file = join(dir, 'out.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tshPanel = () => resultsPanel(resultsFromFile('TSH.xml', resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml')));

test('the print page escapes mail text and names patient, laboratory and print time in its header', () => {
  const doc = printDocument({ subject: '<script>x</script>Bilan', from: 'Labo <l@x.fr>', to: 'p@x.fr', date: '2026-11-02T09:30:00.000Z', text: 'a <b> c', results: tshPanel() }, PRINTED_AT);
  assert.ok(!doc.html.includes('<script>'));
  assert.match(doc.html, /&lt;script&gt;x&lt;\/script&gt;Bilan/);
  assert.match(doc.html, /<th scope="row" rowspan="1">Thyréostimuline \(TSH\)<\/th>/);
  assert.match(doc.html, /<caption>BIOCHIMIE — Biochimie<\/caption>/);
  assert.deepEqual(printHeaderFields({ subject: '', from: '', to: '', date: null, text: null, results: tshPanel() }, PRINTED_AT), {
    patient: 'PAT-TROIS DOMINIQUE, né(e) le 28/03/1979',
    laboratory: 'Laboratoire des charmes',
    printed: 'Imprimé le 06/12/2026 10:15',
  });
  assert.match(doc.footerTemplate, /<span class="pageNumber"><\/span> sur <span class="totalPages"><\/span>/);
});

test('both engines get A4, header and footer, backgrounds; the file name is dated and safe', () => {
  const doc = printDocument({ subject: 'x', from: '', to: '', date: null, text: null, results: null }, PRINTED_AT);
  const el = electronPdfOptions(doc);
  const cr = chromiumPdfOptions(doc);
  assert.deepEqual([el.pageSize, el.displayHeaderFooter, el.printBackground, el.headerTemplate], ['A4', true, true, doc.headerTemplate]);
  assert.deepEqual([cr.format, cr.displayHeaderFooter, cr.printBackground, cr.footerTemplate], ['A4', true, true, doc.footerTemplate]);
  assert.equal(pdfFileName('Résultats: TSH / FT4', PRINTED_AT), 'Résultats_ TSH _ FT4 2026-12-06.pdf');
});

test('Chromium prints the HPRIM results: values, computed flag, header and page numbers in the PDF text', async () => {
  const panel = resultsPanel(resultsFromFile('resultats.hpr', resultsFixture('header-solabio.cp1252.hpm')).concat(resultsFromFile('pipes.hpr', resultsFixture('pipes.hpr'))));
  const doc = printDocument({ subject: 'Résultats', from: 'Labo', to: 'Dr', date: null, text: null, results: panel }, PRINTED_AT, 'results');
  const text = pdfText(await renderPdfWithChromium(doc));
  assert.match(text, /Patient : DUPONT JEAN/);
  assert.match(text, /Laboratoire : SOLABIO/);
  assert.match(text, /Imprimé le 06\/12\/2026 10:15/);
  assert.match(text, /Page 1 sur 1/);
  assert.match(text, /GLUCOSE A JEUN +1\.42 +g\/L +0\.74 – 1\.06 +▲ élevé \(calculé\)/);
  assert.match(text, /TSH +0\.10 +mUI\/L +0\.27 – 4\.20 +▼ bas/);
  assert.match(text, /Diabète/);
});

test('mssante messages print ID --pdf: a PDF with the results, journalled without content, never overwritten', async () => {
  const KEY = randomBytes(32).toString('hex');
  const home = mkdtempSync(join(tmpdir(), 'mssante-print-'));
  try {
    const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
    const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
    const raw = buildEml({ subject: 'Résultats de Mme DUPONT', body: 'Résultats ci-joints.', attachment: { filename: 'resultats.hpr', mimeType: 'application/octet-stream', content: Buffer.from(resultsFixture('pipes.hpr')) } });
    await store.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw }] });
    store.close();
    const env = { MSSANTE_STORE_KEY: KEY };
    const out = join(home, 'resultats.pdf');
    const r = await runMssante(['--home', home, 'messages', 'print', '1', '--pdf', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const text = pdfText(readFileSync(out));
    assert.match(text, /Résultats de Mme DUPONT/);
    assert.match(text, /GLUCOSE A JEUN +1\.42 +g\/L +0\.74 – 1\.06 +▲ élevé \(calculé\)/);
    assert.match(text, /Page 1 sur 1/);
    const again = await runMssante(['--home', home, 'messages', 'print', '1', '--pdf', out], { env });
    assert.notEqual(again.code, 0);
    const journal = await runMssante(['--home', home, 'audit', 'export', join(home, 'journal.jsonl')], { env });
    assert.equal(journal.code, 0, journal.stderr);
    const lines = readFileSync(join(home, 'journal.jsonl'), 'utf8');
    assert.match(lines, /"message\.printed"/);
    assert.doesNotMatch(lines, /GLUCOSE|DUPONT/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the app shell: print.pdf asks where to save, prints, writes, then journals; cancel prints nothing', async () => {
  const { shellChannels } = await import('../../../src-main/shell/shell-channels.js');
  const { unavailableServices } = await import('../../../src-main/app/unavailable.js');
  const dir = mkdtempSync(join(tmpdir(), 'results-shell-print-'));
  try {
    const calls: string[] = [];
    let answer: { canceled: boolean; filePath?: string } = { canceled: true };
    let defaultPath = '';
    const doc = printDocument({ subject: 'Bilan', from: '', to: '', date: null, text: null, results: tshPanel() }, PRINTED_AT, 'results');
    const channels = shellChannels({
      version: '0',
      core: {
        ...unavailableServices(),
        printable: async () => (calls.push('printable'), doc),
        recordPrinted: async (_ref: unknown, target: string) => void calls.push(`journal:${target}`),
      },
      dialog: { showSaveDialog: async (o: { defaultPath: string }) => ((defaultPath = o.defaultPath), answer), showOpenDialog: async () => ({ canceled: true, filePaths: [] }) } as never,
      shell: { openPath: async () => '' },
      window: () => undefined,
      openExternal: async () => false,
      messageView: { show: () => true, setBounds: () => true, hide: () => false, tabStops: () => 0, focus: async () => false },
      openedAttachmentsDir: join(dir, 'opened'),
      renderPdf: async () => (calls.push('render'), new TextEncoder().encode('%PDF-1.7 test')),
      now: () => PRINTED_AT,
    });
    assert.deepEqual(await channels['print.pdf']({ messageId: '1', view: 'results' }), { saved: false });
    assert.deepEqual(calls, ['printable']);
    assert.equal(defaultPath, "Compte rendu d'examens biologiques 2026-12-06.pdf");
    answer = { canceled: false, filePath: join(dir, 'out.pdf') };
    assert.deepEqual(await channels['print.pdf']({ messageId: '1', view: 'results' }), { saved: true });
    assert.deepEqual(calls, ['printable', 'printable', 'render', 'journal:pdf']);
    assert.equal(readFileSync(join(dir, 'out.pdf'), 'latin1'), '%PDF-1.7 test');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
