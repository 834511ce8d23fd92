// RFC 8705 `tls_client_auth` at the bench's Pro Santé Connect (oidc-provider with its mTLS feature):
// the software authenticates with the bench's organisation certificate (PKCS#12) through OUR TLS
// client (psc/tls-fetch.ts), on the provider's mtls_endpoint_aliases. CIBA approved → XOAUTH2 on
// IMAP; the access token is bound to the certificate (introspection's cnf.x5t#S256, what Dovecot
// sees); a wrong or absent certificate is a precise French error; the key stays in its signer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { httpsFetch, PscClient, PscSession, providerServerVerifier, pscClientOptions, tlsFetch, type PscSettings } from '../../../src-main/psc/index.js';
import { Pkcs12Signer } from '../../../src-main/tls/pki/pkcs12-signer.js';
import type { Signer } from '../../../src-main/tls/signer.js';
import { openXoauth2ImapSession } from '../../../src-main/imap/xoauth2.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier, toolingSigner } from '../../support/tls-bench.js';
import { answerWhenPending } from '../../support/psc.js';
import { runMssante, type CliRun } from '../../support/cli.js';
import { filesUnder } from '../../support/files.js';

let tb: TestbedState;
let ca: string;
const homes: string[] = [];
before(() => {
  tb = loadTestbed();
  ca = readFileSync(tb.pki.caBundle, 'utf8');
});
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

function settings(): PscSettings {
  return { issuer: tb.psc.issuer, clientId: tb.psc.mtlsClient.clientId, scope: 'openid scope_all', keepRefreshToken: false };
}

/** The Signer interface only, counting the signatures it was asked for: what the TLS client gets. */
function counting(inner: Signer): Signer & { signatures: number } {
  const s = {
    signatures: 0,
    certificateChain: () => inner.certificateChain(),
    supportedSchemes: () => inner.supportedSchemes(),
    sign: (scheme: number, data: Buffer) => {
      s.signatures++;
      return inner.sign(scheme, data);
    },
  };
  return s;
}

function rejectsWith(code: string, check?: (err: AppError) => void) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  };
}

