// Electron's side of PDF export: the print page (print/print-document.ts) in a
// hidden, sandboxed window of its own in-memory session, JavaScript off, every
// request cancelled, then webContents.printToPDF with the shared options. Cannot
// run without the Electron binary; its decisions are tested in
// test/unit/results/print.test.ts (pdf-options) and its twin for the CLI
// (print/chromium-pdf.ts) is tested end to end.
import { createPrintWindow, type BrowserWindowCtor } from './windows.js';
import { AppError } from '../errors/index.js';
import { electronPdfOptions } from '../print/pdf-options.js';
import type { PrintDocument } from '../print/print-document.js';

export function electronPdfRenderer(BrowserWindow: BrowserWindowCtor): (doc: PrintDocument) => Promise<Uint8Array> {
  return async (doc) => {
    const win = createPrintWindow(BrowserWindow);
    // the page is self-contained: nothing may be fetched
    win.webContents.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('data:') }));
    try {
      await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(doc.html, 'utf8').toString('base64')}`);
      return new Uint8Array(await win.webContents.printToPDF(electronPdfOptions(doc)));
    } catch (err) {
      throw new AppError('PRINT_FAILED', 'printToPDF failed', { cause: err });
    } finally {
      win.destroy();
    }
  };
}
