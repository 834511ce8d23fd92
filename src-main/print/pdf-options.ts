// The decisions of a PDF export, shared by both engines: Electron's
// webContents.printToPDF in the app (shell/print-pdf.ts) and Chromium through
// playwright-core in the CLI (print/chromium-pdf.ts). A4, margins that leave
// room for the running header and footer, backgrounds printed (critical rows).
import type { PrintDocument } from './print-document.js';

/** Electron's WebContents.printToPDF options (margins in inches). */
export function electronPdfOptions(doc: PrintDocument) {
  return {
    pageSize: 'A4' as const,
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: doc.headerTemplate,
    footerTemplate: doc.footerTemplate,
    margins: { top: 0.8, bottom: 0.7, left: 0.6, right: 0.6 },
    generateTaggedPDF: true,
  };
}

/** Chromium's Page.pdf options as playwright-core takes them. */
export function chromiumPdfOptions(doc: PrintDocument) {
  return {
    format: 'A4',
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: doc.headerTemplate,
    footerTemplate: doc.footerTemplate,
    margin: { top: '20mm', bottom: '18mm', left: '15mm', right: '15mm' },
    tagged: true,
  };
}

/** A default file name for the save dialog: the title, dated, safe on every OS. */
export function pdfFileName(title: string, printedAt: Date): string {
  // eslint-disable-next-line no-control-regex
  const base = title.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '_').replace(/^[.\s]+|[.\s]+$/g, '').slice(0, 80) || 'document';
  return `${base} ${printedAt.toISOString().slice(0, 10)}.pdf`;
}
