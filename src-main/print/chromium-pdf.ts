// PDF export where no Electron window exists (the CLI): the print page in a
// headless Chromium driven by playwright-core, JavaScript off, every request
// refused (the page is self-contained), then Page.pdf.
import { AppError } from '../errors/index.js';
import { chromiumPdfOptions } from './pdf-options.js';
import type { PrintDocument } from './print-document.js';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export async function renderPdfWithChromium(doc: PrintDocument, opts: { executablePath?: string } = {}): Promise<Uint8Array> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new AppError('PRINT_FAILED', 'playwright-core is not installed', { cause: err });
  }
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: opts.executablePath ?? process.env.MSSANTE_CHROMIUM ?? DEFAULT_CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    throw new AppError('PRINT_FAILED', 'cannot start Chromium', { cause: err });
  }
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', timezoneId: 'Europe/Paris', offline: true });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(doc.html, { waitUntil: 'load' });
    return new Uint8Array(await page.pdf(chromiumPdfOptions(doc)));
  } catch (err) {
    throw new AppError('PRINT_FAILED', 'Chromium could not print the page', { cause: err });
  } finally {
    await browser.close();
  }
}
