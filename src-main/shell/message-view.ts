// Message HTML shown in its own WebContentsView: own in-memory partition,
// JavaScript off, no preload, CSP without script, and every network request of
// that partition cancelled (remote images, once allowed, come as data: URLs fetched by main).
// The HTML comes already sanitised by the renderer (DOMPurify); this view is
// the second wall, so even unsanitised HTML could neither run code nor phone home.
// Keyboard focus goes into the view and back out to the renderer through main
// (`focus()`, the view's `before-input-event`; the decisions and why: message-focus.ts).
// Opening a message never moves the keyboard: no focus on navigation (web-preferences.ts),
// and a focus the view takes while attaching and loading (electron#42339) is given back.
import type { BaseWindow, Session, WebContentsView } from 'electron';
import { messageCsp, securityHeaders } from '../common/csp.js';
import { countTabStops, enterView, freshFocus, onViewKey, onViewMouseDown, type LeaveTo, type ViewFocus } from './message-focus.js';
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
  private loaded: Promise<void> = Promise.resolve();
  private focusState: ViewFocus = freshFocus(0);
  /** Tab keys main sent itself (entering): they reach before-input-event too and are not the user's. */
  private synthetic = 0;
  /**
   * From show() until its document loaded: the view did not have the keyboard and nobody gave it (Tab or a
   * click), so a focus it takes now is Electron's own (addChildView grabs it, electron#42339): given back.
   */
  private guardLoad = 0;

  /**
   * `leave`: the view hands the keyboard back; main focuses the renderer and tells it where to put the focus
   * (null: the renderer's focus stays where it was).
   */
  constructor(
    private readonly createView: () => WebContentsView,
    session: MessageSession,
    private readonly parent: () => BaseWindow | undefined,
    private readonly leave: (to: LeaveTo | null) => void = () => undefined,
  ) {
    prepareMessageSession(session, this.state);
  }

  show(html: string, bounds: Bounds): boolean {
    const parent = this.parent();
    if (!parent) return false;
    this.state.html = html;
    this.focusState = freshFocus(countTabStops(html));
    this.synthetic = 0;
    this.view ??= this.watchKeys(this.createView());
    const hadKeyboard = this.attachedTo !== undefined && this.view.webContents.isFocused();
    const guard = hadKeyboard ? 0 : this.loads + 1;
    this.guardLoad = guard;
    if (this.attachedTo !== parent) {
      parent.contentView.addChildView(this.view);
      this.attachedTo = parent;
    }
    this.view.setBounds(bounds);
    this.load(this.view);
    void this.loaded.finally(() => {
      if (this.guardLoad === guard) this.guardLoad = 0;
    }).catch(() => undefined);
    return true;
  }

  /** Tab stops of the message shown (0: the renderer skips the message area). */
  tabStops(): number {
    return this.attachedTo ? this.focusState.stops : 0;
  }

  /** The renderer's Tab (Shift+Tab) reached the message area: focus the view's first (last) stop. */
  async focus(backwards: boolean): Promise<boolean> {
    const view = this.view;
    if (!view || !this.attachedTo) return false;
    const { plan, state } = enterView(this.focusState, backwards);
    if (!plan.enter) return false;
    this.focusState = state;
    this.guardLoad = 0;
    if (plan.reload) this.load(view);
    view.webContents.focus();
    const load = this.loads;
    await this.loaded.catch(() => undefined);
    // another message came meanwhile: enter that one (fresh document, nothing focused)
    if (this.loads !== load) return this.focus(backwards);
    if (plan.key && this.attachedTo) {
      this.synthetic = 1;
      view.webContents.sendInputEvent({ type: 'keyDown', keyCode: 'Tab', modifiers: plan.key === 'Shift+Tab' ? ['shift'] : [] });
    }
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
    this.focusState = freshFocus(0);
    this.guardLoad = 0;
    if (this.view && this.attachedTo) {
      this.attachedTo.contentView.removeChildView(this.view);
      void this.view.webContents.loadURL('about:blank');
    }
    this.attachedTo = undefined;
    return false;
  }

  private load(view: WebContentsView): void {
    // A fresh URL each time: no cache reuse between messages (and a fresh document focuses nothing).
    this.loaded = view.webContents.loadURL(`${MESSAGE_URL}?n=${++this.loads}`);
    this.loaded.catch(() => undefined);
  }

  private watchKeys(view: WebContentsView): WebContentsView {
    view.webContents.on('before-input-event', (event, input) => {
      if (this.synthetic > 0 && input.type === 'keyDown' && input.key === 'Tab') {
        this.synthetic--;
        return;
      }
      const { decision, state } = onViewKey(this.focusState, input);
      this.focusState = state;
      if (decision.action === 'leave') {
        event.preventDefault();
        this.leave(decision.to);
      }
    });
    view.webContents.on('before-mouse-event', (_event, mouse) => {
      if (mouse.type !== 'mouseDown') return;
      this.focusState = onViewMouseDown(this.focusState);
      this.guardLoad = 0;
    });
    view.webContents.on('focus', () => {
      if (!this.guardLoad) return;
      this.guardLoad = 0;
      this.leave(null);
    });
    return view;
  }
}
