// Keyboard focus into and out of the message HTML view (issue 15, accessibility), the decisions
// only (pure; message-view.ts does the Electron side).
//
// Why this exists: in Electron the HTML body is a separate WebContentsView. The app's Tab never
// enters it (it is not in the renderer's document), and inside it Electron's
// `WebContents::TakeFocus` wraps Tab past the last link back to the view's first link
// (`source->FocusThroughTabTraversal(reverse)` for an outermost web contents), so a keyboard user
// who got in would never get out. JavaScript is off in the view, so main cannot ask the page where
// its focus is.
//
// Design: main knows the document it serves, so it counts the view's tab stops (htmlparser2, the
// rules below) and follows Tab / Shift+Tab itself through the view's `before-input-event`:
// - entering (the renderer's Tab reached the message area): main focuses the view and, when the
//   view's focus is not already on the wanted end, sends one Tab (Shift+Tab) so the first (last)
//   stop gets the focus; from a middle or unknown position the document is loaded again first
//   (a fresh document focuses nothing: Tab goes to the first stop, Shift+Tab to the last);
// - Tab on the last stop (Shift+Tab on the first) is held back and the focus goes to the
//   renderer, which moves it to the control after (before) the message area: the cycle wraps like
//   the browser path (renderer lib/focus-order.ts);
// - Escape leaves the message at any stop: the focus goes back to the message area itself;
// - a mouse press in the view makes the position unknown (the click may focus any link): the
//   next Tab leaves the view; the next entry loads the document again to start from an end.
// A count can be wrong where the message's own style sheet hides links or makes a box
// scrollable (Chromium then adds it as a stop): the user then leaves one stop early, or goes round
// the view's links once more before leaving; never a trap, and Escape always leaves.
// Rejected: a single tab stop with a key to reach links (links unreachable by Tab, unlike the
// browser path); JavaScript in the view to report focus (the view's wall is "no script at all").
import { Parser } from 'htmlparser2';

/** Where the view's own document has its focus, as far as main can know. */
export type FocusPosition = 'none' | 'unknown' | number;

export interface ViewFocus {
  /** tab stops of the document shown */
  readonly stops: number;
  /** 'none': fresh document, nothing focused; a number: the index of the focused stop */
  readonly at: FocusPosition;
}

/** The renderer's neighbour that gets the focus back: after or before the message area, or the area itself. */
export type LeaveTo = 'next' | 'previous' | 'holder';

/** What main does when the renderer's Tab reaches the message area. */
export type EntryPlan =
  | { enter: false }
  | { enter: true; reload: boolean; key: 'Tab' | 'Shift+Tab' | null };

export type KeyDecision = { action: 'pass' } | { action: 'leave'; to: LeaveTo };

/** The subset of Electron's `Input` (before-input-event) the decision reads. */
export interface KeyInput {
  type: string;
  key: string;
  shift: boolean;
  control: boolean;
  alt: boolean;
  meta: boolean;
  isComposing?: boolean;
}

const NATIVE_LINKS = new Set(['a', 'area']);
const CONTROLS = new Set(['button', 'select', 'textarea', 'iframe']);
const MEDIA = new Set(['audio', 'video']);
const HIDDEN_STYLE = /(^|;)\s*(display\s*:\s*none|visibility\s*:\s*(hidden|collapse))\s*(!important\s*)?(;|$)/i;

interface Open {
  name: string;
  /** nothing inside is rendered (hidden, inert, template, closed <details> body) */
  skip: boolean;
  /** a <details>: open, and whether its first <summary> child was seen */
  details?: { open: boolean; summarySeen: boolean };
}

function isFocusable(name: string, attrs: Record<string, string>, parent: Open | undefined): boolean {
  if ('contenteditable' in attrs && attrs.contenteditable?.toLowerCase() !== 'false') return true;
  if ('tabindex' in attrs) {
    const n = Number.parseInt(attrs.tabindex ?? '', 10);
    if (Number.isFinite(n)) return n >= 0;
  }
  if (NATIVE_LINKS.has(name)) return 'href' in attrs;
  if ('disabled' in attrs && (CONTROLS.has(name) || name === 'input')) return false;
  if (CONTROLS.has(name)) return true;
  if (name === 'input') return (attrs.type ?? '').toLowerCase() !== 'hidden';
  if (MEDIA.has(name)) return 'controls' in attrs;
  // the first <summary> child of a <details> is its toggle
  return name === 'summary' && parent?.details !== undefined && !parent.details.summarySeen;
}

