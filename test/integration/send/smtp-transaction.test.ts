// The outbox's idempotency point on the wire: the real mail channel (nodemailer over our TLS
// client, AUTH EXTERNAL) against a scripted TLS SMTP server. The server looks at the outbox row
// when MAIL FROM arrives: it must already be 'sending'. Then what each server behaviour becomes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Db } from '../../../src-main/store/database.js';
import { accountMailChannel, composeMessage, Outbox, processEntry, processOutbox, type OutboxEntry } from '../../../src-main/send/index.js';
import { makeTestPki, PinnedCaVerifier, SoftwareSigner, type TestPki } from '../../support/tls.js';

type Mode = 'ok' | 'drop-after-data' | '452-after-data' | '554-after-data' | 'auth-refused';

let pki: TestPki;
let server: Server;
let port: number;
let db: Db;
let dir: string;
let outbox: Outbox;
let mode: Mode = 'ok';
let connections = 0;
let dataReceived = 0;
const stateAtMailFrom: string[] = [];
let currentId = 0;

/** A minimal submission server: EHLO (SIZE, AUTH EXTERNAL), AUTH, MAIL, RCPT, DATA, as `mode` says. */
function startServer(): Promise<void> {
  server = createTlsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, (socket) => {
    connections++;
    let buffer = '';
    let inData = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    socket.on('error', () => undefined);
    reply('220 test ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line !== '.') continue;
          inData = false;
          dataReceived++;
          if (mode === 'drop-after-data') socket.destroy(); // accepted or not: the client cannot know
          else if (mode === '452-after-data') reply('452 4.3.1 Insufficient system storage');
          else if (mode === '554-after-data') reply('554 5.7.1 Message refused by policy');
          else reply('250 2.0.0 Ok: queued as TEST1');
          continue;
        }
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') reply('250-test\r\n250-SIZE 1000000\r\n250 AUTH EXTERNAL');
        else if (verb === 'AUTH') reply(mode === 'auth-refused' ? '535 5.7.8 Authentication failed' : '235 2.7.0 Authenticated');
        else if (verb === 'MAIL') {
          stateAtMailFrom.push(outbox.get(currentId).state);
          reply('250 2.1.0 Ok');
        } else if (verb === 'RCPT') reply('250 2.1.5 Ok');
        else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 Bye');
          socket.end();
        } else reply('502 5.5.2 Error: command not recognized');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolve();
    }),
  );
}

before(async () => {
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'outbox-smtp-'));
  db = openDatabase(join(dir, 'mail.db'), randomBytes(32));
  outbox = new Outbox(db);
  await startServer();
});
after(() => {
  server.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  pki.cleanup();
});

const A = 'dr.a@medecin.mssante.test';

async function run(m: Mode): Promise<OutboxEntry> {
  mode = m;
  const message = await composeMessage({ from: { address: A }, to: [{ address: 'dr.b@medecin.mssante.test' }], subject: 'Essai', text: 'Bonjour' });
  const entry = outbox.add(A, message);
  currentId = entry.id;
  // IMAP on a closed port: the Sent copy step fails quietly and stays to do (not what this test is about)
  const channel = accountMailChannel(
    { smtp: { host: 'localhost', port, security: 'tls' }, imap: { host: 'localhost', port: 1, security: 'tls' } },
    new SoftwareSigner(readFileSync(pki.clientKey, 'utf8'), readFileSync(pki.clientCert, 'utf8')),
    new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8')),
  );
  try {
    return await processEntry(outbox, channel, entry.id);
  } finally {
    await channel.close();
  }
}

describe('outbox over a real SMTP transaction', () => {
  it('the row is already "sending" when MAIL FROM reaches the server; 250 → sent; SIZE learned', async () => {
    stateAtMailFrom.length = 0;
    const e = await run('ok');
    assert.deepEqual(stateAtMailFrom, ['sending']);
    assert.equal(e.state, 'sent');
    assert.equal(e.smtpResponse, '250 2.0.0 Ok: queued as TEST1');
    assert.equal(outbox.serverMaxBytes(A), 1_000_000);
  });

  it('connection lost after the data: uncertain, and no later run submits it again', async () => {
    const before = { connections, dataReceived };
    const e = await run('drop-after-data');
    assert.equal(e.state, 'uncertain');
    assert.equal(dataReceived - before.dataReceived, 1);
    const channel = accountMailChannel(
      { smtp: { host: 'localhost', port, security: 'tls' }, imap: { host: 'localhost', port: 1, security: 'tls' } },
      new SoftwareSigner(readFileSync(pki.clientKey, 'utf8'), readFileSync(pki.clientCert, 'utf8')),
      new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8')),
    );
    await processOutbox(outbox, channel, A, { ignoreSchedule: true });
    await channel.close();
    assert.equal(connections - before.connections, 1, 'never reconnected to resend it');
  });

  it('452 after the data: back in the queue with a delay; 554: failed with the server reason', async () => {
    const soft = await run('452-after-data');
    assert.equal(soft.state, 'queued');
    assert.ok((soft.nextAttemptAt ?? 0) > Date.now());
    assert.match(soft.lastError ?? '', /^452 4\.3\.1/);
    const hard = await run('554-after-data');
    assert.equal(hard.state, 'failed');
    assert.equal(hard.lastErrorCode, 'SMTP_REJECTED');
    assert.match(hard.lastError ?? '', /^554 5\.7\.1 Message refused by policy/);
  });

  it('authentication refused: nothing submitted, never marked, retried later', async () => {
    stateAtMailFrom.length = 0;
    const e = await run('auth-refused');
    assert.deepEqual(stateAtMailFrom, [], 'no MAIL FROM');
    assert.equal(e.state, 'queued');
    assert.equal(e.lastErrorCode, 'SMTP_AUTH_FAILED');
    assert.equal(e.attempts, 1);
  });
});
