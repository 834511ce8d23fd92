// Auto-configuration against what a clinic's network and an operator's site may really do:
// a DNS server that never answers (asked once, said in French — not "nothing found" after four
// full timeouts), and an autoconfig file over HTTPS that is endless, declares entities, names
// hosts with spaces or terminal escapes, or offers only plain-text sockets (never used).
// Loopback servers only: a silent UDP socket, and an HTTPS server of a throwaway PKI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import dns2 from 'dns2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { autoconfigFetchText, discoverAccount, srvResolver, type AutoconfigIo } from '../../../src-main/accounts/autoconfig.js';
import { httpsFetch } from '../../../src-main/psc/index.js';
import { runMssante } from '../../support/cli.js';
import { makeTestPki, type TestPki } from '../../support/tls.js';

/** The names asked in DNS queries (question section of each datagram). */
function queryName(msg: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; i < msg.length && msg[i]! > 0; i += msg[i]! + 1) labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('latin1'));
  return labels.join('.');
}

let silent: Socket;
/** A DNS server whose SRV records name a host that does not exist (an operator's typo). */
let typo: ReturnType<typeof dns2.createServer>;
let typoPort = 0;
const asked = new Set<string>();
let pki: TestPki;
let https: Server;
let origin = '';
const dirs: string[] = [];

const srv = (host: string, socket = 'SSL') =>
  `<incomingServer type="imap"><hostname>${host}</hostname><port>993</port><socketType>${socket}</socketType><authentication>OAuth2</authentication></incomingServer>` +
  `<outgoingServer type="smtp"><hostname>${host}</hostname><port>465</port><socketType>${socket}</socketType></outgoingServer>`;
const config = (body: string) => `<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="x">${body}</emailProvider></clientConfig>`;

const PAGES: Record<string, string> = {
  '/entities': `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY h "imap.evil.test"><!ENTITY x SYSTEM "file:///etc/hostname">]><clientConfig><emailProvider>${srv('&h;')}</emailProvider></clientConfig>`,
  '/escapes': config(srv('imap.ok.test\u001b]0;pwned\u0007')),
  '/spaces': config(srv('imap ok.test')),
  '/plain': config(srv('imap.ok.test', 'plain')),
  '/placeholder': config(srv('imap.%EMAILDOMAIN%')),
};

