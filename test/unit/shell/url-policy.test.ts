import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalUrlAllowed, isTrustedSender, messageRequestAllowed, MESSAGE_URL } from '../../../src-main/shell/url-policy.js';
import { resolveAppFile, serveAppRequest } from '../../../src-main/shell/app-protocol.js';
import { messageCsp } from '../../../src-main/common/csp.js';

const trusted = new Set([7]);

test('IPC is served only to the top frame of our window showing app://mssante/', () => {
  const ok = { frameUrl: 'app://mssante/index.html', isMainFrame: true, webContentsId: 7 };
  assert.equal(isTrustedSender(ok, trusted), true);
  assert.equal(isTrustedSender({ ...ok, isMainFrame: false }, trusted), false, 'an iframe');
  assert.equal(isTrustedSender({ ...ok, webContentsId: 8 }, trusted), false, 'another web contents (message view)');
  assert.equal(isTrustedSender({ ...ok, frameUrl: undefined }, trusted), false, 'a destroyed frame');
  for (const url of ['https://evil.example/', 'file:///app/index.html', 'app://other/index.html', 'app://user:pw@mssante/', 'mssante-message://view/message.html', 'about:blank', 'data:text/html,x']) {
    assert.equal(isTrustedSender({ ...ok, frameUrl: url }, trusted), false, url);
  }
});

test('only http(s) and mailto may be handed to the OS', () => {
  for (const url of ['https://annuaire.sante.fr/', 'http://example.org/a?b', 'mailto:dr.martin@medecin.mssante.fr']) assert.equal(externalUrlAllowed(url), true, url);
  for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'smb://host/share', 'ms-msdt:/id', 'vscode://x', 'https://user:pass@host/', 'mailto:', 'not a url', 'data:text/html,x']) {
    assert.equal(externalUrlAllowed(url), false, url);
  }
});

test('the message view loads its own document and data: images; nothing from the network ever', () => {
  assert.equal(messageRequestAllowed(MESSAGE_URL, 'mainFrame'), true);
  assert.equal(messageRequestAllowed('data:image/png;base64,AAAA', 'image'), true);
  // remote images, once allowed, arrive as data: URLs fetched by main (src-main/images/)
  for (const [url, type] of [['https://tracker.example/p.gif', 'image'], ['http://tracker.example/p.gif', 'image'], ['https://x.example/a.css', 'stylesheet'], ['https://x.example/f', 'xhr'], ['https://x.example/s.js', 'script'], ['https://x.example/', 'subFrame'], ['wss://x.example/', 'webSocket'], ['https://x.example/font.woff', 'font'], ['file:///etc/passwd', 'image']] as const) {
    assert.equal(messageRequestAllowed(url, type), false, `${type} ${url}`);
  }
  assert.match(messageCsp(), /script-src 'none'/);
  assert.match(messageCsp(), /img-src data:(;|$)/);
  assert.doesNotMatch(messageCsp(), /https?:/, 'no network source in the view, whatever the user chose');
});

test('app:// serves only files of the renderer folder, with the CSP header', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-ui-'));
  try {
    const root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>ok</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.html'), 'secret');
    symlinkSync(join(dir, 'secret.html'), join(root, 'escape.html'));

    assert.equal(resolveAppFile('app://mssante/', root), join(root, 'index.html'));
    for (const url of ['app://mssante/../secret.html', 'app://mssante/%2e%2e/secret.html', 'app://mssante/assets/..%2f..%2fsecret.html', 'app://mssante/..%5csecret.html', 'app://other/index.html', 'file:///etc/passwd', 'app://mssante/%00.html', 'app://mssante/x.exe']) {
      const file = resolveAppFile(url, root);
      assert.ok(file === undefined || file.startsWith(root + '/'), url);
    }

    const index = await serveAppRequest('app://mssante/index.html', root);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await serveAppRequest('app://mssante/assets/app.js', root)).headers.get('content-type'), 'text/javascript; charset=utf-8');

    for (const url of ['app://mssante/escape.html', 'app://mssante/../secret.html', 'app://mssante/missing.html']) {
      const res = await serveAppRequest(url, root);
      assert.equal(res.status, 404, url);
      assert.notEqual(await res.text(), 'secret');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
