// Keyboard focus into and out of the message HTML view (issue 15 point 12, Electron): the tab
// stops main counts in the document it serves, and every decision of entering, Tab / Shift+Tab /
// Escape inside the view, and a mouse press.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTabStops, enterView, freshFocus, onViewKey, onViewMouseDown, type KeyInput, type ViewFocus } from '../../../src-main/shell/message-focus.js';

/** The shape of the document the renderer's sanitiser hands to main (lib/sanitize.ts): head, CSP meta, style. */
const sanitizedDocumentShape = (body: string) =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'">` +
  `<style>:root{color-scheme:light}a:focus{outline:2px solid}</style></head><body>${body}</body></html>`;

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({ type: 'keyDown', key: k, shift: false, control: false, alt: false, meta: false, ...mods });
const TAB = key('Tab');
const SHIFT_TAB = key('Tab', { shift: true });

test('tab stops: links with href, controls, tabindex ≥ 0, contenteditable, the <details> toggle', () => {
  assert.equal(countTabStops(sanitizedDocumentShape('<p>Texte seul, <a name="ancre">ancre sans lien</a>.</p>')), 0);
  assert.equal(countTabStops(sanitizedDocumentShape('<p>Voir <a href="https://exemple.fr/protocole">le protocole</a> et <a href="mailto:a@b.fr">écrire</a>.</p>')), 2);
  assert.equal(countTabStops('<map><area href="#x"><area></map><img usemap="#m">'), 1);
  assert.equal(countTabStops('<div tabindex="0">a</div><span tabindex="3">b</span><a href="#" tabindex="-1">c</a><div tabindex="x">d</div>'), 2);
  assert.equal(countTabStops('<div contenteditable>a</div><div contenteditable="false">b</div><p contenteditable="true">c</p>'), 2);
  assert.equal(countTabStops('<button>a</button><button disabled>b</button><input type="hidden"><input><select></select><textarea></textarea><iframe></iframe>'), 5);
  assert.equal(countTabStops('<video controls></video><audio></audio>'), 1);
  // <details>: its first <summary> is a stop; a closed one hides its body; without <summary>, Chromium's own toggle
  assert.equal(countTabStops('<details><summary>Plus</summary><a href="#a">caché</a><summary>second</summary></details>'), 1);
  assert.equal(countTabStops('<details open><summary>Plus</summary><a href="#a">visible</a></details>'), 2);
  assert.equal(countTabStops('<details><p>sans titre</p></details>'), 1);
  assert.equal(countTabStops('<details><div><summary>pas un enfant direct</summary></div></details>'), 1);
});

test('tab stops: nothing counted that is not rendered', () => {
  assert.equal(countTabStops('<div hidden><a href="#a">a</a></div><div inert><a href="#b">b</a></div><template><a href="#c">c</a></template>'), 0);
  assert.equal(countTabStops('<div style="display: none !important"><a href="#a">a</a></div><a href="#b" style="color:red;visibility:hidden">b</a><a href="#c" style="display:block">c</a>'), 1);
  // implied closes and void elements do not lose the hidden ancestor
  assert.equal(countTabStops('<div hidden><p>un<p>deux<br><a href="#a">a</a></div><a href="#b">b</a>'), 1);
  assert.equal(countTabStops('<p>Bonjour <a href="#a">a'), 1);
  assert.equal(countTabStops(''), 0);
});

test('entering a fresh document: one Tab (Shift+Tab) puts the focus on its first (last) stop', () => {
  const fwd = enterView(freshFocus(3), false);
  assert.deepEqual(fwd.plan, { enter: true, reload: false, key: 'Tab' });
  assert.deepEqual(fwd.state, { stops: 3, at: 0 });
  const back = enterView(freshFocus(3), true);
  assert.deepEqual(back.plan, { enter: true, reload: false, key: 'Shift+Tab' });
  assert.deepEqual(back.state, { stops: 3, at: 2 });
});

test('a message without any stop is not entered: the renderer goes on to its next control', () => {
  assert.deepEqual(enterView(freshFocus(0), false).plan, { enter: false });
  assert.deepEqual(enterView(freshFocus(0), true).plan, { enter: false });
});

