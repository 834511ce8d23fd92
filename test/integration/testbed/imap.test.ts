// The bench's IMAP is operator-like: TLS 1.2 with the four suites of
// Référentiel #2 only, a valid card certificate (CRL-checked) for every login,
// SASL EXTERNAL mapping the card to its holder's mailbox.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadTestbed, card, type TestbedState } from '../../support/testbed.js';
import { TLS_ALLOWED_SUITES_OPENSSL } from '../../../src-main/rules/mssante.js';
import { OpensslClient } from './openssl-client.js';
import { searchHeader as doveadmSearch } from '../../testbed/tooling.js';

let state: TestbedState;
before(() => {
  state = loadTestbed();
});

async function externalLogin(o: Parameters<typeof OpensslClient.start>[1]): Promise<{ client: OpensslClient; result: string }> {
  const client = OpensslClient.start(state, o);
  await client.ready('imap', o.starttls !== undefined);
  const result = await client.command('a1 AUTHENTICATE EXTERNAL =', /^a1 /);
  return { client, result };
}

describe('IMAP with a virtual CPS card', () => {
  test('doctor A logs in with AUTHENTICATE EXTERNAL over implicit TLS and lands in her own mailbox', async () => {
    const doctorA = card(state, 'doctorA');
    const { client, result } = await externalLogin({ port: state.ports.imaps, card: doctorA });
    assert.match(result, /^a1 OK/);
    // Prove whose mailbox it is: append through this session, find it in doctor A's Maildir.
    const marker = `bench-${randomUUID()}`;
    const msg = `From: ${doctorA.address}\r\nSubject: ${marker}\r\nMessage-ID: <${marker}@bench>\r\n\r\nbonjour\r\n`;
    client.send(`a2 APPEND INBOX {${Buffer.byteLength(msg)}+}`);
    client.send(msg);
    assert.match(await client.waitFor(/^a2 /), /^a2 OK/);
    await client.command('a3 LOGOUT', /^a3 /);
    await client.close();
    assert.equal((await doveadmSearch(state, doctorA.address, 'Message-ID', marker)).length, 1);
    assert.equal((await doveadmSearch(state, card(state, 'doctorB').address, 'Message-ID', marker)).length, 0);
  });

  test('doctor B logs in with EXTERNAL after STARTTLS on the plain port', async () => {
    const { client, result } = await externalLogin({ port: state.ports.imap, starttls: 'imap', card: card(state, 'doctorB') });
    assert.match(result, /^a1 OK/);
    await client.close();
  });

  test('the server offers CONDSTORE, QRESYNC and IDLE', async () => {
    const { client } = await externalLogin({ port: state.ports.imaps, card: card(state, 'doctorA') });
    const caps = await client.command('a2 CAPABILITY', /^\* CAPABILITY/);
    for (const cap of ['CONDSTORE', 'QRESYNC', 'IDLE']) assert.ok(caps.split(' ').includes(cap), `${cap} in ${caps}`);
    await client.close();
  });

  test('without a client certificate the handshake completes and the login is refused', async () => {
    const { client, result } = await externalLogin({ port: state.ports.imaps });
    assert.match(result, /^a1 NO .*valid SSL certificate/);
    await client.close();
  });

  test('the revoked card (its certificate is in the PERSONNES CRL) is refused at login', async () => {
    const { client, result } = await externalLogin({ port: state.ports.imaps, card: card(state, 'revoked') });
    assert.match(result, /^a1 NO .*valid SSL certificate/);
    await client.close();
  });

  test('a certificate from an unrelated CA is refused at login', async () => {
    const { client, result } = await externalLogin({ port: state.ports.imaps, certFile: { cert: state.pki.foreignServer.cert, key: state.pki.foreignServer.key } });
    assert.match(result, /^a1 NO /);
    await client.close();
  });

  test('PLAIN is refused on the operator-like port even with a valid password and no card', async () => {
    const client = OpensslClient.start(state, { port: state.ports.imaps });
    await client.ready('imap', false);
    const u = state.plainUsers[0]!;
    assert.match(await client.command(`a1 LOGIN ${u.user} ${u.password}`, /^a1 /), /^a1 NO/);
    await client.close();
  });
});

describe('IMAP TLS policy (Référentiel #2)', () => {
  for (const suite of TLS_ALLOWED_SUITES_OPENSSL) {
    test(`TLS 1.2 with ${suite} is accepted`, async () => {
      const client = OpensslClient.start(state, { port: state.ports.imaps, extra: ['-tls1_2', '-cipher', suite] });
      await client.ready('imap', false);
      await client.close();
    });
  }

  const refused: [string, string[]][] = [
    ['TLS 1.3', ['-tls1_3']],
    ['TLS 1.1', ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']],
    ['a suite outside the four (ECDHE-RSA-AES128-SHA)', ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA']],
    ['a suite outside the four (AES256-GCM-SHA384, RSA key exchange)', ['-tls1_2', '-cipher', 'AES256-GCM-SHA384']],
    ['a suite outside the four (ECDHE-RSA-CHACHA20-POLY1305)', ['-tls1_2', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305']],
  ];
  for (const [what, extra] of refused) {
    test(`${what} is refused at the handshake`, async () => {
      const client = OpensslClient.start(state, { port: state.ports.imaps, extra });
      const r = await client.outcome();
      assert.notEqual(r.code, 0, r.stdout);
      assert.doesNotMatch(r.stdout, /\* OK/);
      // Dovecot drops the connection right after the ClientHello (no alert): s_client was reading its answer.
      assert.match(r.stderr, /ssl3_read_n|alert/i);
    });
  }
});
