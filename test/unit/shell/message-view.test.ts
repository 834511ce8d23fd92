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
  const view = { webContents: { loadURL: async (u: string) => { loads.push(u); } }, setBounds: (b: unknown) => loads.push(`bounds ${JSON.stringify(b)}`) };
  const parent = { contentView: { addChildView: (v: unknown) => children.push(v), removeChildView: (v: unknown) => children.splice(children.indexOf(v), 1) } };
  let created = 0;
  const controller = new MessageViewController(() => { created++; return view as never; }, session as never, () => parent as never);
  const allowed = (url: string, resourceType: string) => {
    let verdict: { cancel: boolean } | undefined;
    filter!({ url, resourceType }, (r) => (verdict = r));
    return !verdict!.cancel;
  };
  return { controller, serve: () => handler!({ url: MESSAGE_URL }), allowed, loads, children, session, created: () => created, permission: () => permission };
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