/**
 * Chromium's sequential-navigation stops of a document, counted from its markup: links with href,
 * form controls (the renderer's sanitiser removes them; counted in case), media with controls,
 * `tabindex` ≥ 0, contenteditable, the toggle of each <details>; nothing inside `hidden`, `inert`,
 * <template>, an inline `display:none` / `visibility:hidden`, or a closed <details>' body.
 */
export function countTabStops(html: string): number {
  let count = 0;
  const stack: Open[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const parent = stack.at(-1);
        const hiddenHere = 'hidden' in attrs || 'inert' in attrs || name === 'template' || HIDDEN_STYLE.test(attrs.style ?? '');
        // inside a closed <details>, only its first <summary> child is rendered
        const isToggle = name === 'summary' && parent?.details !== undefined && !parent.details.summarySeen;
        const closedBody = parent?.details !== undefined && !parent.details.open && !isToggle;
        const skip = (parent?.skip ?? false) || hiddenHere || closedBody;
        if (!skip && isFocusable(name, attrs, parent)) count++;
        if (isToggle) parent!.details!.summarySeen = true;
        stack.push({ name, skip, ...(name === 'details' ? { details: { open: 'open' in attrs, summarySeen: false } } : {}) });
      },
      onclosetag(name) {
        // htmlparser2 reports implied and void closes too; pop to the matching open element
        const i = stack.findLastIndex((o) => o.name === name);
        if (i < 0) return;
        for (const closed of stack.splice(i)) {
          // a <details> without <summary> gets Chromium's default one, a stop
          if (closed.details && !closed.details.summarySeen && !closed.skip) count++;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return count;
}

/** A document just served: nothing focused in it yet. */
export function freshFocus(stops: number): ViewFocus {
  return { stops, at: 'none' };
}

/**
 * The renderer's Tab (Shift+Tab when `backwards`) reached the message area: how to put the
 * view's focus on its first (last) stop. No stop: nothing to enter, the renderer goes on.
 */
export function enterView(state: ViewFocus, backwards: boolean): { plan: EntryPlan; state: ViewFocus } {
  const { stops, at } = state;
  if (stops === 0) return { plan: { enter: false }, state };
  const last = stops - 1;
  const target = backwards ? last : 0;
  const next: ViewFocus = { stops, at: target };
  const key = backwards ? 'Shift+Tab' : 'Tab';
  if (at === target) return { plan: { enter: true, reload: false, key: null }, state: next };
  if (at === 'none') return { plan: { enter: true, reload: false, key }, state: next };
  // one step that wraps inside the view (Electron's TakeFocus) reaches the other end
  if ((!backwards && at === last) || (backwards && at === 0)) return { plan: { enter: true, reload: false, key }, state: next };
  // a middle or unknown position: start again from a fresh document
  return { plan: { enter: true, reload: true, key }, state: next };
}

/** A key pressed while the view has the focus (its `before-input-event`). */
export function onViewKey(state: ViewFocus, input: KeyInput): { decision: KeyDecision; state: ViewFocus } {
  const pass = { decision: { action: 'pass' } as const, state };
  if (input.type !== 'keyDown' || input.isComposing || input.control || input.alt || input.meta) return pass;
  if (input.key === 'Escape' && !input.shift) return { decision: { action: 'leave', to: 'holder' }, state };
  if (input.key !== 'Tab') return pass;
  const backwards = input.shift;
  const leave = { decision: { action: 'leave', to: backwards ? 'previous' : 'next' } as const, state };
  const { stops, at } = state;
  if (stops === 0 || at === 'unknown') return leave;
  if (at === 'none') return { decision: { action: 'pass' }, state: { stops, at: backwards ? stops - 1 : 0 } };
  if (backwards ? at <= 0 : at >= stops - 1) return leave;
  return { decision: { action: 'pass' }, state: { stops, at: backwards ? at - 1 : at + 1 } };
}

/** A mouse press in the view: it may have focused any link, or none. */
export function onViewMouseDown(state: ViewFocus): ViewFocus {
  return state.stops === 0 ? state : { stops: state.stops, at: 'unknown' };
}
