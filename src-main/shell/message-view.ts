// Message HTML shown in its own WebContentsView: own in-memory partition,
// JavaScript off, no preload, CSP without script, and every network request of
// that partition cancelled (remote images, once allowed, come as data: URLs fetched by main).
// The HTML comes already sanitised by the renderer (DOMPurify); this view is
// the second wall, so even unsanitised HTML could neither run code nor phone home.
import type { BaseWindow, Session, WebContentsView } from 'electron';
import { messageCsp, securityHeaders } from '../common/csp.js';
import { hardenSession } from './security.js';
import { MESSAGE_SCHEME, MESSAGE_URL, messageRequestAllowed } from './url-policy.js';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface ViewState {
  html: string;
}

type MessageSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest'>;
  protocol: Pick<Session['protocol'], 'handle'>;
};

/** Installs the partition's walls once: permissions, network filter, the document handler, no downloads. */
function prepareMessageSession(ses: MessageSession, state: ViewState): void {
  hardenSession(ses);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !messageRequestAllowed(details.url, details.resourceType) });
  });
  ses.protocol.handle(MESSAGE_SCHEME, async () =>
    new Response(state.html, {
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8', ...securityHeaders(messageCsp()) },
    }),
  );
  ses.on('will-download', (event) => event.preventDefault());
}

export class MessageViewController {
  private readonly state: ViewState = { html: '' };
  private view: WebContentsView | undefined;
  private attachedTo: BaseWindow | undefined;
  private loads = 0;

  constructor(
    private readonly createView: () => WebContentsView,
    session: MessageSession,
    private readonly parent: () => BaseWindow | undefined,
  ) {
    prepareMessageSession(session, this.state);
  }

  show(html: string, bounds: Bounds): boolean {
    const parent = this.parent();
    if (!parent) return false;
    this.state.html = html;
    this.view ??= this.createView();
    if (this.attachedTo !== parent) {
      parent.contentView.addChildView(this.view);
      this.attachedTo = parent;
    }
    this.view.setBounds(bounds);
    // A fresh URL each time: no cache reuse between messages.
    void this.view.webContents.loadURL(`${MESSAGE_URL}?n=${++this.loads}`);
    return true;
  }

  setBounds(bounds: Bounds): boolean {
    if (!this.view || !this.attachedTo) return false;
    this.view.setBounds(bounds);
    return true;
  }

  /** Also used when the session locks: no message content stays on screen. */
  hide(): boolean {
    this.state.html = '';
    if (this.view && this.attachedTo) {
      this.attachedTo.contentView.removeChildView(this.view);
      void this.view.webContents.loadURL('about:blank');
    }
    this.attachedTo = undefined;
    return false;
  }
}
