// A loopback HTTPS server (throwaway CA from makeTestPki) and a plain HTTP one, serving
// the remote images of test messages: a PNG, redirects, a plain-http target, wrong
// types, an oversize image. Every request is recorded with its headers (cookie,
// referrer, who asked). Test-only.
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { createServer as createHttp, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makeTestPki, type TestPki } from './tls.js';

/** A 1×1 PNG. */
export const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface ImageServers {
  /** https://localhost:<port> */
  https: string;
  /** http://127.0.0.1:<port> */
  http: string;
  /** PEM of the CA that signed the HTTPS server's certificate */
  ca: string;
  requests: { scheme: 'https' | 'http'; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startImageServers(): Promise<ImageServers> {
  const pki: TestPki = makeTestPki();
  const requests: ImageServers['requests'] = [];
  let httpOrigin = '';
  const handler = (scheme: 'https' | 'http') => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = req.url ?? '/';
    requests.push({ scheme, path, headers: req.headers });
    const png = () => res.writeHead(200, { 'content-type': 'image/png', 'set-cookie': 'tracker=1; Path=/' }).end(PNG_1X1);
    const m = /^\/redirect\/(\d+)\/(.*)$/.exec(path);
    if (m) {
      const n = Number(m[1]);
      return res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}/${m[2]}` : `/${m[2]}` }).end();
    }
    if (path.startsWith('/to-http/')) return res.writeHead(302, { location: `${httpOrigin}/${path.slice('/to-http/'.length)}` }).end();
    if (path.startsWith('/pixel') || path.startsWith('/logo')) return png();
    if (path === '/html-as-png.png') return res.writeHead(200, { 'content-type': 'image/png' }).end('<html><body>not an image</body></html>');
    if (path === '/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    if (path === '/drawing.svg') return res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"/>');
    if (path === '/huge.png') return res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(50 * 1024 * 1024) }).end();
    if (path === '/endless.png') {
      // no declared length: the reader must stop at the limit
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(256 * 1024, 1);
      PNG_1X1.copy(chunk);
      let sent = 0;
      const more = () => {
        while (sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => undefined);
      return more();
    }
    if (path === '/missing.png') return res.writeHead(404).end();
    if (path === '/loop.png') return res.writeHead(302, { location: '/loop.png' }).end();
    res.writeHead(404).end();
  };
  const https: HttpsServer = createHttps({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain) }, handler('https'));
  const http: Server = createHttp(handler('http'));
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpsOrigin = `https://localhost:${(https.address() as AddressInfo).port}`;
  httpOrigin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    https: httpsOrigin,
    http: httpOrigin,
    ca: readFileSync(pki.caCert, 'utf8'),
    requests,
    close: async () => {
      https.closeAllConnections();
      http.closeAllConnections();
      await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => http.close(r))]);
      pki.cleanup();
    },
  };
}
