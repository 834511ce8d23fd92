// The webPreferences of every web content the shell creates. One place, so a
// test can check them all and a reviewer reads them in one screen. No window
// or view is created anywhere else (windows.ts / message-view.ts use these).
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The settings no web content of ours may ever relax. */
export const REQUIRED_PREFERENCES = Object.freeze({
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  enableBlinkFeatures: '',
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
} satisfies WebPreferences);

/** Partition of the message HTML view: in memory, separate from the UI, network blocked (message-view.ts). */
export const MESSAGE_PARTITION = 'message-html';

/** The application window: the Svelte UI with the contract-only preload. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'Messagerie MSSanté',
    backgroundColor: '#ffffff',
    webPreferences: { ...REQUIRED_PREFERENCES, preload: preloadPath, devTools: !isPackaged() },
  };
}

/**
 * The message HTML view: no preload, no JavaScript, its own partition. It loads a document per message and
 * must not take the keyboard each time (Electron focuses a view's contents on navigation by default): it gets
 * the focus only by Tab or a click (message-focus.ts).
 */
export function messageViewPreferences(): WebPreferences {
  return {
    ...REQUIRED_PREFERENCES,
    javascript: false,
    images: true,
    partition: MESSAGE_PARTITION,
    devTools: false,
    focusOnNavigation: false,
  };
}

/** Partition of the hidden print window: in memory, separate from the UI and the message view. */
const PRINT_PARTITION = 'print-pdf';

/** The hidden window that prints a page to PDF (print-pdf.ts): never shown, no preload, no JavaScript. */
export function printWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    webPreferences: { ...REQUIRED_PREFERENCES, javascript: false, images: true, partition: PRINT_PARTITION, devTools: false },
  };
}

/** Lists what is wrong with some webPreferences (empty = secure). */
export function insecurePreferences(prefs: WebPreferences | undefined): string[] {
  const problems: string[] = [];
  const actual = (prefs ?? {}) as Record<string, unknown>;
  for (const [key, expected] of Object.entries(REQUIRED_PREFERENCES)) {
    if (actual[key] !== expected) problems.push(`${key} must be ${JSON.stringify(expected)}`);
  }
  if (typeof actual.preload === 'string' && !/preload\.c?js$/.test(actual.preload)) problems.push('unexpected preload script');
  return problems;
}

function isPackaged(): boolean {
  // Set by main.ts from app.isPackaged before any window exists.
  return process.env.MSSANTE_PACKAGED === '1';
}
