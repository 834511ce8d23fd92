// The PKCS#12 software-certificate signer: opens files produced by OpenSSL, signs with the two RSA
// schemes (verified with the certificate's public key), refuses bad passwords and unsupported files
// with their own codes, and never shows key material.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, constants, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AppError } from '../../../src-main/errors/index.js';
import { Pkcs12Signer } from '../../../src-main/tls/pki/pkcs12-signer.js';
import { SignatureScheme } from '../../../src-main/tls/signer.js';

let dir: string;
const PASSWORD = 'mot de passe sûr';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pki-p12-'));
  writeFileSync(join(dir, 'ca.cnf'), '[v3_ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n[leaf]\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=TEST AC ORGANISATIONS', '-days', '30', '-extensions', 'v3_ca', '-config', 'ca.cnf');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'org.key', '-out', 'org.csr', '-subj', '/CN=bal-org.test/O=Centre de sante');
  openssl('x509', '-req', '-in', 'org.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'org.pem', '-days', '30', '-extfile', 'ca.cnf', '-extensions', 'leaf');
  // CA first in the file on purpose: the signer must put the key's certificate first.
  openssl('pkcs12', '-export', '-inkey', 'org.key', '-in', 'org.pem', '-certfile', 'ca.pem', '-out', 'org.p12', '-passout', `pass:${PASSWORD}`);
  openssl('pkcs12', '-export', '-legacy', '-inkey', 'org.key', '-in', 'org.pem', '-out', 'legacy.p12', '-passout', 'pass:x');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.key');
  openssl('req', '-x509', '-key', 'ec.key', '-out', 'ec.pem', '-subj', '/CN=ec', '-days', '1');
  openssl('pkcs12', '-export', '-inkey', 'ec.key', '-in', 'ec.pem', '-out', 'ec.p12', '-passout', 'pass:x');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
  assert.ok(err instanceof AppError, String(err));
  return err;
}

test('opens an OpenSSL 3 PKCS#12 and presents the key certificate first, then its issuer', async () => {
  const signer = await Pkcs12Signer.fromFile(join(dir, 'org.p12'), PASSWORD);
  const chain = await signer.certificateChain();
  assert.equal(chain.length, 2);
  assert.match(new X509Certificate(chain[0]!).subject, /CN=bal-org.test/);
  assert.match(new X509Certificate(chain[1]!).subject, /CN=TEST AC ORGANISATIONS/);
  assert.deepEqual(await signer.supportedSchemes(), [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256]);
});

test('signatures verify with the certificate public key, for PKCS#1 v1.5 and PSS', async () => {
  const signer = await Pkcs12Signer.fromFile(join(dir, 'org.p12'), PASSWORD);
  const publicKey = new X509Certificate((await signer.certificateChain())[0]!).publicKey;
  const data = Buffer.from('TLS 1.2 CertificateVerify handshake messages');
  const pkcs1 = await signer.sign(SignatureScheme.rsa_pkcs1_sha256, data);
  assert.ok(verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, pkcs1));
  const pss = await signer.sign(SignatureScheme.rsa_pss_rsae_sha256, data);
  assert.ok(verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss));
  assert.ok(!verify('sha256', Buffer.from('other data'), { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, pkcs1));
  const err = await failure(signer.sign(SignatureScheme.ecdsa_secp256r1_sha256, data));
  assert.equal(err.code, 'INVALID_ARGUMENT');
});

test('a wrong password is PKCS12_BAD_PASSWORD', async () => {
  const err = await failure(Pkcs12Signer.fromFile(join(dir, 'org.p12'), 'mauvais'));
  assert.equal(err.code, 'PKCS12_BAD_PASSWORD');
  assert.doesNotMatch(err.message, /mauvais/);
});

test('a legacy (3DES/RC2) PKCS#12 is refused with a clear reason', async () => {
  const err = await failure(Pkcs12Signer.fromFile(join(dir, 'legacy.p12'), 'x'));
  assert.equal(err.code, 'PKCS12_INVALID');
  assert.equal(err.data.reason, 'legacy-encryption');
});

test('a non-RSA key, a non-PKCS#12 file and a missing file are refused', async () => {
  assert.equal((await failure(Pkcs12Signer.fromFile(join(dir, 'ec.p12'), 'x'))).data.reason, 'key-type');
  assert.equal((await failure(Pkcs12Signer.fromPkcs12(readFileSync(join(dir, 'org.pem')), 'x'))).code, 'PKCS12_INVALID');
  assert.equal((await failure(Pkcs12Signer.fromFile(join(dir, 'absent.p12'), 'x'))).code, 'IO_FAILED');
});

test('the signer never shows key material when logged or serialised', async () => {
  const signer = await Pkcs12Signer.fromFile(join(dir, 'org.p12'), PASSWORD);
  assert.equal(inspect(signer, { showHidden: true, depth: 10 }), '[Pkcs12Signer]');
  assert.equal(JSON.stringify({ signer }), '{"signer":"[Pkcs12Signer]"}');
  assert.deepEqual(Object.keys(signer), []);
});
