// Pro Santé Connect against the bench's real OpenID provider (oidc-provider) and Dovecot's
// oauth2 passdb: CIBA approved / refused / expired through the "phone" test hook, code+PKCE
// with the browser played by an HTTP client following the provider's pages, XOAUTH2 on IMAP
// and submission (STARTTLS), a token of another professional refused for this mailbox, a
// refused refresh ending the session.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src-main/errors/index.js';
import { PscClient, PscSession, type PscSettings } from '../../../src-main/psc/index.js';
import { openXoauth2ImapSession } from '../../../src-main/imap/xoauth2.js';
import { createXoauth2SmtpTransport, asXoauth2SmtpError } from '../../../src-main/smtp/xoauth2.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier } from '../../support/tls-bench.js';
import { browse as browseAs, phone as phoneHook } from '../../support/psc.js';
import { filesUnder } from '../../support/files.js';

let tb: TestbedState;
let ca: string;

before(() => {
  tb = loadTestbed();
  ca = readFileSync(tb.pki.caBundle, 'utf8');
});

function settings(short = false): PscSettings {
  const c = short ? tb.psc.clients.appShort : tb.psc.clients.app;
  return { issuer: tb.psc.issuer, clientId: c.clientId, scope: 'openid scope_all', keepRefreshToken: false };
}
function client(short = false): Promise<PscClient> {
  const c = short ? tb.psc.clients.appShort : tb.psc.clients.app;
  return PscClient.discover(settings(short), { clientSecret: c.clientSecret, ca });
}
const phone = (action: 'approve' | 'refuse' | 'disable' | 'enable', rpps: string) => phoneHook(tb, action, rpps);
const browse = (url: string, rpps: string) => browseAs(tb, url, rpps);
function rejectsWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}
const imapEndpoint = () => ({ host: 'localhost', port: tb.ports.pscImap, security: 'starttls' as const });
const smtpEndpoint = () => ({ host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' as const });

describe('Pro Santé Connect login (bench OpenID provider)', () => {
  it('CIBA approved on the phone gives a token that opens the mailbox over STARTTLS + XOAUTH2, and sends', async () => {
    const a = card(tb, 'doctorA');
    const psc = await client();
    let pendingSeen = false;
    const tokens = await psc.loginCiba(a.rpps, () => {
      pendingSeen = true;
      void phone('approve', a.rpps);
    });
    assert.ok(pendingSeen);
    assert.equal(tokens.subject, a.rpps);
    assert.ok(tokens.refreshToken, 'a refresh token for silent refresh');
    const session = new PscSession(psc);
    session.start(tokens);
    const imap = await openXoauth2ImapSession(imapEndpoint(), { user: a.address, accessToken: () => session.accessToken() }, benchVerifier(tb));
    try {
      assert.equal(imap.tls && imap.tls.version, 'TLSv1.2');
      const status = await imap.status('INBOX', { messages: true });
      assert.ok(status && typeof status.messages === 'number');
    } finally {
      await imap.logout();
    }
    const smtp = createXoauth2SmtpTransport(smtpEndpoint(), { user: a.address, accessToken: await session.accessToken() }, benchVerifier(tb));
    try {
      const info = await smtp.sendMail({ from: a.address, to: a.address, subject: 'PSC XOAUTH2', text: 'envoi par XOAUTH2' });
      assert.equal(info.rejected.length, 0);
    } finally {
      smtp.close();
    }
    await session.logout();
    assert.equal(session.status().loggedIn, false);
    // Neither token is in any file of the bench's servers (Dovecot logs and state, provider log) nor in the status.
    const secrets = [tokens.accessToken, tokens.refreshToken!];
    for (const s of secrets) assert.ok(!JSON.stringify(session.status()).includes(s));
    for (const file of filesUnder(join(tb.dir, 'dovecot')).concat(tb.psc.serverLog)) {
      const text = readFileSync(file, 'latin1');
      for (const s of secrets) assert.ok(!text.includes(s), `a PSC token found in ${file}`);
    }
  });

  it('CIBA refused on the phone is PSC_LOGIN_REFUSED', async () => {
    const b = card(tb, 'doctorB');
    const psc = await client();
    await assert.rejects(psc.loginCiba(b.rpps, () => void phone('refuse', b.rpps)), rejectsWith('PSC_LOGIN_REFUSED'));
  });

  it('CIBA never validated expires: PSC_LOGIN_EXPIRED', async () => {
    const r = card(tb, 'revoked');
    const psc = await client(true); // the short-lifetime client: the request lives 3 s
    await assert.rejects(psc.loginCiba(r.rpps), rejectsWith('PSC_LOGIN_EXPIRED'));
  });

  it('an unknown RPPS is PSC_UNKNOWN_USER', async () => {
    const psc = await client();
    await assert.rejects(psc.loginCiba('99799999999'), rejectsWith('PSC_UNKNOWN_USER'));
  });

  it('authorization code + PKCE through the loopback redirect (browser = HTTP client following the pages)', async () => {
    const a = card(tb, 'doctorA');
    const psc = await client();
    let authUrl = '';
    const tokens = await psc.loginBrowser(async (url) => {
      authUrl = url;
      await browse(url, a.rpps);
    });
    const u = new URL(authUrl);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(u.searchParams.get('state') && u.searchParams.get('nonce'));
    assert.match(u.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(tokens.subject, a.rpps);
    const imap = await openXoauth2ImapSession(imapEndpoint(), { user: a.address, accessToken: async () => tokens.accessToken }, benchVerifier(tb));
    await imap.logout();
  });

  it('a token of another professional is refused for this mailbox: XOAUTH2_TOKEN_REFUSED (IMAP and SMTP)', async () => {
    const a = card(tb, 'doctorA');
    const b = card(tb, 'doctorB');
    const psc = await client();
    const tokens = await psc.loginBrowser((url) => browse(url, b.rpps));
    await assert.rejects(openXoauth2ImapSession(imapEndpoint(), { user: a.address, accessToken: async () => tokens.accessToken }, benchVerifier(tb)), rejectsWith('XOAUTH2_TOKEN_REFUSED'));
    const smtp = createXoauth2SmtpTransport(smtpEndpoint(), { user: a.address, accessToken: tokens.accessToken }, benchVerifier(tb));
    await assert.rejects(smtp.sendMail({ from: a.address, to: a.address, subject: 'x', text: 'x' }).catch((e: unknown) => Promise.reject(asXoauth2SmtpError(e))), rejectsWith('XOAUTH2_TOKEN_REFUSED'));
    smtp.close();
  });

  it('silent refresh renews the token; a refused refresh ends the session (PSC_SESSION_ENDED, "ended" event)', async () => {
    const blocked = card(tb, 'blocked');
    // the bench outlives test runs: start from an enabled account, leave it enabled
    await phone('enable', blocked.rpps);
    after(() => phone('enable', blocked.rpps));
    const psc = await client();
    const tokens = await psc.loginBrowser((url) => browse(url, blocked.rpps));
    const session = new PscSession(psc);
    session.start(tokens);
    await session.refreshNow();
    const renewed = await session.accessToken();
    assert.notEqual(renewed, tokens.accessToken);
    const ended = new Promise((resolve) => session.once('ended', resolve));
    await phone('disable', blocked.rpps);
    await session.refreshNow();
    assert.equal(await ended, 'refresh-refused');
    assert.equal(session.status().endedBecause, 'refresh-refused');
    await assert.rejects(session.accessToken(), rejectsWith('PSC_SESSION_ENDED'));
  });
});

