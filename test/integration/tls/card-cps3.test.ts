// A CPS3-like card (cps-sim over SoftHSM: no RSA-PSS mechanism) authenticates a TLS 1.2
// handshake against OpenSSL, which lists PSS first: our client must offer and use PKCS#1 only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardService, CardSigner } from '../../../src-main/card/index.js';
import { connectTls, SignatureScheme, type Signer } from '../../../src-main/tls/index.js';
import { createSimBench, type SimBench } from '../card/sim-fixture.js';
import { makeTestPki, PinnedCaVerifier, startOpensslServer, type ExternalServer, type TestPki } from '../../support/tls.js';

const PIN = '2468';
let sim: SimBench;
let pki: TestPki;
let server: ExternalServer;
let service: CardService;

before(async () => {
  sim = createSimBench([{ label: 'SIM tls cps3', pin: PIN, subject: '/C=FR/title=Médecin/CN=899700300019+SN=TLS+GN=Carte', sim: { cps3: 1 } }]);
  Object.assign(process.env, sim.env); // the card host inherits this bench's SoftHSM and cps-sim config
  pki = makeTestPki();
  server = await startOpensslServer(
    ['-cert', pki.serverCert, '-key', pki.serverKey, '-Verify', '1', '-verify_return_error', '-CAfile', join(sim.dir, 'ca.cert.pem'),
      '-client_sigalgs', 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256:RSA+SHA384', '-rev'],
  );
  service = new CardService({ modulePath: sim.module });
});
after(async () => {
  service?.close();
  await server?.stop();
  pki?.cleanup();
  sim?.cleanup();
});

describe('TLS client authentication with a CPS3-like card', () => {
  it('offers only PKCS#1 schemes and signs the CertificateVerify with rsa_pkcs1_sha256 on the card', async () => {
    const token = await service.selectToken(sim.cards[0]?.serial ?? '');
    const session = await service.login(token, Buffer.from(PIN));
    try {
      const card = new CardSigner(session);
      const schemes = await card.supportedSchemes();
      assert.ok(schemes.length > 0 && schemes.every((s) => (s & 0xff) === 0x01), `PKCS#1 only, got ${schemes.map((s) => s.toString(16))}`);
      const used: number[] = [];
      const counted: Signer = { certificateChain: () => card.certificateChain(), supportedSchemes: () => card.supportedSchemes(), sign: (s, d) => (used.push(s), card.sign(s, d)) };
      const socket = connectTls({ host: '127.0.0.1', port: server.port, serverName: 'localhost', verifier: new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8')), signer: counted });
      socket.on('error', () => undefined);
      const info = await socket.secured; // OpenSSL verified our CertificateVerify (-Verify, -verify_return_error)
      assert.deepEqual(used, [SignatureScheme.rsa_pkcs1_sha256]);
      assert.equal(info.clientSignatureScheme, SignatureScheme.rsa_pkcs1_sha256);
      const echoed = await new Promise<string>((resolve) => {
        socket.once('data', (d: Buffer) => resolve(d.toString()));
        socket.write('carte\n');
      });
      assert.equal(echoed, 'etrac\n');
      socket.end();
    } finally {
      await session.logout();
    }
  });
});
