// Remote images fetched by main against loopback HTTPS/HTTP servers (issue 15, point 9):
// HTTPS only, the TLS anchors given (no others), no cookie or referrer sent, redirects
// followed within the bound and checked again, wrong types and oversize answers refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchImage, fetchImages, IMAGE_LIMITS } from '../../../src-main/images/index.js';
import { PNG_1X1, startImageServers, type ImageServers } from '../../support/image-server.js';

let servers: ImageServers;
before(async () => {
  servers = await startImageServers();
});
after(async () => {
  await servers?.close();
});

const opts = () => ({ ca: servers.ca, allowLoopback: true });
const reason = (r: { ok: boolean; reason?: string }) => (r.ok ? 'ok' : r.reason);

test('an https image comes back as a data: URL; nothing identifying is sent', async () => {
  const r = await fetchImage(`${servers.https}/pixel.png`, opts());
  assert.ok(r.ok, reason(r));
  assert.equal(r.dataUrl, `data:image/png;base64,${PNG_1X1.toString('base64')}`);
  const seen = servers.requests.find((q) => q.path === '/pixel.png')!;
  assert.equal(seen.headers.cookie, undefined);
  assert.equal(seen.headers.referer, undefined);
  assert.equal(seen.headers['user-agent'], undefined);
  // a second fetch does not send back the cookie the first answer set
  await fetchImage(`${servers.https}/pixel.png?again`, opts());
  assert.equal(servers.requests.find((q) => q.path === '/pixel.png?again')!.headers.cookie, undefined);
});

test('plain http is never fetched, nor reached through a redirect', async () => {
  const before = servers.requests.filter((q) => q.scheme === 'http').length;
  assert.equal(reason(await fetchImage(`${servers.http}/pixel.png`, opts())), 'not-https');
  assert.equal(reason(await fetchImage(`${servers.https}/to-http/pixel.png`, opts())), 'not-https');
  assert.equal(servers.requests.filter((q) => q.scheme === 'http').length, before, 'the http server saw nothing');
});

test('redirects are followed up to the bound', async () => {
  assert.equal(reason(await fetchImage(`${servers.https}/redirect/${IMAGE_LIMITS.maxRedirects}/pixel.png`, opts())), 'ok');
  assert.equal(reason(await fetchImage(`${servers.https}/redirect/${IMAGE_LIMITS.maxRedirects + 1}/pixel.png`, opts())), 'too-many-redirects');
  // a server redirecting to itself forever
  assert.equal(reason(await fetchImage(`${servers.https}/loop.png`, opts())), 'too-many-redirects');
});

test('wrong types, lying bytes, oversize and missing answers are refused', async () => {
  assert.equal(reason(await fetchImage(`${servers.https}/page.html`, opts())), 'not-an-image');
  assert.equal(reason(await fetchImage(`${servers.https}/drawing.svg`, opts())), 'not-an-image');
  assert.equal(reason(await fetchImage(`${servers.https}/html-as-png.png`, opts())), 'not-an-image');
  assert.equal(reason(await fetchImage(`${servers.https}/huge.png`, opts())), 'too-large');
  assert.equal(reason(await fetchImage(`${servers.https}/endless.png`, opts())), 'too-large');
  assert.equal(reason(await fetchImage(`${servers.https}/missing.png`, opts())), 'http-status');
});

test('the TLS policy: a server not signed by the anchors is refused; loopback only for the bench', async () => {
  assert.equal(reason(await fetchImage(`${servers.https}/pixel.png`, { allowLoopback: true })), 'tls', 'system roots do not know the bench CA');
  assert.equal(reason(await fetchImage(`${servers.https}/pixel.png`, { ca: servers.ca })), 'private-address', 'loopback is refused in the product');
});

test('a message: each image fetched or refused with its reason, within the count bound', async () => {
  const urls = [`${servers.https}/pixel.png`, `${servers.http}/logo.png`, `${servers.https}/missing.png`, `//localhost:1/x.png`];
  const r = await fetchImages(urls, opts());
  assert.deepEqual(r.images.map((i) => i.url), [urls[0]]);
  assert.deepEqual(Object.fromEntries(r.refused.map((x) => [x.url, x.reason])), { [urls[1]!]: 'not-https', [urls[2]!]: 'http-status', [urls[3]!]: 'network' });
  const many = Array.from({ length: IMAGE_LIMITS.maxImages + 2 }, (_, i) => `${servers.https}/pixel.png?n=${i}`);
  const capped = await fetchImages(many, opts());
  assert.equal(capped.images.length, IMAGE_LIMITS.maxImages);
  assert.equal(capped.refused.filter((x) => x.reason === 'too-many-images').length, 2);
});
