// The window's side of RFC 8705 client authentication, on the real core (createCore, as the shell
// wires it; no renderer needed): IT's psc.json names the organisation certificate (PKCS#12) and the
// variable of its password, the first-run channel saves a PSC account that carries them (no
// password), and the lock screen's CIBA login authenticates the software with that certificate —
// the session's access token is bound to it (what Dovecot's introspection sees).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPscRegistration } from '../../../src-main/app/psc-registration.js';
import { httpsFetch } from '../../../src-main/psc/index.js';
import { card, loadTestbed } from '../../support/testbed.js';
import { answerWhenPending } from '../../support/psc.js';
import { prepareHome } from '../../e2e/support.js';
import { startHarnessCore, type HarnessCore } from '../../e2e/harness/core.js';

const tb = loadTestbed();
const doctor = card(tb, 'doctorB');
const PASSWORD_ENV = `MSSANTE_IT_ORG_P12_${randomBytes(3).toString('hex')}`;
let home: string;
let harness: HarnessCore;

before(async () => {
  process.env[PASSWORD_ENV] = tb.pki.orgClientP12.password;
  home = await prepareHome();
  writeFileSync(join(home, 'psc.json'), JSON.stringify({
    issuer: tb.psc.issuer, clientId: tb.psc.mtlsClient.clientId, caFile: tb.pki.caBundle,
    clientAuth: 'tls_client_auth', clientCertFile: tb.pki.orgClientP12.file, clientCertPasswordEnv: PASSWORD_ENV,
  }));
  const psc = readPscRegistration(join(home, 'psc.json'));
  assert.ok(psc, 'IT\'s psc.json is read');
  harness = await startHarnessCore({ home, emit: () => undefined, setup: { psc, dnsServers: [tb.psc.dnsServer], trustAnchorsFile: tb.pki.caBundle } });
});

after(async () => {
  await harness?.close();
  delete process.env[PASSWORD_ENV];
  if (home) rmSync(home, { recursive: true, force: true });
});

test('psc.json with tls_client_auth: the saved account names the certificate, and the CIBA login presents it', async () => {
  const h = harness.handlers;
  await h['account.create']({
    address: doctor.address, auth: 'psc',
    imap: { host: 'localhost', port: tb.ports.pscImap, security: 'starttls' }, smtp: { host: 'localhost', port: tb.ports.pscSubmission, security: 'starttls' },
  });
  const saved = readFileSync(join(home, 'accounts.json'), 'utf8');
  assert.match(saved, /"clientCertFile"/);
  assert.match(saved, new RegExp(`"clientCertPasswordEnv":\\s*"${PASSWORD_ENV}"`));
  assert.ok(!saved.includes(tb.pki.orgClientP12.password), 'the PKCS#12 password is never saved');

  const [state] = await Promise.all([h['psc.loginCiba']({ rpps: doctor.rpps }), answerWhenPending(tb, doctor.rpps, 'approve')]);
  assert.ok(state);
  const status = await h['psc.status']({});
  assert.equal(status.loggedIn, true);
  assert.equal(status.subject, doctor.rpps);

  // the token the mail connections get is bound to the organisation certificate (RFC 8705 §3)
  const token = await harness.core.psc!.accessToken();
  const d = tb.psc.clients.dovecot;
  const res = await httpsFetch({ ca: readFileSync(tb.pki.caBundle, 'utf8') })(`${tb.psc.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${d.clientId}:${d.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ token }).toString(),
  });
  const seen = (await res.json()) as { active: boolean; cnf?: Record<string, string> };
  assert.equal(seen.active, true);
  assert.equal(seen.cnf?.['x5t#S256'], createHash('sha256').update(new X509Certificate(readFileSync(tb.pki.orgClient.cert)).raw).digest('base64url'));
  await harness.core.psc!.logout();
});
