// `mssante check-server` through the real binary: accepted servers print protocol, suite,
// chain, revocation and verdict; refused ones exit 1 with the precise French reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMssante } from '../../support/cli.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { listenOnFreePort } from '../../support/ports.js';
import { startOpensslServer } from '../../support/tls.js';

let tb: TestbedState;
let home: string;
before(() => {
  tb = loadTestbed();
  home = mkdtempSync(join(tmpdir(), 'check-server-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

const check = (args: string[]) => runMssante(['--home', home, 'check-server', ...args]);

describe('mssante check-server', () => {
  it('accepts the bench IMAP server on implicit TLS and reports suite, chain and revocation (JSON)', async () => {
    const r = await runMssante(['--home', home, '--json', 'check-server', `localhost:${tb.ports.imaps}`, '--trust-anchors', tb.pki.caBundle]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.verdict, 'accepted');
    assert.equal(out.protocol, 'TLSv1.2');
    assert.match(String(out.suite), /^TLS_ECDHE_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
    assert.equal((out.chain as string[]).length, 3);
    assert.match((out.chain as string[])[2] ?? '', /TEST AC RACINE IGC-SANTE/);
    assert.equal(out.revocation, 'good');
    assert.match(r.stderr, /NON-DEFAULT trust anchor/); // the non-default trust store is said out loud
  });

  it('accepts STARTTLS on the submission and IMAP ports (French text)', async () => {
    for (const [port, proto] of [[tb.ports.submission, 'smtp'], [tb.ports.imap, 'imap']] as const) {
      const r = await check([`localhost:${port}`, '--starttls', proto, '--trust-anchors', tb.pki.caBundle]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Protocole : TLS 1\.2/);
      assert.match(r.stdout, /Révocation : vérifiée : non révoqué/);
      assert.match(r.stdout, /Verdict : ACCEPTÉ/);
    }
  });

  it('refuses the bench under the default IGC-Santé trust store: exit 1, CERT_UNKNOWN_CA in French', async () => {
    const r = await runMssante(['--home', home, '--json', 'check-server', `localhost:${tb.ports.imap}`, '--starttls', 'imap']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Verdict : REFUSÉ — Le certificat du serveur n’est pas émis par l’IGC-Santé/);
    assert.match(r.stderr, /Chaîne présentée \(non validée\) : .*CN=localhost/);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'CERT_UNKNOWN_CA');
  });

  it('refuses a revoked server certificate (CRL) with its own reason', async () => {
    const server = await startOpensslServer(['-cert', tb.pki.revokedServer.chain, '-key', tb.pki.revokedServer.key]);
    try {
      const r = await check([`localhost:${server.port}`, '--trust-anchors', tb.pki.caBundle]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Erreur : Le certificat du serveur a été révoqué\./);
    } finally {
      await server.stop();
    }
  });

  it('a server that requires a client certificate: without --card says none was sent; with --card presents the card (issue 14)', async () => {
    // openssl s_server -Verify: the client certificate is mandatory at the TLS level
    const server = await startOpensslServer(['-cert', tb.pki.server.chain, '-key', tb.pki.server.key, '-Verify', '3', '-CAfile', tb.pki.caBundle, '-tls1_2']);
    const { port } = server;
    try {
      const without = await runMssante(['--home', home, '--json', 'check-server', `localhost:${port}`, '--trust-anchors', tb.pki.caBundle]);
      assert.equal(without.code, 1);
      assert.equal(JSON.parse(without.stdout).error.code, 'TLS_CLIENT_CERT_NOT_SENT');
      assert.match(without.stderr, /Erreur : Le serveur exige un certificat client et aucun ne lui a été présenté \(vérification sans carte\) : relancez avec --card/);
      assert.doesNotMatch(without.stderr, /refusé votre certificat/);

      const doctor = card(tb, 'doctorA');
      const env = { SOFTHSM2_CONF: tb.softhsm.conf, MSSANTE_TEST: '' };
      const withCard = await runMssante(['--home', home, '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', 'check-server', `localhost:${port}`, '--trust-anchors', tb.pki.caBundle, '--card'], { stdin: `${doctor.userPin}\n`, env });
      assert.equal(withCard.code, 0, withCard.stderr);
      assert.match(withCard.stdout, new RegExp(`Certificat client : celui de la carte « ${doctor.tokenLabel} », présenté et accepté par le serveur\\.`));
      assert.match(withCard.stdout, /Verdict : ACCEPTÉ/);
    } finally {
      await server.stop();
    }
  });

  it('refuses a TLS 1.3-only server: exit 1, "n’accepte pas TLS 1.2"', async () => {
    const server = await startOpensslServer(['-cert', tb.pki.server.chain, '-key', tb.pki.server.key, '-tls1_3']);
    try {
      const r = await check([`localhost:${server.port}`, '--trust-anchors', tb.pki.caBundle]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Erreur : Le serveur n’accepte pas TLS 1\.2/);
    } finally {
      await server.stop();
    }
  });

  it('refuses an SMTP server that does not offer STARTTLS, in French', async () => {
    const server = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.write('220 relais ESMTP\r\n');
      sock.on('data', () => sock.write('250-relais\r\n250 SIZE 10240000\r\n'));
    });
    const port = await listenOnFreePort(server);
    try {
      const r = await check([`localhost:${port}`, '--starttls', 'smtp']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Erreur : Le serveur ne propose pas STARTTLS/);
    } finally {
      server.close();
    }
  });

  it('a malformed target is a usage error in French', async () => {
    const r = await check(['pas-de-port']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /n’est pas de la forme HÔTE:PORT/);
  });
});
