// Hardening applied to every web contents and session the app creates:
// navigation and new windows denied, <webview> refused, permissions denied,
// external links opened only for http(s)/mailto after the user confirms.
import type { BaseWindow, Dialog, Session, Shell, WebContents } from 'electron';
import { externalUrlAllowed, isAppUrl } from './url-policy.js';

type ContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export interface ExternalOpener {
  /** Confirms with the user, then opens; false when refused or cancelled. */
  (url: string): Promise<boolean>;
}

/** Native confirmation in French, then the OS opens the link. */
export function confirmingOpener(
  dialog: Pick<Dialog, 'showMessageBox'>,
  shell: Pick<Shell, 'openExternal'>,
  parent: () => BaseWindow | undefined,
): ExternalOpener {
  return async (url) => {
    if (!externalUrlAllowed(url)) return false;
    const options = {
      type: 'question' as const,
      title: 'Ouvrir un lien',
      message: url.startsWith('mailto:') ? 'Écrire à cette adresse avec votre logiciel de messagerie ?' : 'Ouvrir ce lien dans votre navigateur ?',
      detail: url.length > 500 ? `${url.slice(0, 500)}…` : url,
      buttons: ['Annuler', 'Ouvrir'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    };
    const win = parent();
    const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
    if (response !== 1) return false;
    await shell.openExternal(url, { activate: true });
    return true;
  };
}

/**
 * Every web contents: no navigation away from our UI (links go to the opener,
 * which asks first), no new window, no <webview>.
 */
export function hardenWebContents(contents: ContentsLike, openExternal: ExternalOpener): void {
  const refuseNavigation = (event: { preventDefault(): void; url: string }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    if (externalUrlAllowed(event.url)) void openExternal(event.url);
  };
  contents.on('will-navigate', refuseNavigation);
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) void openExternal(url);
    return { action: 'deny' };
  });
}

/** Every session: no permission is ever granted (camera, notifications, HID, clipboard-read…). */
export function hardenSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
