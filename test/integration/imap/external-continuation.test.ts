// AUTHENTICATE EXTERNAL without SASL-IR (the response goes after the "+" continuation), against a
// small scripted IMAP server over Node's TLS: the branch Dovecot (which has SASL-IR) never takes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { AppError } from '../../../src-main/errors/index.js';
import { openImapSession } from '../../../src-main/imap/index.js';
import { makeTestPki, PinnedCaVerifier, SoftwareSigner, type TestPki } from '../../support/tls.js';
import { freePort } from '../../support/ports.js';

let pki: TestPki;
let server: tls.Server;
/** what the client sent after AUTHENTICATE EXTERNAL's continuation, per connection */
const answers: string[] = [];
const PORT = await freePort();

before(async () => {
  pki = makeTestPki();
  server = tls.createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true }, (sock) => {
    sock.on('error', () => undefined);
    const caps = '* CAPABILITY IMAP4rev1 AUTH=EXTERNAL';
    sock.write(`* OK [CAPABILITY IMAP4rev1 AUTH=EXTERNAL] ready\r\n`);
    let pendingAuthTag: string | undefined;
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      let eol: number;
      while ((eol = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        if (pendingAuthTag) {
          const tag = pendingAuthTag;
          pendingAuthTag = undefined;
          answers.push(line);
          // the empty answer means "the identity of my certificate"; anything else is refused
          sock.write(line === '' ? `${tag} OK [CAPABILITY IMAP4rev1] authenticated\r\n` : `${tag} NO [AUTHORIZATIONFAILED] not your mailbox\r\n`);
          continue;
        }
        const [tag, command] = line.split(' ');
        if (command?.toUpperCase() === 'AUTHENTICATE') {
          pendingAuthTag = tag;
          sock.write('+ \r\n');
        } else if (command?.toUpperCase() === 'CAPABILITY') sock.write(`${caps}\r\n${tag} OK done\r\n`);
        else if (command?.toUpperCase() === 'LOGOUT') sock.end(`* BYE\r\n${tag} OK bye\r\n`);
        else sock.write(`${tag} OK done\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
});
after(() => {
  server.close();
  pki.cleanup();
});

describe('AUTHENTICATE EXTERNAL without SASL-IR', () => {
  const signer = (): SoftwareSigner => new SoftwareSigner(readFileSync(pki.clientKey, 'utf8'), readFileSync(pki.clientCert, 'utf8'));
  const verifier = (): PinnedCaVerifier => new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8'));

  it('answers the continuation with an empty line and is authenticated', async () => {
    const client = await openImapSession({ host: 'localhost', port: PORT, security: 'tls' }, signer(), verifier());
    assert.equal(answers.at(-1), '');
    assert.equal(client.authenticated, true);
    await client.logout();
  });

  it('sends the authorisation identity in base64 and maps the tagged NO to IMAP_AUTH_FAILED', async () => {
    await assert.rejects(openImapSession({ host: 'localhost', port: PORT, security: 'tls' }, signer(), verifier(), { authorizationId: 'secretariat@centre.mssante.test' }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'IMAP_AUTH_FAILED');
      assert.match(String(err.data.serverText), /not your mailbox/);
      return true;
    });
    assert.equal(Buffer.from(answers.at(-1) ?? '', 'base64').toString(), 'secretariat@centre.mssante.test');
  });
});
