// The isolated message view: what its partition serves and lets through, and
// that hiding (also done at lock) leaves no message content behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { MessageViewController } from '../../../src-main/shell/message-view.js';
import { MESSAGE_URL } from '../../../src-main/shell/url-policy.js';

function setup() {
  let handler: ((request: { url: string }) => Promise<Response>) | undefined;
  let filter: ((details: { url: string; resourceType: string }, cb: (r: { cancel: boolean }) => void) => void) | undefined;
  let permission: ((...args: unknown[]) => void) | undefined;
  const session = Object.assign(new EventEmitter(), {
    protocol: { handle: (_scheme: string, fn: typeof handler) => (handler = fn) },
    webRequest: { onBeforeRequest: (fn: typeof filter) => (filter = fn) },
    setPermissionRequestHandler: (fn: typeof permission) => (permission = fn),
    setPermissionCheckHandler: () => {},
    setDevicePermissionHandler: () => {},
  });
  const loads: string[] = [];
  const children: unknown[] = [];
  // the view's web contents: loads, focus and the keys main sends; its input events are emitted by the test
  const contents = Object.assign(new EventEmitter(), {
    focused: 0,
    sent: [] as { keyCode: string; modifiers: string[] }[],
    loadURL: async (u: string) => { loads.push(u); },
    focus: () => contents.focused++,
    isFocused: () => false,
    sendInputEvent: (e: { keyCode: string; modifiers: string[] }) => {
      contents.sent.push(e);
      // Electron emits before-input-event for the keys main sends too (spec/api-web-contents-spec.ts)
      contents.emit('before-input-event', { preventDefault: () => assert.fail('a key main sent is never held') }, { type: 'keyDown', key: 'Tab', shift: e.modifiers.includes('shift'), control: false, alt: false, meta: false });
    },
  });
  const view = { webContents: contents, setBounds: (b: unknown) => loads.push(`bounds ${JSON.stringify(b)}`) };
  const parent = { contentView: { addChildView: (v: unknown) => children.push(v), removeChildView: (v: unknown) => children.splice(children.indexOf(v), 1) } };
  let created = 0;
  const left: (string | null)[] = [];
  const controller = new MessageViewController(() => { created++; return view as never; }, session as never, () => parent as never, (to) => left.push(to));
  const allowed = (url: string, resourceType: string) => {
    let verdict: { cancel: boolean } | undefined;
    filter!({ url, resourceType }, (r) => (verdict = r));
    return !verdict!.cancel;
  };
  /** A key pressed by the user in the view: true when main held it back. */
  const press = (key: string, shift = false): boolean => {
    let held = false;
    contents.emit('before-input-event', { preventDefault: () => (held = true) }, { type: 'keyDown', key, shift, control: false, alt: false, meta: false });
    return held;
  };
  const click = () => contents.emit('before-mouse-event', {}, { type: 'mouseDown', x: 1, y: 1 });
  return { controller, serve: () => handler!({ url: MESSAGE_URL }), allowed, loads, children, session, created: () => created, permission: () => permission, contents, press, click, left };
}

test('the view serves the message under a script-less CSP, and only what was asked for', async () => {
  const v = setup();
  assert.equal(v.controller.show('<p>Bonjour <img src="https://tracker.example/p.gif"></p>', { x: 300, y: 120, width: 600, height: 400 }), true);
  const res = await v.serve();
  assert.equal(await res.text(), '<p>Bonjour <img src="https://tracker.example/p.gif"></p>');
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'none'.*img-src data:;/);
  assert.equal(v.allowed('https://tracker.example/p.gif', 'image'), false, 'no remote image by default');
  assert.equal(v.allowed(`${MESSAGE_URL}?n=1`, 'mainFrame'), true);

  // images the user allowed come as data: URLs fetched by main: the view still has no network
  v.controller.show('<p>Bonjour <img src="data:image/png;base64,iVBORw0KGgo="></p>', { x: 300, y: 120, width: 600, height: 400 });
  assert.match((await v.serve()).headers.get('content-security-policy') ?? '', /img-src data:;/);
  assert.equal(v.allowed('data:image/png;base64,iVBORw0KGgo=', 'image'), true);
  assert.equal(v.allowed('https://tracker.example/p.gif', 'image'), false, 'never a remote image');
  assert.equal(v.allowed('http://tracker.example/p.gif', 'image'), false);
  assert.equal(v.allowed('https://tracker.example/x.js', 'script'), false);
  assert.equal(v.created(), 1, 'one view reused');
  assert.equal(v.loads.filter((l) => l.startsWith(MESSAGE_URL)).length, 2, 'a fresh load per message');

  let prevented = false;
  v.session.emit('will-download', { preventDefault: () => (prevented = true) });
  assert.equal(prevented, true, 'no download from a message');
  let granted: unknown;
  v.permission()!({}, 'notifications', (g: boolean) => (granted = g));
  assert.equal(granted, false);
});

