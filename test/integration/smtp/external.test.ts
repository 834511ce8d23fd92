// SMTP submission over our TLS 1.2 client: nodemailer with getSocket, AUTH EXTERNAL, against the
// bench's Dovecot submission (relaying to Postfix), implicit TLS and STARTTLS done by our code;
// plus hostile plaintext servers for the STARTTLS negotiation.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../src-main/errors/index.js';
import { openImapSession } from '../../../src-main/imap/index.js';
import { asSmtpError, createSmtpTransport, smtpStartTls, type SmtpEndpoint } from '../../../src-main/smtp/index.js';
import { loadTestbed, type TestbedState } from '../../support/testbed.js';
import { waitForMail } from '../../support/mailbox.js';
import { listenOnFreePort } from '../../support/ports.js';
import { PinnedCaVerifier } from '../../support/tls.js';
import { benchVerifier, orgSigner, toolingSigner } from '../../support/tls-bench.js';

let tb: TestbedState;
before(() => {
  tb = loadTestbed();
});

/** Resolves once the message is in the ORG mailbox's INBOX (Dovecot announces it while we IDLE). */
async function waitForMessage(messageId: string): Promise<void> {
  const client = await openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, orgSigner(tb), benchVerifier(tb));
  try {
    await waitForMail(client, 'INBOX', { header: { 'message-id': messageId } });
  } finally {
    await client.logout();
  }
}

describe('SMTP AUTH EXTERNAL over our TLS client (Dovecot submission → Postfix)', () => {
  for (const [name, security] of [['implicit TLS', 'tls'], ['STARTTLS', 'starttls']] as const) {
    it(`sends a message on ${name}, one client signature, and it is delivered`, async () => {
      const endpoint: SmtpEndpoint = { host: 'localhost', port: security === 'tls' ? tb.ports.submissions : tb.ports.submission, security };
      const signer = orgSigner(tb);
      const ciphers: string[] = [];
      const transport = createSmtpTransport(endpoint, signer, benchVerifier(tb), {}, (s) => ciphers.push(s.getCipher()?.standardName ?? ''));
      const address = tb.pki.orgClientP12.address;
      const messageId = `<${randomUUID()}@tls-client.test>`;
      try {
        const info = await transport.sendMail({
          envelope: { from: address, to: [address] },
          raw: `From: ${address}\r\nTo: ${address}\r\nSubject: essai ${name}\r\nMessage-ID: ${messageId}\r\n\r\nBonjour.\r\n`,
        });
        assert.match(info.response, /^250 /);
      } finally {
        transport.close();
      }
      assert.equal(signer.signatures, 1);
      assert.match(ciphers[0] ?? '', /ECDHE_RSA_WITH_AES_(128|256)_GCM/);
      await waitForMessage(messageId); // delivered to the mailbox
    });
  }

  it('AUTH EXTERNAL refused (certificate without a mailbox identity) is SMTP_AUTH_FAILED', async () => {
    const transport = createSmtpTransport({ host: 'localhost', port: tb.ports.submissions, security: 'tls' }, toolingSigner(tb), benchVerifier(tb));
    try {
      await assert.rejects(transport.verify(), (err: unknown) => {
        assert.equal(asSmtpError(err).code, 'SMTP_AUTH_FAILED', String(err));
        return true;
      });
    } finally {
      transport.close();
    }
  });

  it('a server certificate refused by the verifier fails the send with the CERT_* code', async () => {
    const transport = createSmtpTransport({ host: 'localhost', port: tb.ports.submission, security: 'starttls' }, orgSigner(tb), benchVerifier(tb), { serverName: 'smtp.example.org' });
    try {
      await assert.rejects(transport.verify(), (err: unknown) => {
        assert.equal(asSmtpError(err).code, 'CERT_HOSTNAME_MISMATCH', String(err));
        return true;
      });
    } finally {
      transport.close();
    }
  });
});

/** A plaintext SMTP server that follows `script` (one reply per client line, greeting first), on a port the OS picks. */
async function fakeSmtp(greeting: string, replies: Record<string, string>): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write(greeting);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      let eol: number;
      while ((eol = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        sock.write(replies[verb] ?? '502 unknown\r\n');
      }
    });
  });
  return { server, port: await listenOnFreePort(server) };
}

describe('STARTTLS negotiation by our code (hostile plaintext servers)', () => {
  const tlsOptions = { serverName: 'localhost', verifier: new PinnedCaVerifier('') };

  it('refuses to go on in clear when the server does not offer STARTTLS', async () => {
    const { server, port } = await fakeSmtp('220 fake ESMTP\r\n', { EHLO: '250-fake\r\n250 AUTH PLAIN\r\n' });
    try {
      await assert.rejects(smtpStartTls('127.0.0.1', port, 'localhost', tlsOptions), (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'STARTTLS_NOT_OFFERED');
        return true;
      });
    } finally {
      server.close();
    }
  });

  it('refuses plaintext injected after the STARTTLS reply', async () => {
    const { server, port } = await fakeSmtp('220 fake ESMTP\r\n', { EHLO: '250-fake\r\n250 STARTTLS\r\n', STARTTLS: '220 go ahead\r\n250 injected\r\n' });
    try {
      await assert.rejects(smtpStartTls('127.0.0.1', port, 'localhost', tlsOptions), (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'STARTTLS_INJECTION');
        return true;
      });
    } finally {
      server.close();
    }
  });
});
