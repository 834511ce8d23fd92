// Remote images fetched by main (issue 15, point 9): the pure decisions — which URL,
// which redirect, which answer, which bytes — and which <img> the core fetches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IMAGE_LIMITS, checkImageUrl, checkRedirect, checkResponseHead, imageDataUrl, publicAddress, remoteImageUrls, sniffImageType } from '../../../src-main/images/index.js';
import { PNG_1X1 } from '../../support/image-server.js';

const reason = (d: { ok: boolean; reason?: string }) => (d.ok ? 'ok' : d.reason);

test('only https URLs without credentials, never towards the local machine or network', () => {
  assert.equal(reason(checkImageUrl('https://cdn.exemple.fr/logo.png')), 'ok');
  assert.equal(reason(checkImageUrl('  https://cdn.exemple.fr/logo.png ')), 'ok');
  assert.equal(reason(checkImageUrl('http://cdn.exemple.fr/logo.png')), 'not-https');
  assert.equal(reason(checkImageUrl('ftp://cdn.exemple.fr/logo.png')), 'not-https');
  assert.equal(reason(checkImageUrl('data:image/png;base64,AAAA')), 'not-https');
  assert.equal(reason(checkImageUrl('https://user:pass@cdn.exemple.fr/a.png')), 'bad-url');
  assert.equal(reason(checkImageUrl('https://')), 'bad-url');
  assert.equal(reason(checkImageUrl(`https://a.fr/${'x'.repeat(IMAGE_LIMITS.maxUrlLength)}`)), 'bad-url');
  for (const host of ['127.0.0.1', '10.1.2.3', '192.168.1.10', '172.20.0.1', '169.254.169.254', '[::1]', '[fe80::1]', '[fd00::1]', '0.0.0.0', 'localhost', 'imprimante.local']) {
    assert.equal(reason(checkImageUrl(`https://${host}/p.png`)), 'private-address', host);
  }
  assert.equal(reason(checkImageUrl('https://93.184.216.34/p.png')), 'ok');
  // the test bench's loopback server, and only loopback
  assert.equal(reason(checkImageUrl('https://127.0.0.1/p.png', { allowLoopback: true })), 'ok');
  assert.equal(reason(checkImageUrl('https://localhost/p.png', { allowLoopback: true })), 'ok');
  assert.equal(reason(checkImageUrl('https://192.168.1.10/p.png', { allowLoopback: true })), 'private-address');
});

test('resolved addresses: public ones only', () => {
  assert.equal(publicAddress('93.184.216.34'), true);
  assert.equal(publicAddress('2606:2800:220:1::1'), true);
  for (const ip of ['127.0.0.1', '10.0.0.1', '100.64.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '::1', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', 'not an ip']) {
    assert.equal(publicAddress(ip), false, ip);
  }
  assert.equal(publicAddress('127.0.0.1', { allowLoopback: true }), true);
  assert.equal(publicAddress('10.0.0.1', { allowLoopback: true }), false);
});

test('redirects: bounded, resolved against the current URL, each target checked again', () => {
  const from = new URL('https://cdn.exemple.fr/a/b.png');
  const next = checkRedirect(from, '/c.png', 0);
  assert.ok(next.ok && next.value.href === 'https://cdn.exemple.fr/c.png');
  assert.equal(reason(checkRedirect(from, 'http://cdn.exemple.fr/c.png', 0)), 'not-https', 'no downgrade to http');
  assert.equal(reason(checkRedirect(from, 'https://10.0.0.1/c.png', 0)), 'private-address');
  assert.equal(reason(checkRedirect(from, undefined, 0)), 'http-status');
  assert.equal(reason(checkRedirect(from, '/c.png', IMAGE_LIMITS.maxRedirects - 1)), 'ok');
  assert.equal(reason(checkRedirect(from, '/c.png', IMAGE_LIMITS.maxRedirects)), 'too-many-redirects');
});

test('answers: 200, an image type (not SVG), a declared size under the limit', () => {
  assert.equal(reason(checkResponseHead(200, 'image/png', '68')), 'ok');
  assert.equal(reason(checkResponseHead(200, 'image/jpeg; charset=binary', undefined)), 'ok');
  assert.equal(reason(checkResponseHead(404, 'image/png', '10')), 'http-status');
  assert.equal(reason(checkResponseHead(200, 'text/html', '10')), 'not-an-image');
  assert.equal(reason(checkResponseHead(200, 'image/svg+xml', '10')), 'not-an-image');
  assert.equal(reason(checkResponseHead(200, undefined, '10')), 'not-an-image');
  assert.equal(reason(checkResponseHead(200, 'image/png', String(IMAGE_LIMITS.maxBytes + 1))), 'too-large');
  assert.equal(reason(checkResponseHead(200, 'image/png', 'lots')), 'too-large');
});

test('the bytes must be an image themselves; the data: URL names the type they are', () => {
  assert.equal(sniffImageType(PNG_1X1), 'image/png');
  assert.equal(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  assert.equal(sniffImageType(Buffer.from('GIF89a')), 'image/gif');
  assert.equal(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
  assert.equal(sniffImageType(Buffer.from('<html>')), null);
  const data = imageDataUrl(PNG_1X1);
  assert.ok(data.ok && data.value === `data:image/png;base64,${PNG_1X1.toString('base64')}`);
  assert.equal(reason(imageDataUrl(Buffer.from('<html><script>x</script>'))), 'not-an-image');
  assert.equal(reason(imageDataUrl(Buffer.alloc(IMAGE_LIMITS.maxBytes + 1))), 'too-large');
});

test('what the core fetches: the remote src of <img> elements, decoded like a browser, once each', () => {
  const html = `<p>Bonjour</p><IMG SRC="https://a.fr/x.png?a=1&amp;b=2"><img src="https://a.fr/x.png?a=1&b=2">
    <img src="http://b.fr/y.gif"><img src="//c.fr/z.png"><img src="data:image/png;base64,AAAA"><img src="cid:logo">
    <div style="background:url(https://d.fr/bg.png)"></div><video poster="https://e.fr/p.png"></video><script>new Image().src='https://f.fr/s.png'</script>`;
  assert.deepEqual(remoteImageUrls(html), ['https://a.fr/x.png?a=1&b=2', 'http://b.fr/y.gif', '//c.fr/z.png']);
});
