import { pathToFileURL } from 'node:url';
import { AppError } from '../errors/index.js';
import type { Account } from '../store/types.js';
import type { ImapConnector } from './connector.js';

/**
 * The IMAP connector for the CLI. The product connector is the card channel
 * with SASL EXTERNAL (src-main/imap/, landing separately). Test runs
 * (MSSANTE_TEST=1) may name a test connector module with
 * MSSANTE_TEST_IMAP_CONNECTOR (it exports `createConnector(account)`); it is
 * ignored outside tests, so no password login can reach a user's machine.
 */
export async function resolveConnector(account: Account, env: NodeJS.ProcessEnv = process.env): Promise<ImapConnector> {
  const testModule = env.MSSANTE_TEST === '1' ? env.MSSANTE_TEST_IMAP_CONNECTOR : undefined;
  if (testModule) {
    const mod = (await import(pathToFileURL(testModule).href)) as { createConnector?: (a: Account) => ImapConnector };
    if (typeof mod.createConnector !== 'function') throw new AppError('INTERNAL', 'test connector module has no createConnector()');
    return mod.createConnector(account);
  }
  throw new AppError('IMAP_FAILED', 'the card-authenticated IMAP channel (src-main/imap) is not available in this build yet', {
    data: { account: account.address },
  });
}
