// Pure URL decisions of the shell: what is our UI, what a trusted IPC sender
// is, what may be opened in the OS, what the message view may load.

/** The UI is served from this privileged custom scheme, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'mssante';
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Scheme of the message HTML view (served only inside its own partition). */
export const MESSAGE_SCHEME = 'mssante-message';
export const MESSAGE_URL = `${MESSAGE_SCHEME}://view/message.html`;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== undefined && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

export interface SenderFacts {
  /** URL of the frame that sent the message (event.senderFrame.url); undefined if the frame is gone. */
  frameUrl: string | undefined;
  /** The sender frame is the top frame of its web contents (no iframe may call). */
  isMainFrame: boolean;
  /** The web contents id, checked against the windows the shell created. */
  webContentsId: number;
}

/** An IPC request is served only from the top frame of one of our windows showing our UI. */
export function isTrustedSender(facts: SenderFacts, trustedWebContents: ReadonlySet<number>): boolean {
  return (
    facts.frameUrl !== undefined &&
    facts.isMainFrame &&
    trustedWebContents.has(facts.webContentsId) &&
    isAppUrl(facts.frameUrl)
  );
}

/** Only http(s) and mailto go to the OS (after the user confirms); never file:, javascript:, smb:, custom handlers. */
export function externalUrlAllowed(url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'mailto:') return u.pathname.length > 0;
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0 && u.username === '' && u.password === '';
}

/**
 * What the message view partition may load: its own document and data: images, nothing else
 * ever (remote images reach it as data: URLs fetched by main, src-main/images/).
 */
export function messageRequestAllowed(url: string, resourceType: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${MESSAGE_SCHEME}:`) return true;
  if (u.protocol === 'data:') return resourceType === 'image';
  return false;
}
