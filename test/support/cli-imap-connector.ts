// TEST TOOLING ONLY: the connector module `mssante sync` loads when
// MSSANTE_TEST=1 and MSSANTE_TEST_IMAP_CONNECTOR points here (see
// src-main/sync/resolve-connector.ts): PLAIN login to the bench's tooling
// Dovecot as the account's mailbox; MSSANTE_TEST_IMAP_PORT points it at a
// fault-injecting proxy (test/support/fault-proxy.ts) instead.
import type { ImapConnector } from '../../src-main/sync/connector.js';
import type { Account } from '../../src-main/store/types.js';
import { loadTestbed } from './testbed.js';
import { plainImapConnector } from './imap-plain.js';

export function createConnector(account: Account, o: { timeoutMs?: number } = {}): ImapConnector {
  const port = Number(process.env.MSSANTE_TEST_IMAP_PORT) || undefined;
  return plainImapConnector(loadTestbed(), { user: account.address, ...(port ? { port } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
}