/** What Dovecot's oauth2 passdb learns about a token: the provider's introspection answer. */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const d = tb.psc.clients.dovecot;
  const res = await httpsFetch({ ca })(`${tb.psc.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${d.clientId}:${d.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ token }).toString(),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

const orgCertThumbprint = (): string =>
  createHash('sha256').update(new X509Certificate(readFileSync(tb.pki.orgClient.cert)).raw).digest('base64url');

describe('Pro Santé Connect with an organisation certificate (RFC 8705 tls_client_auth)', () => {
  it('CIBA approved → certificate-bound token that opens the mailbox with XOAUTH2; refresh and revocation present the certificate', async () => {
    const a = card(tb, 'doctorA');
    const signer = counting(await Pkcs12Signer.fromFile(tb.pki.orgClientP12.file, tb.pki.orgClientP12.password));
    const psc = await PscClient.discover(settings(), { clientCertificate: signer, ca });
    const tokens = await psc.loginCiba(a.rpps, () => void answerWhenPending(tb, a.rpps, 'approve'));
    assert.equal(tokens.subject, a.rpps);
    assert.ok(signer.signatures >= 2, `the TLS client asked the signer for each handshake (CIBA request, polls): ${signer.signatures}`);

    // RFC 8705 §3: the provider bound the token to the organisation certificate; Dovecot's introspection sees it
    const seen = await introspect(tokens.accessToken);
    assert.equal(seen.active, true);
    assert.equal(seen.client_id, tb.psc.mtlsClient.clientId);
    assert.deepEqual(seen.cnf, { 'x5t#S256': orgCertThumbprint() });

    const session = new PscSession(psc);
    session.start(tokens);
    const imap = await openXoauth2ImapSession({ host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, { user: a.address, accessToken: () => session.accessToken() }, benchVerifier(tb));
    try {
      const status = await imap.status('INBOX', { messages: true });
      assert.ok(status && typeof status.messages === 'number');
    } finally {
      await imap.logout();
    }
    // refresh at the mtls alias: the provider requires the certificate again for a bound client
    const before = signer.signatures;
    const refreshed = await psc.refresh(tokens.refreshToken!);
    assert.ok(signer.signatures > before);
    assert.deepEqual((await introspect(refreshed.accessToken)).cnf, { 'x5t#S256': orgCertThumbprint() });
    await session.logout();
    assert.equal((await introspect(refreshed.refreshToken!)).active, false, 'logout revoked the refresh token at the mtls alias');
    // no token in any file of the bench's servers (Dovecot configs, state and logs, the provider's log)
    const secrets = [tokens.accessToken, tokens.refreshToken!, refreshed.accessToken, refreshed.refreshToken!];
    for (const file of filesUnder(join(tb.dir, 'dovecot')).concat(tb.psc.serverLog)) {
      const text = readFileSync(file, 'latin1');
      for (const secret of secrets) assert.ok(!text.includes(secret), `a token is in ${file}`);
    }
  });

  it('the organisation key never leaves its signer: the PKCS#12 signer exposes no key material', async () => {
    const signer = await Pkcs12Signer.fromFile(tb.pki.orgClientP12.file, tb.pki.orgClientP12.password);
    const keyPem = readFileSync(tb.pki.orgClient.key, 'utf8');
    const keyBody = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).slice(1, 3).join('');
    // nothing enumerable, nothing serialisable: the KeyObject is in a private (#) field
    assert.deepEqual(Object.keys(signer), []);
    assert.doesNotMatch(JSON.stringify(signer), /PRIVATE KEY/);
    assert.ok(!JSON.stringify(signer).includes(keyBody));
    // and the client options an account yields hold only that signer
    const options = await pscClientOptions({ clientCertFile: tb.pki.orgClientP12.file }, { MSSANTE_PSC_CLIENT_CERT_PASSWORD: tb.pki.orgClientP12.password });
    assert.ok(options.clientCertificate instanceof Pkcs12Signer);
    assert.equal(options.clientSecret, undefined);
  });

  it('a certificate of another structure (valid, same CA, other DN) is PSC_CLIENT_AUTH_REFUSED, in French', async () => {
    const psc = await PscClient.discover(settings(), { clientCertificate: toolingSigner(tb), ca });
    await assert.rejects(psc.loginCiba(card(tb, 'doctorB').rpps), rejectsWith('PSC_CLIENT_AUTH_REFUSED', (err) => {
      assert.deepEqual(err.data, { clientId: tb.psc.mtlsClient.clientId, method: 'tls_client_auth' });
      assert.match(messageFr(err.code, err.data), /^Pro Santé Connect a refusé le certificat d’établissement présenté par le logiciel \(client « mssante-desktop-mtls »\)/);
      assert.match(err.message, /invalid_client/);
    }));
  });

  it('no certificate presented (a secret instead) to the mTLS-registered client is PSC_CLIENT_AUTH_REFUSED naming the certificate', async () => {
    const psc = await PscClient.discover(settings(), { clientSecret: 'not-the-way-this-client-authenticates', ca });
    await assert.rejects(psc.loginCiba(card(tb, 'doctorB').rpps), rejectsWith('PSC_CLIENT_AUTH_REFUSED', (err) => {
      assert.equal(err.data?.method, 'client_secret_basic');
      assert.match(messageFr(err.code, err.data), /certificat d’établissement/);
    }));
  });

  it('no certificate at all: our TLS client answers the certificate request empty and PSC says invalid_client', async () => {
    // the mtls alias of the CIBA endpoint, reached by our TLS client without a signer
    const res = await tlsFetch({ verifier: providerServerVerifier({ ca }) })(`${tb.psc.mtlsOrigin}/backchannel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: tb.psc.mtlsClient.clientId, scope: 'openid', login_hint: card(tb, 'doctorB').rpps }).toString(),
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: string; error_description?: string };
    assert.equal(body.error, 'invalid_client');
  });

  it('the provider is checked by our TLS client as by node:https: a certificate outside the anchors is CERT_UNKNOWN_CA', async () => {
    const signer = counting(await Pkcs12Signer.fromFile(tb.pki.orgClientP12.file, tb.pki.orgClientP12.password));
    await assert.rejects(PscClient.discover(settings(), { clientCertificate: signer, ca: readFileSync(tb.pki.foreignCa, 'utf8') }), rejectsWith('CERT_UNKNOWN_CA'));
    assert.equal(signer.signatures, 0, 'nothing signed for a provider that failed the checks');
  });
});

