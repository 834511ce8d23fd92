// Pure parts of Pro Santé Connect and auto-configuration: the session's refresh decisions (with a
// refresher standing in for PSC, a clock we move), the SRV choice, the autoconfig XML reading.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src-main/errors/index.js';
import { PscSession, type PscTokens } from '../../../src-main/psc/index.js';
import { isHostName, parseAutoconfigXml, pickSrv } from '../../../src-main/accounts/autoconfig.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PscSession', () => {
  it('refreshes before expiry when the token is about to expire, and keeps the subject', async () => {
    const c = clock();
    let calls = 0;
    const s = new PscSession({ refresh: async () => ({ accessToken: `at${++calls}`, expiresAt: c.now() + 600_000, refreshToken: 'rt2' }) }, { marginMs: 30_000, now: c.now });
    s.start({ accessToken: 'at0', expiresAt: c.now() + 60_000, refreshToken: 'rt1', subject: '99700100011' });
    assert.equal(await s.accessToken(), 'at0');
    c.advance(31_000);
    assert.equal(await s.accessToken(), 'at1');
    assert.equal(s.status().subject, '99700100011');
  });

  it('a refused refresh ends the session once, and every later use says so', async () => {
    const c = clock();
    const s = new PscSession({ refresh: async () => Promise.reject(new AppError('PSC_SESSION_ENDED', 'invalid_grant')) }, { now: c.now });
    const reasons: string[] = [];
    s.on('ended', (r) => reasons.push(r));
    s.start({ accessToken: 'at0', expiresAt: c.now() + 10_000, refreshToken: 'rt' });
    await assert.rejects(s.accessToken(), (e: unknown) => e instanceof AppError && e.code === 'PSC_SESSION_ENDED');
    await assert.rejects(s.accessToken(), (e: unknown) => e instanceof AppError && e.code === 'PSC_SESSION_ENDED');
    assert.deepEqual(reasons, ['refresh-refused']);
  });

  it('a network failure during refresh keeps the session (the next use retries); a still-valid token is still used', async () => {
    const c = clock();
    let fail = true;
    const s = new PscSession({ refresh: async (): Promise<PscTokens> => {
      if (fail) throw new AppError('PSC_UNREACHABLE', 'down');
      return { accessToken: 'at1', expiresAt: c.now() + 600_000 };
    } }, { now: c.now });
    s.start({ accessToken: 'at0', expiresAt: c.now() + 10_000, refreshToken: 'rt' });
    // PSC down within the refresh margin: the mail connection of a long sync still gets the valid token
    assert.equal(await s.accessToken(), 'at0');
    c.advance(10_000);
    await assert.rejects(s.accessToken(), (e: unknown) => e instanceof AppError && e.code === 'PSC_UNREACHABLE');
    fail = false;
    assert.equal(await s.accessToken(), 'at1');
  });

  it('never shows a token in its status', () => {
    const s = new PscSession({ refresh: async () => Promise.reject(new Error('unused')) });
    s.start({ accessToken: 'secret-access', expiresAt: Date.now() + 600_000, refreshToken: 'secret-refresh' });
    assert.doesNotMatch(JSON.stringify(s.status()), /secret/);
    void s.logout();
  });
});

describe('auto-configuration decisions', () => {
  it('SRV: lowest priority, then highest weight; "." means no service', () => {
    assert.equal(pickSrv([{ name: 'b', port: 993, priority: 10, weight: 5 }, { name: 'a', port: 993, priority: 0, weight: 1 }])?.name, 'a');
    assert.equal(pickSrv([{ name: 'a', port: 993, priority: 0, weight: 1 }, { name: 'c', port: 993, priority: 0, weight: 9 }])?.name, 'c');
    assert.equal(pickSrv([{ name: '.', port: 0, priority: 0, weight: 0 }]), undefined);
  });

  it('autoconfig XML: SSL and STARTTLS servers, OAuth2 → psc, client certificate → card', () => {
    const xml = `<clientConfig version="1.1"><emailProvider id="op.fr">
      <incomingServer type="pop3"><hostname>pop.op.fr</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>IMAP.op.fr</hostname><port>993</port><socketType>SSL</socketType><authentication>TLS-client-cert</authentication><authentication>OAuth2</authentication></incomingServer>
      <outgoingServer type="smtp"><hostname>smtp.op.fr</hostname><port>587</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication></outgoingServer>
    </emailProvider></clientConfig>`;
    assert.deepEqual(parseAutoconfigXml(xml), {
      imap: { host: 'imap.op.fr', port: 993, security: 'tls' },
      smtp: { host: 'smtp.op.fr', port: 587, security: 'starttls' },
      authMethods: ['card', 'psc'],
    });
  });

  it('server names must be DNS names or IP literals before they are shown or used', () => {
    for (const ok of ['imap.op.fr', 'localhost', 'xn--mdecin-bva.fr', '127.0.0.1', '::1', 'a-b.c9.fr']) assert.equal(isHostName(ok), true, ok);
    for (const bad of ['', 'imap op.fr', 'imap.op.fr\u001b[31m', '&h;', '%emaildomain%', '-a.fr', 'a..fr', `${'a'.repeat(64)}.fr`, 'a/b.fr']) assert.equal(isHostName(bad), false, bad);
  });

  it('autoconfig XML that is not XML gives nothing', () => {
    assert.equal(parseAutoconfigXml('<<<not xml'), undefined);
  });
});
