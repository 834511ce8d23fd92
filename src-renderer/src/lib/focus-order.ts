// Keyboard focus order across the app and the message frame (issue 15, accessibility). Chromium
// does not step into the sandboxed, script-less frame of an HTML message with Tab, and Tab on the
// app's last control leaves the page for the browser's own UI; a keyboard user is then stuck.
// The browser's own order is kept everywhere else: these handlers act only at those boundaries
// (into and out of a message frame, and around the ends of the app), and not while a modal
// dialog holds the focus. No library fits: focus-trap libraries confine focus to one container,
// which is not this.
// In Electron the message is not a frame but main's own view over a placeholder element (the
// "holder", `data-message-view`): reaching it sends `messageview-enter` (MessageBody asks main to
// focus the view), and main's `messageView.focusLeft` comes back through `focusAfterView`
// (main's half: src-main/shell/message-focus.ts).

const TABBABLE = 'a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable="true"]';

// No instanceof: the frame's elements belong to another realm (its own HTMLElement).
function isTabbable(el: Element): el is HTMLElement {
  const h = el as HTMLElement;
  if (typeof h.tabIndex !== 'number' || h.tabIndex < 0 || h.hasAttribute('disabled') || h.closest('[inert], [hidden]')) return false;
  if (h.tagName === 'INPUT' && (h as HTMLInputElement).type === 'hidden') return false;
  // rendered (not display:none, not visibility:hidden)
  if (h.getClientRects().length === 0) return false;
  return h.ownerDocument.defaultView?.getComputedStyle(h).visibility !== 'hidden';
}

/** The tab stops of a document in DOM order (the app sets no positive tabindex); a frame is one stop. */
export function tabStops(doc: Document): HTMLElement[] {
  return [...doc.querySelectorAll(TABBABLE)].filter(isTabbable);
}

/** Same-origin frames we own (the message frame): their document, or null. */
function frameDoc(el: Element | null | undefined): Document | null {
  if (!(el instanceof HTMLIFrameElement)) return null;
  try {
    return el.contentDocument;
  } catch {
    return null;
  }
}

/**
 * Focuses the stop `from` (an index in `stops`, may be -1 or stops.length) going forward or
 * backwards, wrapping at the ends; a frame is entered at its first (or last) control, and
 * skipped when it has none.
 */
function focusStop(stops: HTMLElement[], from: number, backwards: boolean): boolean {
  const n = stops.length;
  for (let step = 0; step < n; step++) {
    const i = (((backwards ? from - step : from + step) % n) + n) % n;
    const stop = stops[i]!;
    const inner = frameDoc(stop);
    if (inner) {
      const innerStops = tabStops(inner);
      const target = backwards ? innerStops.at(-1) : innerStops[0];
      if (!target) continue;
      stop.focus();
      target.focus();
      return true;
    }
    if (viewHolder(stop)) {
      stop.focus();
      stop.dispatchEvent(new CustomEvent(ENTER_VIEW, { detail: { backwards } }));
      return true;
    }
    stop.focus();
    return true;
  }
  return false;
}

/** Event on the holder of main's message view: the Tab order reached it (`detail.backwards`). */
export const ENTER_VIEW = 'messageview-enter';

/** The placeholder of the Electron message view (MessageBody): a stop handed to main. */
function viewHolder(el: Element | null | undefined): boolean {
  return !!el && el.hasAttribute('data-message-view');
}

function modalOpen(doc: Document): boolean {
  return doc.querySelector('dialog:modal') !== null;
}

/** Tab in the app's document: into a frame, and around the ends. Returns true when it moved the focus. */
export function onAppTab(event: KeyboardEvent, doc: Document = document): boolean {
  if (event.key !== 'Tab' || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || modalOpen(doc)) return false;
  const stops = tabStops(doc);
  const active = doc.activeElement;
  const at = active ? stops.indexOf(active as HTMLElement) : -1;
  if (at < 0 || frameDoc(active)) return false; // not on a stop (the page, a pane), or inside a frame: its own handler
  const backwards = event.shiftKey;
  const next = backwards ? at - 1 : at + 1;
  const wraps = next < 0 || next >= stops.length;
  if (!wraps && !frameDoc(stops[next]) && !viewHolder(stops[next])) return false; // the browser's own step
  event.preventDefault();
  return focusStop(stops, wraps ? (backwards ? stops.length - 1 : 0) : next, backwards);
}

/**
 * Tab inside a message frame (its document's keydown): past its last control (or before its
 * first) the focus goes back to the app's next (previous) stop, wrapping at the ends.
 */
export function onFrameTab(event: KeyboardEvent, frame: HTMLIFrameElement): boolean {
  if (event.key !== 'Tab' || event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return false;
  const inner = frame.contentDocument;
  if (!inner) return false;
  const innerStops = tabStops(inner);
  const at = inner.activeElement ? innerStops.indexOf(inner.activeElement as HTMLElement) : -1;
  const backwards = event.shiftKey;
  const leaving = at < 0 || (backwards ? at === 0 : at === innerStops.length - 1);
  if (!leaving) return false;
  const doc = frame.ownerDocument;
  const stops = tabStops(doc);
  const self = stops.indexOf(frame);
  if (self < 0) return false;
  event.preventDefault();
  (inner.activeElement as HTMLElement | null)?.blur?.();
  return focusStop(stops.filter((s) => s !== frame), backwards ? self - 1 : self, backwards);
}

/**
 * Main's message view gave the focus back (`messageView.focusLeft`, or main had nothing to focus):
 * to the app's control after ('next') or before ('previous') the holder, wrapping at the ends, or
 * to the holder itself (Escape in the view).
 */
export function focusAfterView(holder: HTMLElement, to: 'next' | 'previous' | 'holder'): boolean {
  if (to === 'holder') {
    holder.focus();
    return true;
  }
  const others = tabStops(holder.ownerDocument).filter((s) => s !== holder);
  if (!others.length) return false;
  // the first stop after the holder in document order (others.length when none: wraps to the first)
  const after = others.findIndex((s) => (holder.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
  const next = after < 0 ? others.length : after;
  const backwards = to === 'previous';
  return focusStop(others, backwards ? next - 1 : next, backwards);
}
