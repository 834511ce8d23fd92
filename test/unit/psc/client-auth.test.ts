// Pure parts of the software's authentication to Pro Santé Connect (RFC 8705 tls_client_auth or a
// secret): which method an account's settings give, the French messages of a refused client or an
// unavailable organisation certificate, IT's psc.json with a certificate, and what the mTLS fetch
// refuses before any connection.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { clientAuthPlan, pscClientOptions, providerServerVerifier, tlsFetch } from '../../../src-main/psc/index.js';
import { readPscRegistration } from '../../../src-main/app/psc-registration.js';

const dir = mkdtempSync(join(tmpdir(), 'psc-client-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rejectsWith(code: string, data?: Record<string, unknown>) {
  return (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    if (data) assert.deepEqual(err.data, data);
    return true;
  };
}

describe('clientAuthPlan', () => {
  it('an organisation certificate wins over a secret, its password read from the named variable', () => {
    const plan = clientAuthPlan({ clientCertFile: '/etc/mssante/org.p12', clientCertPasswordEnv: 'ORG_P12_PASS', clientSecretEnv: 'S' }, { ORG_P12_PASS: 'p', S: 'secret' });
    assert.deepEqual(plan, { method: 'tls_client_auth', pkcs12File: '/etc/mssante/org.p12', password: 'p' });
  });

  it('the default password variable is MSSANTE_PSC_CLIENT_CERT_PASSWORD; an empty password is a password', () => {
    assert.deepEqual(clientAuthPlan({ clientCertFile: 'a.p12' }, { MSSANTE_PSC_CLIENT_CERT_PASSWORD: '' }), { method: 'tls_client_auth', pkcs12File: 'a.p12', password: '' });
  });

  it('a certificate account without its password variable never falls back to a secret', () => {
    assert.throws(
      () => clientAuthPlan({ clientCertFile: 'a.p12', clientSecretEnv: 'S' }, { S: 'secret' }),
      rejectsWith('PSC_CLIENT_CERT_UNAVAILABLE', { reason: 'password-env', env: 'MSSANTE_PSC_CLIENT_CERT_PASSWORD' }),
    );
  });

  it('a secret when its variable is set (default MSSANTE_PSC_CLIENT_SECRET), otherwise a public client', () => {
    assert.deepEqual(clientAuthPlan({}, { MSSANTE_PSC_CLIENT_SECRET: 's' }), { method: 'client_secret_basic', secret: 's' });
    assert.deepEqual(clientAuthPlan({ clientSecretEnv: 'OTHER' }, { MSSANTE_PSC_CLIENT_SECRET: 's' }), { method: 'none' });
    assert.deepEqual(clientAuthPlan({}, {}), { method: 'none' });
  });

  it('a PKCS#12 file that cannot be read is PSC_CLIENT_CERT_UNAVAILABLE naming the file', async () => {
    const file = join(dir, 'absent.p12');
    await assert.rejects(pscClientOptions({ clientCertFile: file }, { MSSANTE_PSC_CLIENT_CERT_PASSWORD: 'x' }), rejectsWith('PSC_CLIENT_CERT_UNAVAILABLE', { reason: 'file', file }));
  });
});

describe('French messages of the client authentication errors', () => {
  it('a refused certificate names the client and what IT checks; a refused secret says so', () => {
    assert.match(messageFr('PSC_CLIENT_AUTH_REFUSED', { method: 'tls_client_auth', clientId: 'mssante-desktop' }),
      /^Pro Santé Connect a refusé le certificat d’établissement présenté par le logiciel \(client « mssante-desktop »\) : .*--psc-client-cert/);
    assert.match(messageFr('PSC_CLIENT_AUTH_REFUSED', { method: 'client_secret_basic', clientId: 'c' }), /a refusé le secret du logiciel \(client « c »\)/);
    assert.match(messageFr('PSC_CLIENT_AUTH_REFUSED', { method: 'none' }), /a refusé d’identifier le logiciel/);
  });

  it('an unavailable certificate names the variable to set or the file to check', () => {
    assert.match(messageFr('PSC_CLIENT_CERT_UNAVAILABLE', { reason: 'password-env', env: 'ORG_P12_PASS' }), /définissez la variable d’environnement ORG_P12_PASS \(il n’est jamais enregistré\)/);
    assert.match(messageFr('PSC_CLIENT_CERT_UNAVAILABLE', { reason: 'file' }), /fichier PKCS#12 du certificat d’établissement .* introuvable/);
  });
});

describe('psc.json (IT) with an organisation certificate', () => {
  const write = (name: string, value: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  it('tls_client_auth with its PKCS#12 file and password variable; a secret variable is then ignored', () => {
    const file = write('mtls.json', { preset: 'bas', clientId: 'c', clientAuth: 'tls_client_auth', clientCertFile: '/etc/mssante/org.p12', clientCertPasswordEnv: 'ORG_P12_PASS', clientSecretEnv: 'S' });
    const r = readPscRegistration(file);
    assert.equal(r?.clientCertFile, '/etc/mssante/org.p12');
    assert.equal(r?.clientCertPasswordEnv, 'ORG_P12_PASS');
    assert.equal(r?.clientSecretEnv, undefined);
  });

  it('half a certificate registration (method without file, or file without method) is refused and logged', () => {
    for (const [name, value] of [
      ['no-file.json', { clientId: 'c', clientAuth: 'tls_client_auth' }],
      ['no-method.json', { clientId: 'c', clientCertFile: '/etc/mssante/org.p12' }],
    ] as const) {
      const lines: string[] = [];
      assert.equal(readPscRegistration(write(name, value), (l) => lines.push(l)), undefined, name);
      assert.match(lines.join('\n'), /needs clientCertFile/);
    }
  });

  it('an unknown key (a password written in the file, say) is refused', () => {
    assert.equal(readPscRegistration(write('password.json', { clientId: 'c', clientCertFile: 'x.p12', clientAuth: 'tls_client_auth', clientCertPassword: 'oops' })), undefined);
  });
});

describe('tlsFetch and the provider verifier, before any connection', () => {
  it('a non-HTTPS OpenID URL is refused', async () => {
    const f = tlsFetch({ verifier: providerServerVerifier() });
    await assert.rejects(f('http://127.0.0.1:1/token', { method: 'POST', headers: {} }), rejectsWith('PSC_UNREACHABLE'));
  });

  it('without anchors, Node\'s bundled roots are the trust store (all of them parse): an IGC-Santé certificate is CERT_UNKNOWN_CA', async () => {
    const pem = readFileSync(join(import.meta.dirname, '../../fixtures/reference/certs/end-entity-test/ORG_test_testsign.test.asipsante.fr.pem'), 'utf8');
    await assert.rejects(providerServerVerifier().verify([new X509Certificate(pem).raw], 'testsign.test.asipsante.fr'), rejectsWith('CERT_UNKNOWN_CA'));
  });

  it('a provider that sends no certificate is CERT_INVALID', async () => {
    await assert.rejects(providerServerVerifier().verify([], 'auth.esw.esante.gouv.fr'), rejectsWith('CERT_INVALID'));
  });
});