describe('mssante account add --psc-client-auth mtls + psc login', () => {
  function newHome(): string {
    const h = mkdtempSync(join(tmpdir(), 'mssante-psc-mtls-'));
    homes.push(h);
    return h;
  }
  async function addAccount(home: string, address: string): Promise<CliRun> {
    return runMssante(['--home', home, '--json', 'account', 'add', '--address', address, '--dns', tb.psc.dnsServer, '--yes',
      '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.mtlsClient.clientId, '--psc-ca', tb.pki.caBundle,
      '--psc-client-auth', 'mtls', '--psc-client-cert', tb.pki.orgClientP12.file, '--trust-anchors', tb.pki.caBundle]);
  }

  it('the account keeps the certificate file and the password variable name, the login works, no password or token in any file', async () => {
    const a = card(tb, 'doctorA');
    const home = newHome();
    const add = await addAccount(home, a.address);
    assert.equal(add.code, 0, add.stderr);
    const saved = JSON.parse(add.stdout) as { account: { auth: Record<string, unknown> } };
    assert.equal(saved.account.auth.clientCertFile, tb.pki.orgClientP12.file);
    assert.equal(saved.account.auth.clientCertPasswordEnv, 'MSSANTE_PSC_CLIENT_CERT_PASSWORD');
    assert.equal(saved.account.auth.clientSecretEnv, undefined);

    const env = { MSSANTE_PSC_CLIENT_CERT_PASSWORD: tb.pki.orgClientP12.password, MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') };
    const done = { ended: false };
    const [login] = await Promise.all([
      runMssante(['--home', home, '--json', 'psc', 'login', '--rpps', a.rpps], { env }).finally(() => (done.ended = true)),
      answerWhenPending(tb, a.rpps, 'approve', done),
    ]);
    assert.equal(login.code, 0, login.stderr);
    const out = JSON.parse(login.stdout) as { ok: boolean; subject: string; mailbox: string };
    assert.deepEqual([out.ok, out.subject, out.mailbox], [true, a.rpps, 'ok']);
    for (const file of filesUnder(home)) {
      const text = readFileSync(file, 'latin1');
      assert.ok(!text.includes(tb.pki.orgClientP12.password), `the PKCS#12 password is in ${file}`);
      assert.doesNotMatch(text, /refresh_token|access_token|Bearer |PRIVATE KEY/, file);
    }
  });

  it('without the password variable, or with a wrong password, the login stops before PSC with a French error', async () => {
    const b = card(tb, 'doctorB');
    const home = newHome();
    assert.equal((await addAccount(home, b.address)).code, 0);
    const env = { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') };
    const noPassword = await runMssante(['--home', home, 'psc', 'login', '--rpps', b.rpps], { env });
    assert.notEqual(noPassword.code, 0);
    assert.match(noPassword.stderr, /Le mot de passe du certificat d’établissement \(Pro Santé Connect\) n’est pas fourni : définissez la variable d’environnement MSSANTE_PSC_CLIENT_CERT_PASSWORD/);
    const wrong = await runMssante(['--home', home, 'psc', 'login', '--rpps', b.rpps], { env: { ...env, MSSANTE_PSC_CLIENT_CERT_PASSWORD: 'pas-le-bon' } });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Mot de passe du certificat logiciel \(PKCS#12\) incorrect/);
  });

  it('--psc-client-auth mtls without --psc-client-cert is refused naming the option', async () => {
    const run = await runMssante(['--home', newHome(), 'account', 'add', '--address', card(tb, 'doctorA').address, '--dns', tb.psc.dnsServer, '--yes',
      '--auth', 'psc', '--psc-issuer', tb.psc.issuer, '--psc-client-id', tb.psc.mtlsClient.clientId, '--psc-client-auth', 'mtls']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--psc-client-cert/);
  });
});

/** Regular files only (Dovecot's run dir has sockets and pipes); a file gone meanwhile is skipped. */
