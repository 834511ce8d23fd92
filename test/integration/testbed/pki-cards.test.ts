// The bench's PKI and virtual cards look like IGC-Santé's and CPS cards to a
// client: names, extensions, CRLs served at the URLs in the certificates, keys
// that never leave the token, and an idempotent `up`.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { loadTestbed, card, REPO_ROOT, type TestbedState, type PemSet } from '../../support/testbed.js';
import { run } from '../../testbed/exec.js';

let state: TestbedState;
before(() => {
  state = loadTestbed();
});

async function cert(file: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(file));
}

/** openssl verify with CRL checks on the whole chain; resolves to its output (rejects when verification fails). */
async function verify(set: Pick<PemSet, 'cert'>, purpose = 'sslserver'): Promise<string> {
  const args = ['verify', '-CAfile', state.pki.rootCa, '-untrusted', state.pki.caBundle, '-crl_check_all', '-purpose', purpose];
  for (const c of state.pki.crls) args.push('-CRLfile', c.file);
  const { stdout } = await run('openssl', [...args, set.cert]);
  return stdout;
}

async function verifyError(set: Pick<PemSet, 'cert'>, purpose = 'sslserver'): Promise<string> {
  try {
    await verify(set, purpose);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('test PKI', () => {
  test('hierarchy is named like the IGC-Santé test one', async () => {
    const root = await cert(state.pki.rootCa);
    assert.match(root.subject, /CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE/);
    assert.match(root.subject, /O=ASIP-SANTE/);
    assert.match((await cert(state.pki.personnesCa)).subject, /CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES/);
    assert.match((await cert(state.pki.organisationsCa)).subject, /CN=TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS/);
  });

  test('the operator certificate is valid for localhost and 127.0.0.1 with CRL checks', async () => {
    assert.match(await verify(state.pki.server), /OK/);
    const c = await cert(state.pki.server.cert);
    assert.equal(c.checkHost('localhost'), 'localhost');
    assert.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
  });

  test('each negative server certificate fails for its own reason', async () => {
    assert.match(await verifyError(state.pki.revokedServer), /certificate revoked/);
    assert.match(await verifyError(state.pki.expiredServer), /certificate has expired/);
    assert.match(await verifyError(state.pki.notYetValidServer), /certificate is not yet valid/);
    assert.match(await verifyError(state.pki.noServerAuthServer), /unsuitable certificate purpose/);
    assert.match(await verifyError(state.pki.foreignServer), /unable to get local issuer certificate/);
    assert.match(await verify(state.pki.wrongHostServer), /OK/);
    assert.equal((await cert(state.pki.wrongHostServer.cert)).checkHost('localhost'), undefined);
  });

  test('CRLs are served over loopback HTTP at the URLs written in the certificates', async () => {
    // node:crypto has no CRL distribution point accessor: read it with openssl.
    const { stdout } = await run('openssl', ['x509', '-in', state.pki.server.cert, '-noout', '-ext', 'crlDistributionPoints']);
    const url = /URI:(\S+)/.exec(stdout)?.[1];
    assert.ok(url && state.pki.crls.some((x) => x.url === url), stdout);
    for (const crl of state.pki.crls) {
      const res = await fetch(crl.url);
      assert.equal(res.status, 200, crl.url);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), await readFile(crl.der));
    }
  });
});

describe('virtual CPS cards', () => {
  test('the authentication certificate is CPS-shaped: multi-valued RDN with accents, title, rfc822Name, clientAuth', async () => {
    const a = card(state, 'doctorA');
    const { stdout } = await run('openssl', ['x509', '-in', a.cert, '-noout', '-subject', '-nameopt', 'RFC2253,utf8,-esc_msb', '-ext', 'subjectAltName,extendedKeyUsage,keyUsage']);
    // RFC 2253 order: the multi-valued RDN first, then title, then C.
    const rdns = /^subject=(.*)$/m.exec(stdout)![1]!.split(',');
    assert.deepEqual(rdns[0]!.split('+').sort(), [`CN=8${a.rpps}`, `GN=${a.firstName}`, `SN=${a.lastName}`]);
    assert.deepEqual(rdns.slice(1), ['title=Médecin', 'C=FR']);
    assert.match(a.firstName, /[ÉÈÇÔ]/);
    assert.match(stdout, new RegExp(`email:${a.address.replace(/\./g, '\\.')}`));
    assert.match(stdout, /TLS Web Client Authentication/);
    assert.match(stdout, /Digital Signature/);
    assert.match((await cert(a.cert)).issuer, /CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES/);
  });

  test('the revoked card\'s certificate is in the PERSONNES CRL, the others are not', async () => {
    assert.match(await verifyError(card(state, 'revoked'), 'sslclient'), /certificate revoked/);
    for (const name of ['doctorA', 'doctorB', 'blocked']) assert.match(await verify(card(state, name), 'sslclient'), /OK/);
  });

  test('the key was generated on the token, is sensitive and never extractable, with the certificate under the same CKA_ID', async () => {
    const a = card(state, 'doctorA');
    const { stdout } = await run('pkcs11-tool', ['--module', state.softhsm.module, '--token-label', a.tokenLabel, '--login', '--pin', a.userPin, '--list-objects'],
      { env: { ...process.env, SOFTHSM2_CONF: state.softhsm.conf } });
    const priv = stdout.split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object'))!;
    assert.match(priv, /never extractable/);
    assert.match(priv, /always sensitive/);
    assert.match(priv, /local/);
    assert.match(priv, new RegExp(`ID:\\s+${a.keyIdHex}`));
    const certObj = stdout.split(/\n(?=\S)/).find((b) => b.startsWith('Certificate Object'))!;
    assert.match(certObj, new RegExp(`ID:\\s+${a.keyIdHex}`));
  });

  test('the card set covers two doctors, a revoked card and a PIN-blocked card', () => {
    assert.deepEqual(state.cards.map((c) => c.name).sort(), ['blocked', 'doctorA', 'doctorB', 'revoked']);
    assert.notEqual(card(state, 'doctorA').address, card(state, 'doctorB').address);
    assert.equal(card(state, 'revoked').revoked, true);
    assert.equal(card(state, 'blocked').pinBlocked, true);
  });
});

describe('testbed up', () => {
  test('is idempotent: a second up reports the running bench, unchanged', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/testbed/cli.ts', 'up', '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { started: boolean; dir: string };
    assert.equal(out.started, false);
    assert.equal(out.dir, state.dir);
  });
});
