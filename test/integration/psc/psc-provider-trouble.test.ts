// The OpenID provider as a clinic's network may present it: a captive portal or proxy answering
// HTML, a 500 page, a server that accepts the connection and then says nothing. Each ends in
// bounded time with a French message naming what happened — not "injoignable ou certificat" for
// all of them. A loopback HTTPS server of a throwaway PKI stands in for PSC.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { PscClient, httpsFetch } from '../../../src-main/psc/index.js';
import { makeTestPki, type TestPki } from '../../support/tls.js';

let pki: TestPki;
let server: Server;
let origin = '';
let ca = '';

before(async () => {
  pki = makeTestPki();
  ca = readFileSync(pki.caCert, 'utf8');
  server = createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain) }, (req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/portal/')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Connectez-vous au Wi-Fi</html>');
    if (path.startsWith('/broken/')) return res.writeHead(500, { 'content-type': 'text/html' }).end('<html>Internal Server Error</html>');
    // /silent/: the request is read, never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  pki?.cleanup();
});

const failure = (err: unknown): AppError => {
  assert.ok(err instanceof AppError, String(err));
  return err;
};

describe('the OpenID provider answering wrongly', () => {
  it('an HTML page (captive portal, proxy) or a 500 at discovery: "page inattendue", not "injoignable ou certificat"', async () => {
    for (const path of ['portal', 'broken']) {
      const err = await PscClient.discover({ issuer: `${origin}/${path}/`, clientId: 'mssante-desktop', scope: 'openid', keepRefreshToken: false }, { ca }).then(() => undefined, failure);
      assert.ok(err, path);
      assert.equal(err.code, 'PSC_UNREACHABLE');
      assert.match(messageFr(err.code, err.data), /Pro Santé Connect a répondu par une page inattendue au lieu du service \(portail Wi-Fi, proxy de l’établissement/, path);
    }
  });

  it('a server that takes the request and says nothing: bounded by the caller’s signal, and said as "ne répond pas"', async () => {
    const err = await httpsFetch({ ca })(`${origin}/silent/.well-known/openid-configuration`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(300) }).then(() => undefined, failure);
    assert.ok(err);
    assert.equal(err.code, 'PSC_UNREACHABLE');
    assert.match(messageFr(err.code, err.data), /^Pro Santé Connect ne répond pas/);
  });

  it('a certificate not trusted stays "injoignable ou certificat non reconnu"', async () => {
    const err = await PscClient.discover({ issuer: `${origin}/portal/`, clientId: 'x', scope: 'openid', keepRefreshToken: false }).then(() => undefined, failure);
    assert.ok(err);
    assert.equal(err.code, 'PSC_UNREACHABLE');
    assert.match(messageFr(err.code, err.data), /injoignable ou son certificat n’est pas reconnu/);
  });
});
