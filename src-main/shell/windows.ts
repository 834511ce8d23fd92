// The only places where the shell creates web contents: the application window,
// the message HTML view and the hidden print window. Both take their webPreferences from
// web-preferences.ts; a test checks every one of them.
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContentsView, WebContentsViewConstructorOptions } from 'electron';
import { mainWindowOptions, messageViewPreferences, printWindowOptions } from './web-preferences.js';
import { APP_ENTRY_URL } from './url-policy.js';

export type BrowserWindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;
export type WebContentsViewCtor = new (options: WebContentsViewConstructorOptions) => WebContentsView;

/** The application window, loading the UI from app://mssante/; shown once painted. */
export function createMainWindow(BrowserWindowClass: BrowserWindowCtor, preloadPath: string): BrowserWindow {
  const win = new BrowserWindowClass(mainWindowOptions(preloadPath));
  win.removeMenu();
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

/** The isolated view that shows one message's HTML (no preload, no JavaScript, own partition). */
export function createMessageView(WebContentsViewClass: WebContentsViewCtor): WebContentsView {
  return new WebContentsViewClass({ webPreferences: messageViewPreferences() });
}

/** A hidden window for printing one self-contained page to PDF (print-pdf.ts); destroyed after use. */
export function createPrintWindow(BrowserWindowClass: BrowserWindowCtor): BrowserWindow {
  return new BrowserWindowClass(printWindowOptions());
}
