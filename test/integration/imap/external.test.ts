// IMAP over our TLS 1.2 client against the bench's Dovecot: implicit TLS and STARTTLS, with
// AUTHENTICATE EXTERNAL (success, and a tagged NO), for a software (ORG) key and a CPS card.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { AppError } from '../../../src-main/errors/index.js';
import { imapConnector, openImapSession, type ImapEndpoint } from '../../../src-main/imap/index.js';
import { CardService, CardSigner } from '../../../src-main/card/index.js';
import { SignatureScheme, type Signer } from '../../../src-main/tls/index.js';
import { card, loadTestbed, type TestbedState } from '../../support/testbed.js';
import { benchVerifier, orgSigner, toolingSigner } from '../../support/tls-bench.js';
import { listenOnFreePort } from '../../support/ports.js';

let tb: TestbedState;
const endpoints = (): [string, ImapEndpoint][] => [
  ['implicit TLS', { host: 'localhost', port: tb.ports.imaps, security: 'tls' }],
  ['STARTTLS', { host: 'localhost', port: tb.ports.imap, security: 'starttls' }],
];

before(() => {
  tb = loadTestbed();
});

describe('IMAP AUTHENTICATE EXTERNAL over our TLS client (Dovecot)', () => {
  it('logs in with the ORG certificate on implicit TLS and STARTTLS, one signature each, and reads INBOX', async () => {
    for (const [name, endpoint] of endpoints()) {
      const signer = orgSigner(tb);
      const client = await openImapSession(endpoint, signer, benchVerifier(tb));
      try {
        assert.equal(signer.signatures, 1, name);
        assert.equal(client.tls && client.tls.version, 'TLSv1.2', name);
        assert.match((client.tls && client.tls.standardName) || '', /ECDHE_RSA_WITH_AES_(128|256)_GCM/, name);
        const status = await client.status('INBOX', { messages: true });
        assert.ok(status && typeof status.messages === 'number', name);
      } finally {
        await client.logout();
      }
    }
  });

  it('the sync connector opens a fresh EXTERNAL session per call with QRESYNC enabled', async () => {
    const signer = orgSigner(tb);
    const connector = imapConnector({ host: 'localhost', port: tb.ports.imap, security: 'starttls' }, signer, benchVerifier(tb));
    const first = await connector.connect();
    const second = await connector.connect();
    try {
      assert.notEqual(first, second);
      assert.ok(first.enabled.has('QRESYNC'), [...first.enabled].join(','));
      assert.equal(signer.signatures, 2);
    } finally {
      await first.logout();
      await second.logout();
    }
  });

  it('a key without RSA-PSS (like a CPS3 card) logs in with rsa_pkcs1_sha256', async () => {
    const signer = orgSigner(tb, [SignatureScheme.rsa_pkcs1_sha256]);
    const client = await openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, signer, benchVerifier(tb));
    assert.equal(signer.lastScheme, SignatureScheme.rsa_pkcs1_sha256);
    await client.logout();
  });

  it('a tagged NO (certificate without a mailbox identity) is IMAP_AUTH_FAILED, on both transports', async () => {
    for (const [name, endpoint] of endpoints()) {
      await assert.rejects(openImapSession(endpoint, toolingSigner(tb), benchVerifier(tb)), (err: unknown) => {
        assert.ok(err instanceof AppError, name);
        assert.equal(err.code, 'IMAP_AUTH_FAILED', `${name}: ${err.message}`);
        return true;
      });
    }
  });

  it('a tagged NO for an authorisation identity the certificate may not use is IMAP_AUTH_FAILED', async () => {
    const other = card(tb, 'doctorB').address;
    await assert.rejects(openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, orgSigner(tb), benchVerifier(tb), { authorizationId: other }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'IMAP_AUTH_FAILED');
      return true;
    });
  });

  it('an IMAP server without STARTTLS on a STARTTLS account is refused before any login (STARTTLS_NOT_OFFERED)', async () => {
    const server = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] pas de TLS ici\r\n');
      sock.on('data', (d: Buffer) => {
        const tag = d.toString().split(' ')[0];
        sock.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
      });
    });
    const port = await listenOnFreePort(server);
    const signer = orgSigner(tb);
    try {
      await assert.rejects(openImapSession({ host: '127.0.0.1', port, security: 'starttls' }, signer, benchVerifier(tb)), (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'STARTTLS_NOT_OFFERED', err.message);
        return true;
      });
      assert.equal(signer.signatures, 0);
    } finally {
      server.close();
    }
  });

  it('an unknown server CA stops the connection before any signature (CERT_UNKNOWN_CA)', async () => {
    const { PkiServerCertificateVerifier, resolveTrustStore } = await import('../../../src-main/tls/pki/index.js');
    const foreign = new PkiServerCertificateVerifier({ trustStore: resolveTrustStore(tb.pki.foreignCa, () => undefined) });
    const signer = orgSigner(tb);
    await assert.rejects(openImapSession({ host: 'localhost', port: tb.ports.imap, security: 'starttls' }, signer, foreign), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'CERT_UNKNOWN_CA', err.message);
      return true;
    });
    assert.equal(signer.signatures, 0);
  });
});

describe('IMAP with the CPS card (SoftHSM bench card doctorA)', () => {
  let service: CardService;
  before(() => {
    process.env.SOFTHSM2_CONF = tb.softhsm.conf; // the card host inherits it
    service = new CardService({ modulePath: card(tb, 'doctorA').pkcs11Module });
  });
  after(() => service.close());

  it('the card signs the CertificateVerify (one signature per handshake) and Dovecot maps the card to its mailbox', async () => {
    const doctor = card(tb, 'doctorA');
    const token = await service.selectToken(doctor.tokenSerial);
    const session = await service.login(token, Buffer.from(doctor.userPin));
    let signatures = 0;
    const cardSigner = new CardSigner(session);
    const counted: Signer = {
      certificateChain: () => cardSigner.certificateChain(),
      supportedSchemes: () => cardSigner.supportedSchemes(),
      sign: (scheme, data) => {
        signatures++;
        return cardSigner.sign(scheme, data);
      },
    };
    try {
      for (const [name, endpoint] of endpoints()) {
        const client = await openImapSession(endpoint, counted, benchVerifier(tb));
        const mailboxes = await client.list();
        assert.ok(mailboxes.some((m) => m.path === 'INBOX'), name);
        await client.logout();
      }
      assert.equal(signatures, 2);
    } finally {
      await session.logout();
    }
  });
});
