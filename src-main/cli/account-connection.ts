// The CLI's one way to connect as an account, whatever its method (accounts/account-connection.ts):
// - card / PKCS#12: the command's card session (PIN once, shared with the store unlock) or the
//   certificate file (withAccountSigner);
// - Pro Santé Connect: a session kept by an earlier command reopened silently, or a login within
//   the command (CIBA with --rpps, or --browser); ended (or sealed again) when `fn` is done.
import type { AccountConfig } from '../accounts/account.js';
import { accountConnection, type AccountConnection } from '../send/account-connection.js';
import { accountVerifier, withAccountSigner, type ConnectOptions } from './account-signer.js';
import { finishPscSession, loginPscSession } from './commands/psc.js';
import type { CliContext } from './context.js';

export async function withAccountConnection<T>(c: CliContext, account: AccountConfig, o: ConnectOptions, fn: (conn: AccountConnection) => Promise<T>): Promise<T> {
  const verifier = accountVerifier(c, account, o);
  if (account.auth.kind === 'psc') {
    // the token lives in this process only; the server checks that its professional owns the mailbox
    const session = await loginPscSession(c, account, o);
    try {
      return await fn(accountConnection(account, { kind: 'psc', accessToken: () => session.accessToken() }, verifier));
    } finally {
      await finishPscSession(c, account, session);
    }
  }
  return withAccountSigner(c, account, o, (signer) => fn(accountConnection(account, { kind: 'certificate', signer }, verifier)));
}