test('hiding detaches the view and forgets the content', async () => {
  const v = setup();
  v.controller.show('<p>Compte rendu</p>', { x: 0, y: 0, width: 10, height: 10 });
  assert.equal(v.children.length, 1);
  assert.equal(v.controller.hide(), false);
  assert.equal(v.children.length, 0);
  assert.equal(await (await v.serve()).text(), '');
    assert.equal(v.controller.setBounds({ x: 0, y: 0, width: 1, height: 1 }), false);
  assert.equal(v.loads.at(-1), 'about:blank');
});

const LINKS = '<p>Voir <a href="https://exemple.fr/a">a</a>, <a href="https://exemple.fr/b">b</a> et <a href="https://exemple.fr/c">c</a>.</p>';
const BOUNDS = { x: 0, y: 0, width: 10, height: 10 };
const pageLoads = (v: ReturnType<typeof setup>) => v.loads.filter((l) => l.startsWith(MESSAGE_URL)).length;

test('keyboard: Tab enters the view on its first link, walks its links and hands the focus back after the last', async () => {
  const v = setup();
  assert.equal(v.controller.tabStops(), 0, 'nothing shown');
  assert.equal(await v.controller.focus(false), false);
  v.controller.show(LINKS, BOUNDS);
  assert.equal(v.controller.tabStops(), 3);
  assert.equal(await v.controller.focus(false), true);
  assert.equal(v.contents.focused, 1, 'the view has the keyboard');
  assert.deepEqual(v.contents.sent, [{ type: 'keyDown', keyCode: 'Tab', modifiers: [] }], 'one Tab from the fresh document: its first link');
  assert.equal(v.press('Tab'), false);
  assert.equal(v.press('Tab'), false);
  assert.deepEqual(v.left, []);
  assert.equal(v.press('Tab'), true, 'past the last link: held back');
  assert.deepEqual(v.left, ['next'], 'and the renderer gets the focus, after the message area');
  // Shift+Tab from the app's next control: back onto the last link, no key needed (the view kept it)
  assert.equal(await v.controller.focus(true), true);
  assert.equal(v.contents.sent.length, 1);
  assert.equal(v.press('Tab', true), false);
  assert.equal(v.press('Tab', true), false);
  assert.equal(v.press('Tab', true), true);
  assert.deepEqual(v.left, ['next', 'previous']);
  // Escape leaves at any stop, for the message area itself
  await v.controller.focus(false);
  assert.equal(v.press('Escape'), true);
  assert.deepEqual(v.left, ['next', 'previous', 'holder']);
  assert.equal(pageLoads(v), 1, 'no reload on the way');
});

test('keyboard: after a mouse press in the view, Tab leaves it and the next entry starts again from a fresh document', async () => {
  const v = setup();
  v.controller.show(LINKS, BOUNDS);
  await v.controller.focus(false);
  v.click();
  assert.equal(v.press('Tab'), true);
  assert.deepEqual(v.left, ['next']);
  assert.equal(await v.controller.focus(true), true);
  assert.equal(pageLoads(v), 2, 'loaded again');
  assert.deepEqual(v.contents.sent.at(-1), { type: 'keyDown', keyCode: 'Tab', modifiers: ['shift'] }, 'Shift+Tab from nothing: the last link');
  assert.equal(v.press('Tab', true), false, 'then the links before it');
});

test('keyboard: a message without a link is not entered; a new message starts fresh; hiding forgets the stops', async () => {
  const v = setup();
  v.controller.show('<p>Texte seul</p>', BOUNDS);
  assert.equal(v.controller.tabStops(), 0);
  assert.equal(await v.controller.focus(false), false);
  assert.equal(v.contents.focused, 0);
  v.controller.show(LINKS, BOUNDS);
  await v.controller.focus(false);
  v.press('Tab');
  v.controller.show('<p><a href="https://exemple.fr/x">x</a></p>', BOUNDS);
  assert.equal(v.controller.tabStops(), 1);
  assert.equal(await v.controller.focus(true), true);
  assert.deepEqual(v.contents.sent.at(-1), { type: 'keyDown', keyCode: 'Tab', modifiers: ['shift'] });
  assert.equal(v.press('Tab'), true, 'one link: the next Tab leaves');
  v.controller.hide();
  assert.equal(v.controller.tabStops(), 0);
  assert.equal(await v.controller.focus(false), false);
});

test('opening a message does not take the keyboard: a focus the view grabs while it loads is given back to the window', async () => {
  const v = setup();
  v.controller.show(LINKS, BOUNDS);
  v.contents.emit('focus'); // Electron's addChildView grabbing the focus (electron#42339)
  assert.deepEqual(v.left, [null], 'the window gets its keyboard back, the renderer’s focus stays where it was');
  await new Promise<void>((resolve) => setImmediate(resolve)); // the document loaded
  v.contents.emit('focus'); // later: a click or an entry, the user's
  assert.deepEqual(v.left, [null]);
  // a click while it loads is the user's: the view keeps the keyboard
  v.controller.show(LINKS, BOUNDS);
  v.click();
  v.contents.emit('focus');
  assert.deepEqual(v.left, [null]);
  // and an entry by Tab is never given back
  v.controller.show(LINKS, BOUNDS);
  await v.controller.focus(false);
  v.contents.emit('focus');
  assert.deepEqual(v.left, [null]);
});
