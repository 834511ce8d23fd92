import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmingOpener, hardenSession, hardenWebContents } from '../../../src-main/shell/security.js';

type Handler = (...args: unknown[]) => unknown;

function fakeContents() {
  const handlers = new Map<string, Handler>();
  let windowOpen: Handler | undefined;
  return {
    handlers,
    open: (url: string) => windowOpen!({ url }),
    on(event: string, handler: Handler) {
      handlers.set(event, handler);
      return this;
    },
    setWindowOpenHandler(handler: Handler) {
      windowOpen = handler;
    },
  };
}

function navigationEvent(url: string) {
  return { url, prevented: false, preventDefault() { this.prevented = true; } };
}

test('navigation away from the UI is refused; http(s)/mailto links go to the confirming opener', async () => {
  const contents = fakeContents();
  const asked: string[] = [];
  hardenWebContents(contents as never, async (url) => { asked.push(url); return false; });

  const inside = navigationEvent('app://mssante/index.html');
  contents.handlers.get('will-navigate')!(inside);
  assert.equal(inside.prevented, false);

  for (const url of ['https://phishing.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.fr']) {
    const e = navigationEvent(url);
    contents.handlers.get('will-navigate')!(e);
    assert.equal(e.prevented, true, url);
  }
  assert.deepEqual(asked, ['https://phishing.example/', 'mailto:a@b.fr']);

  const redirect = navigationEvent('https://elsewhere.example/');
  contents.handlers.get('will-redirect')!(redirect);
  assert.equal(redirect.prevented, true);
});

test('new windows are always denied and <webview> never attaches', () => {
  const contents = fakeContents();
  const asked: string[] = [];
  hardenWebContents(contents as never, async (url) => { asked.push(url); return true; });
  assert.deepEqual(contents.open('https://example.org/'), { action: 'deny' });
  assert.deepEqual(contents.open('app://mssante/index.html'), { action: 'deny' });
  assert.deepEqual(contents.open('file:///tmp/x'), { action: 'deny' });
  assert.deepEqual(asked, ['https://example.org/']);
  const attach = navigationEvent('');
  contents.handlers.get('will-attach-webview')!(attach);
  assert.equal(attach.prevented, true);
});

test('every permission request and check is denied', () => {
  let request: Handler | undefined;
  let check: Handler | undefined;
  let device: Handler | undefined;
  hardenSession({
    setPermissionRequestHandler: (h: Handler) => { request = h; },
    setPermissionCheckHandler: (h: Handler) => { check = h; },
    setDevicePermissionHandler: (h: Handler) => { device = h; },
  } as never);
  for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'hid']) {
    let granted: unknown;
    request!({}, permission, (g: boolean) => { granted = g; }, {});
    assert.equal(granted, false, permission);
    assert.equal(check!({}, permission, 'app://mssante', {}), false, permission);
  }
  assert.equal(device!({}), false);
});

test('openExternal happens only for allowed URLs and only after the user chose "Ouvrir"', async () => {
  const opened: string[] = [];
  const prompts: { message: string; buttons: string[] }[] = [];
  let answer = 0;
  const opener = confirmingOpener(
    { showMessageBox: async (...args: unknown[]) => { prompts.push(args.at(-1) as never); return { response: answer, checkboxChecked: false }; } } as never,
    { openExternal: async (url: string) => { opened.push(url); } } as never,
    () => undefined,
  );
  assert.equal(await opener('javascript:alert(1)'), false);
  assert.equal(prompts.length, 0, 'a refused scheme is not even proposed');
  assert.equal(await opener('https://example.org/'), false, 'cancel by default');
  answer = 1;
  assert.equal(await opener('https://example.org/'), true);
  assert.deepEqual(opened, ['https://example.org/']);
  assert.equal(prompts[0]!.message, 'Ouvrir ce lien dans votre navigateur ?');
  assert.deepEqual(prompts[0]!.buttons, ['Annuler', 'Ouvrir']);
});