before(async () => {
  silent = createSocket('udp4');
  silent.on('message', (msg) => asked.add(queryName(msg)));
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const { Packet } = dns2;
  typo = dns2.createServer({
    udp: true,
    handle: (request: { questions: { name: string; type: number }[] }, send: (r: unknown) => void) => {
      const response = Packet.createResponseFromRequest(request as never) as { answers: unknown[] };
      const q = request.questions[0];
      if (q && q.type === Packet.TYPE.SRV) response.answers.push({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 60, priority: 0, weight: 1, port: 993, target: 'imap.inexistant.invalid' });
      send(response);
    },
  });
  typo.on('listening', () => undefined);
  const listening = await typo.listen({ udp: { port: 0, address: '127.0.0.1' } });
  typoPort = (listening as { udp: AddressInfo }).udp.port;
  pki = makeTestPki();
  https = createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain) }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/endless') {
      // an answer that never ends: the reader must stop, not fill memory
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = () => {
        while (res.write(chunk));
        res.once('drain', more);
      };
      res.on('error', () => undefined);
      return more();
    }
    if (path === '/elsewhere') return res.writeHead(302, { location: 'https://autoconfig.ailleurs.test/mail/config-v1.1.xml' }).end();
    const page = PAGES[path];
    if (!page) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/xml' }).end(page);
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(https.address() as AddressInfo).port}`;
});
after(async () => {
  silent?.close();
  await typo?.close();
  https?.closeAllConnections();
  await new Promise((r) => https?.close(r));
  pki?.cleanup();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('a DNS server that never answers', () => {
  it('is asked once (not once per SRV name) and the discovery says the DNS is at fault', async () => {
    asked.clear();
    const io: AutoconfigIo = { resolveSrv: srvResolver([`127.0.0.1:${(silent.address() as AddressInfo).port}`]), fetchText: async () => undefined };
    await assert.rejects(discoverAccount('a@cabinet.mssante.test', io), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'AUTOCONFIG_DNS_UNREACHABLE');
      assert.equal(err.data.domain, 'cabinet.mssante.test');
      return true;
    });
    assert.deepEqual([...asked], ['_imaps._tcp.cabinet.mssante.test']);
  });

  it('CLI: account add says so in French and saves nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mssante-dns-'));
    dirs.push(home);
    const r = await runMssante(['--home', home, 'account', 'add', '--address', 'a@cabinet.mssante.test', '--dns', `127.0.0.1:${(silent.address() as AddressInfo).port}`, '--yes', '--auth', 'psc']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Le serveur DNS ne répond pas : les serveurs de messagerie de ce domaine n’ont pas pu être recherchés/);
    assert.doesNotMatch(r.stderr, /Aucun serveur trouvé/);
  });
});

describe('SRV records naming a host that does not exist', () => {
  it('CLI: account add names the host and the operator, and saves nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mssante-dns-'));
    dirs.push(home);
    const r = await runMssante(['--home', home, 'account', 'add', '--address', 'a@cabinet.mssante.test', '--dns', `127.0.0.1:${typoPort}`, '--yes', '--auth', 'psc']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Le serveur de messagerie annoncé pour ce domaine \(« imap\.inexistant\.invalid »\) n’existe pas dans le DNS/);
    assert.doesNotMatch(r.stderr, /vérifiez la connexion réseau/);
    assert.equal(existsSync(join(home, 'accounts.json')), false);
  });
});

describe('a hostile or broken autoconfig file', () => {
  const io = (paths: string[]): AutoconfigIo => {
    const fetchFn = httpsFetch({ ca: readFileSync(pki.caCert, 'utf8') });
    return {
      resolveSrv: async () => [],
      fetchText: async (url) => {
        const res = await fetchFn(url, { method: 'GET', headers: {} }).catch(() => undefined);
        return res?.status === 200 ? res.text() : undefined;
      },
      autoconfigUrls: () => paths.map((p) => `${origin}${p}`),
    };
  };

  it('an endless answer is cut at the bound (an error, not memory filled)', async () => {
    const fetchFn = httpsFetch({ ca: readFileSync(pki.caCert, 'utf8'), maxBytes: 256 * 1024 });
    await assert.rejects(fetchFn(`${origin}/endless`, { method: 'GET', headers: {} }), (err: unknown) => err instanceof AppError && err.code === 'PSC_UNREACHABLE' && /larger than/.test(err.message));
  });

  it('entities, escapes, spaces, plain-text sockets, a redirect elsewhere, an endless file: none gives a server', async () => {
    for (const path of ['/entities', '/escapes', '/spaces', '/plain', '/elsewhere', '/endless']) {
      await assert.rejects(discoverAccount('a@cabinet.mssante.test', io([path])), (err: unknown) => err instanceof AppError && err.code === 'AUTOCONFIG_NOT_FOUND', path);
    }
  });

  it('the %EMAILDOMAIN% placeholder is the address’s domain, as in Thunderbird', async () => {
    const found = await discoverAccount('a@cabinet.mssante.test', io(['/placeholder']));
    assert.deepEqual(found.imap, { host: 'imap.cabinet.mssante.test', port: 993, security: 'tls' });
    assert.deepEqual(found.authMethods, ['psc']);
  });

  it('a site whose certificate is not trusted (a clinic proxy intercepting HTTPS) is not read, and is named', async () => {
    // the system's roots do not know the throwaway CA, as they would not know a proxy's
    const untrusted: AutoconfigIo = { ...io(['/placeholder']), fetchText: autoconfigFetchText(httpsFetch()) };
    await assert.rejects(discoverAccount('a@cabinet.mssante.test', untrusted), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'AUTOCONFIG_NOT_FOUND');
      assert.equal(err.data.untrustedSite, 'localhost');
      assert.match(messageFr(err.code, err.data), /le site de configuration automatique de l’opérateur \(« localhost »\) présente un certificat non reconnu/);
      return true;
    });
  });
});
