// TEST TOOLING ONLY: IMAP over Node's native TLS with PLAIN login to the
// bench's Dovecot, as an ImapConnector for the sync engine. The product never
// logs in with a password: it uses the card channel with SASL EXTERNAL
// (src-main/imap/). The bench requires a valid client certificate for every
// login, so this presents the bench's tooling certificate (no CN: Dovecot then
// keeps the PLAIN username).
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import type { ImapConnector } from '../../src-main/sync/connector.js';
import type { TestbedState } from './testbed.js';

export interface PlainImapOptions {
  /** a plainUsers entry; the first one by default */
  user?: string;
  password?: string;
  qresync?: boolean;
  /** another port on 127.0.0.1 (a fault-injecting proxy in front of the tooling Dovecot) */
  port?: number;
  /** inactivity timeout of every phase, as the product connector has (default: imapflow's) */
  timeoutMs?: number;
}

export function plainImapClient(state: TestbedState, o: PlainImapOptions = {}): ImapFlow {
  const u = o.user ? state.plainUsers.find((p) => p.user === o.user) : state.plainUsers[0];
  if (!u) throw new Error(`no plain user ${o.user ?? ''} in the bench state`);
  return new ImapFlow({
    host: state.host,
    // the bench's tooling Dovecot (PLAIN, same Maildirs) when it has one
    port: o.port ?? (state.ports as { toolingImaps?: number }).toolingImaps ?? state.ports.imaps,
    secure: true,
    servername: 'localhost',
    tls: {
      ca: readFileSync(state.pki.caBundle),
      cert: readFileSync(state.pki.toolingClient.chain),
      key: readFileSync(state.pki.toolingClient.key),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    },
    auth: { user: u.user, pass: o.password ?? u.password },
    logger: false,
    qresync: o.qresync ?? true,
    disableCompression: true,
    ...(o.timeoutMs ? { socketTimeout: o.timeoutMs, greetingTimeout: o.timeoutMs, connectionTimeout: o.timeoutMs } : {}),
  });
}

/** A connector that opens a fresh authenticated PLAIN session each time. */
export function plainImapConnector(state: TestbedState, o: PlainImapOptions = {}): ImapConnector & { opened: ImapFlow[] } {
  const opened: ImapFlow[] = [];
  return {
    opened,
    async connect() {
      const client = plainImapClient(state, o);
      client.on('error', () => undefined); // surfaced through the failing command / 'close'
      await client.connect();
      opened.push(client);
      return client;
    },
  };
}