test('entering again: no key when the focus is already at that end, one wrapping key from the other end, a fresh load from the middle', () => {
  const at = (n: ViewFocus['at']): ViewFocus => ({ stops: 4, at: n });
  assert.deepEqual(enterView(at(0), false).plan, { enter: true, reload: false, key: null });
  assert.deepEqual(enterView(at(3), true).plan, { enter: true, reload: false, key: null });
  // Electron wraps Tab inside the view (TakeFocus → FocusThroughTabTraversal): last → first
  assert.deepEqual(enterView(at(3), false).plan, { enter: true, reload: false, key: 'Tab' });
  assert.deepEqual(enterView(at(0), true).plan, { enter: true, reload: false, key: 'Shift+Tab' });
  assert.deepEqual(enterView(at(2), false), { plan: { enter: true, reload: true, key: 'Tab' }, state: at(0) });
  assert.deepEqual(enterView(at(1), true), { plan: { enter: true, reload: true, key: 'Shift+Tab' }, state: at(3) });
  assert.deepEqual(enterView(at('unknown'), false), { plan: { enter: true, reload: true, key: 'Tab' }, state: at(0) });
  // one stop: both ends are the same
  assert.deepEqual(enterView({ stops: 1, at: 0 }, true).plan, { enter: true, reload: false, key: null });
});

test('Tab walks the stops and leaves after the last one; Shift+Tab leaves before the first', () => {
  let s: ViewFocus = enterView(freshFocus(3), false).state;
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = onViewKey(s, TAB);
    seen.push(r.decision.action === 'leave' ? `leave:${r.decision.to}` : `pass→${String(r.state.at)}`);
    s = r.state;
  }
  assert.deepEqual(seen, ['pass→1', 'pass→2', 'leave:next']);
  assert.equal(s.at, 2, 'the key is held back: the view keeps its last stop focused');
  s = enterView(s, true).state;
  assert.deepEqual(onViewKey(s, SHIFT_TAB), { decision: { action: 'pass' }, state: { stops: 3, at: 1 } });
  assert.deepEqual(onViewKey({ stops: 3, at: 0 }, SHIFT_TAB).decision, { action: 'leave', to: 'previous' });
  // one stop: any Tab leaves
  assert.deepEqual(onViewKey({ stops: 1, at: 0 }, TAB).decision, { action: 'leave', to: 'next' });
  assert.deepEqual(onViewKey({ stops: 1, at: 0 }, SHIFT_TAB).decision, { action: 'leave', to: 'previous' });
  // nothing to walk: leave at once
  assert.deepEqual(onViewKey(freshFocus(0), TAB).decision, { action: 'leave', to: 'next' });
});

test('a fresh document with nothing focused yet: Tab goes to the first stop, Shift+Tab to the last', () => {
  assert.deepEqual(onViewKey(freshFocus(3), TAB), { decision: { action: 'pass' }, state: { stops: 3, at: 0 } });
  assert.deepEqual(onViewKey(freshFocus(3), SHIFT_TAB), { decision: { action: 'pass' }, state: { stops: 3, at: 2 } });
});

test('Escape leaves for the message area itself; other keys and key-ups are the page’s', () => {
  assert.deepEqual(onViewKey({ stops: 3, at: 1 }, key('Escape')).decision, { action: 'leave', to: 'holder' });
  assert.deepEqual(onViewKey({ stops: 0, at: 'none' }, key('Escape')).decision, { action: 'leave', to: 'holder' });
  for (const input of [key('Enter'), key('ArrowDown'), key('PageDown'), key('Tab', { type: 'keyUp' }), key('Tab', { control: true }), key('Tab', { alt: true }), key('Tab', { meta: true }), key('Tab', { isComposing: true }), key('Escape', { shift: true })]) {
    const s: ViewFocus = { stops: 3, at: 2 };
    assert.deepEqual(onViewKey(s, input), { decision: { action: 'pass' }, state: s }, JSON.stringify(input));
  }
});

test('a mouse press makes the position unknown: the next Tab leaves, the next entry loads the document again', () => {
  const s = onViewMouseDown({ stops: 3, at: 1 });
  assert.equal(s.at, 'unknown');
  assert.deepEqual(onViewKey(s, TAB).decision, { action: 'leave', to: 'next' });
  assert.deepEqual(onViewKey(s, SHIFT_TAB).decision, { action: 'leave', to: 'previous' });
  assert.deepEqual(enterView(s, true).plan, { enter: true, reload: true, key: 'Shift+Tab' });
  assert.deepEqual(onViewMouseDown(freshFocus(0)), freshFocus(0));
});
