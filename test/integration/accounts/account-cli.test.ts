// `mssante account add|list|test` through the real binary against the bench: Dovecot IMAP and
// submission (implicit TLS and STARTTLS) with SASL EXTERNAL, authenticated by the bench PKCS#12
// organisation certificate and by a SoftHSM CPS card; and refusals with their precise reasons.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMssante } from '../../support/cli.js';
import { card, loadTestbed } from '../../support/testbed.js';
import { startOpensslServer, type ExternalServer } from '../../support/tls.js';

const bench = loadTestbed();
const homes: string[] = [];
function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'mssante-account-'));
  homes.push(h);
  return h;
}
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

const p12 = bench.pki.orgClientP12;
const at = (port: number): string => `localhost:${port}`;

describe('account add and list', () => {
  it('stores a PKCS#12 account without its password and lists it', async () => {
    const home = newHome();
    const add = await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', at(bench.ports.imaps), '--smtp', at(bench.ports.submission), '--smtp-starttls', '--auth', 'pkcs12', '--pkcs12', p12.file, '--trust-anchors', bench.pki.caBundle]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /Compte .* enregistré/);
    assert.match(add.stdout, /autorités de confiance NON standard/);
    const file = readFileSync(join(home, 'accounts.json'), 'utf8');
    assert.ok(!file.includes(p12.password), 'the PKCS#12 password is never stored');
    const list = await runMssante(['--home', home, '--json', 'account', 'list']);
    const accounts = (JSON.parse(list.stdout) as { accounts: { address: string; smtp: { security: string } }[] }).accounts;
    assert.deepEqual(accounts.map((a) => [a.address, a.smtp.security]), [[p12.address, 'starttls']]);
    const again = await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', 'a:1', '--smtp', 'b:2', '--auth', 'card']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /existe déjà/);
  });

  it('refuses bad input with a French reason and writes nothing', async () => {
    const home = newHome();
    const r = await runMssante(['--home', home, 'account', 'add', '--address', 'a@op.fr', '--imap', 'imap.op.fr', '--smtp', 'b:2', '--auth', 'card']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /HÔTE:PORT/);
    const p = await runMssante(['--home', home, 'account', 'add', '--address', 'a@op.fr', '--imap', 'a:1', '--smtp', 'b:2', '--auth', 'pkcs12']);
    assert.equal(p.code, 1);
    const list = await runMssante(['--home', home, '--json', 'account', 'list']);
    assert.deepEqual(JSON.parse(list.stdout), { accounts: [] });
  });
});

describe('account test', () => {
  it('PKCS#12 account: IMAP (implicit TLS) and SMTP (STARTTLS) log in with EXTERNAL; chain and revocation shown', async () => {
    const home = newHome();
    await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', at(bench.ports.imaps), '--smtp', at(bench.ports.submission), '--smtp-starttls', '--auth', 'pkcs12', '--pkcs12', p12.file, '--trust-anchors', bench.pki.caBundle]);
    const r = await runMssante(['--home', home, '--json', 'account', 'test', '--password-stdin'], { stdin: `${p12.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; results: { protocol: string; ok: boolean; tls: { suite: string; chain: string[]; revocation: string; trustSource: string } }[] };
    assert.equal(out.ok, true);
    assert.deepEqual(out.results.map((x) => [x.protocol, x.ok]), [['imap', true], ['smtp', true]]);
    for (const x of out.results) {
      assert.match(x.tls.suite, /^TLS_ECDHE_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
      assert.equal(x.tls.chain.length, 3);
      assert.match(x.tls.revocation, /^good/);
      assert.equal(x.tls.trustSource, `file:${bench.pki.caBundle}`);
    }
    assert.match(r.stderr, /NON-DEFAULT trust anchor/, 'a non-default trust store is logged');
    assert.ok(!r.stderr.includes(p12.password) && !r.stdout.includes(p12.password));
  });

  it('PKCS#12 account with a wrong password: exit 1, PKCS12_BAD_PASSWORD, no connection attempted', async () => {
    const home = newHome();
    await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', at(bench.ports.imaps), '--smtp', at(bench.ports.submissions), '--auth', 'pkcs12', '--pkcs12', p12.file, '--trust-anchors', bench.pki.caBundle]);
    const r = await runMssante(['--home', home, '--json', 'account', 'test', '--password-stdin'], { stdin: 'faux\n' });
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'PKCS12_BAD_PASSWORD');
  });

  it('card account: IMAP STARTTLS and SMTP implicit TLS log in with the SoftHSM CPS card', async () => {
    const doctor = card(bench, 'doctorA');
    const home = newHome();
    await runMssante(['--home', home, 'account', 'add', '--address', doctor.address, '--imap', at(bench.ports.imap), '--imap-starttls', '--smtp', at(bench.ports.submissions), '--auth', 'card', '--trust-anchors', bench.pki.caBundle]);
    const r = await runMssante(['--home', home, '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', 'account', 'test'], {
      stdin: `${doctor.userPin}\n`,
      env: { SOFTHSM2_CONF: bench.softhsm.conf },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /IMAP \(réception\) localhost:\d+ \(STARTTLS\) : connexion et authentification par certificat réussies/);
    assert.match(r.stdout, /SMTP \(envoi\) localhost:\d+ \(TLS implicite\) : connexion et authentification par certificat réussies/);
    // X-MSS-NIL: the bench build has no conformity reference
    assert.match(r.stdout, /Attention : ce logiciel n’est pas référencé .*X-MSS-NIL/);
    assert.ok(!r.stdout.includes(doctor.userPin) && !r.stderr.includes(doctor.userPin));
  });

  it('the default trust store (IGC-Santé production) refuses the bench server: CERT_UNKNOWN_CA', async () => {
    const home = newHome();
    await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', at(bench.ports.imaps), '--smtp', at(bench.ports.submissions), '--auth', 'pkcs12', '--pkcs12', p12.file]);
    const r = await runMssante(['--home', home, '--json', 'account', 'test', '--password-stdin'], { stdin: `${p12.password}\n` });
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'CERT_UNKNOWN_CA');
    assert.match(r.stderr, /IMAP \(réception\).*ÉCHEC \(Le certificat du serveur n’est pas émis par l’IGC-Santé\.\)/);
  });
});

describe('account test against a server presenting a revoked certificate', () => {
  let server: ExternalServer;
  before(async () => {
    server = await startOpensslServer(['-cert', bench.pki.revokedServer.cert, '-key', bench.pki.revokedServer.key, '-cert_chain', bench.pki.organisationsCa, '-tls1_2']);
  });
  after(() => server.stop());

  it('is refused at the TLS step with the French reason CERT_REVOKED', async () => {
    const home = newHome();
    await runMssante(['--home', home, 'account', 'add', '--address', p12.address, '--imap', at(server.port), '--smtp', at(server.port), '--auth', 'pkcs12', '--pkcs12', p12.file, '--trust-anchors', bench.pki.caBundle]);
    const r = await runMssante(['--home', home, 'account', 'test', '--password-stdin'], { stdin: `${p12.password}\n` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Erreur : Le certificat du serveur a été révoqué\./);
  });
});
