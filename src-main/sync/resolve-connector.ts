import { pathToFileURL } from 'node:url';
import { AppError } from '../errors/index.js';
import type { Account } from '../store/types.js';
import type { ImapConnector } from './connector.js';

/**
 * Test seam of `mssante sync`: test runs (MSSANTE_TEST=1) may name a test
 * connector module with MSSANTE_TEST_IMAP_CONNECTOR (it exports
 * `createConnector(account)`, e.g. PLAIN to the bench's tooling Dovecot). It
 * is ignored outside tests, so no password login can reach a user's machine;
 * the product connector is externalImapConnector (card channel, EXTERNAL).
 */
export async function testConnector(account: Account, env: NodeJS.ProcessEnv = process.env, opts: { timeoutMs?: number } = {}): Promise<ImapConnector | undefined> {
  const testModule = env.MSSANTE_TEST === '1' ? env.MSSANTE_TEST_IMAP_CONNECTOR : undefined;
  if (!testModule) return undefined;
  const mod = (await import(pathToFileURL(testModule).href)) as { createConnector?: (a: Account, o: { timeoutMs?: number }) => ImapConnector };
  if (typeof mod.createConnector !== 'function') throw new AppError('INTERNAL', 'test connector module has no createConnector()');
  return mod.createConnector(account, opts);
}

/** Whether this run is a test run with a test connector (see testConnector). */
export function testConnectorConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MSSANTE_TEST === '1' && Boolean(env.MSSANTE_TEST_IMAP_CONNECTOR);
}
