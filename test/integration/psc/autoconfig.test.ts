// Auto-configuration against the bench: DNS SRV (RFC 6186) from the loopback DNS server (the
// system resolver is never asked), Mozilla autoconfig XML over HTTPS, the error when nothing is
// found; then the Done-when path at core level: address → SRV → CIBA approved → XOAUTH2 IMAP
// and submission on the discovered servers.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../src-main/errors/index.js';
import { discoverAccount, srvResolver, parseAutoconfigXml, type AutoconfigIo } from '../../../src-main/accounts/autoconfig.js';
import { PscClient, httpsFetch } from '../../../src-main/psc/index.js';
import { openXoauth2ImapSession } from '../../../src-main/imap/xoauth2.js';
import { createXoauth2SmtpTransport } from '../../../src-main/smtp/xoauth2.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier } from '../../support/tls-bench.js';

let tb: TestbedState;
let ca: string;
before(() => {
  tb = loadTestbed();
  ca = readFileSync(tb.pki.caBundle, 'utf8');
});

function io(): AutoconfigIo {
  const fetchFn = httpsFetch({ ca });
  return {
    resolveSrv: srvResolver([tb.psc.dnsServer]),
    fetchText: async (url) => {
      const res = await fetchFn(url, { method: 'GET', headers: {} }).catch(() => undefined);
      return res && res.status === 200 ? res.text() : undefined;
    },
    // the bench serves every operator domain from one host
    autoconfigUrls: (domain) => [`${tb.psc.issuer}/.well-known/autoconfig/mail/config-v1.1.xml?domain=${domain}`],
  };
}

describe('account auto-configuration', () => {
  it('finds the servers of the doctors’ domain by DNS SRV (STARTTLS IMAP and submission)', async () => {
    const found = await discoverAccount(card(tb, 'doctorA').address, io());
    assert.equal(found.source, 'srv');
    assert.deepEqual(found.imap, { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' });
    assert.deepEqual(found.smtp, { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' });
    assert.match(found.origin, /_imap\._tcp\.medecin\.mssante\.test/);
  });

  it('falls back to the operator’s autoconfig XML (HTTPS) and reads the authentication methods', async () => {
    const found = await discoverAccount(tb.pki.orgClientP12.address, io());
    assert.equal(found.source, 'autoconfig');
    assert.deepEqual(found.imap, { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' });
    assert.deepEqual(found.authMethods, ['psc']);
  });

  it('nothing found: AUTOCONFIG_NOT_FOUND naming the domain', async () => {
    await assert.rejects(discoverAccount('quelqu.un@inconnu.mssante.test', io()), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'AUTOCONFIG_NOT_FOUND');
      assert.equal(err.data.domain, 'inconnu.mssante.test');
      return true;
    });
  });

  it('an autoconfig XML offering only a plaintext server is not used', () => {
    const xml = `<clientConfig><emailProvider><incomingServer type="imap"><hostname>h</hostname><port>143</port><socketType>plain</socketType></incomingServer>
      <outgoingServer type="smtp"><hostname>h</hostname><port>25</port><socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>`;
    assert.equal(parseAutoconfigXml(xml), undefined);
  });

  it('Done-when path (core): address → SRV → CIBA approved on the phone → IMAP and submission with XOAUTH2', async () => {
    const b = card(tb, 'doctorB');
    const found = await discoverAccount(b.address, io());
    const c = tb.psc.clients.app;
    const psc = await PscClient.discover({ issuer: tb.psc.issuer, clientId: c.clientId, scope: 'openid scope_all', keepRefreshToken: false }, { clientSecret: c.clientSecret, ca });
    const tokens = await psc.loginCiba(b.rpps, () => {
      void httpsFetch({ ca })(`${tb.psc.issuer}/__test/approve/${b.rpps}`, { method: 'POST', headers: {} });
    });
    const imap = await openXoauth2ImapSession(found.imap, { user: b.address, accessToken: async () => tokens.accessToken }, benchVerifier(tb));
    try {
      const lock = await imap.getMailboxLock('INBOX');
      lock.release();
    } finally {
      await imap.logout();
    }
    const smtp = createXoauth2SmtpTransport(found.smtp, { user: b.address, accessToken: tokens.accessToken }, benchVerifier(tb));
    try {
      const info = await smtp.sendMail({ from: b.address, to: card(tb, 'doctorA').address, subject: 'autoconfig + PSC', text: 'ok' });
      assert.deepEqual(info.rejected, []);
    } finally {
      smtp.close();
    }
  });
});
