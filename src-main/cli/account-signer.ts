// What every command that connects as an account needs: the server-certificate
// verifier for that account, and its client signer (the CPS card, PIN asked
// once per command, shared with the store unlock, and again per signature for a key with
// CKA_ALWAYS_AUTHENTICATE; or the PKCS#12 file, password asked once).
import type { AccountConfig } from '../accounts/account.js';
import { AppError } from '../errors/index.js';
import { Pkcs12Signer } from '../tls/pki/pkcs12-signer.js';
import { createServerCertificateVerifier } from '../tls/pki/verifier.js';
import type { ServerCertificateVerifier } from '../tls/index.js';
import type { Signer } from '../tls/signer.js';
import type { CliContext } from './context.js';
import { promptPin, readPinFromStdin } from './card-login.js';
import { cliCardSession } from './card-unlock.js';

export interface ConnectOptions {
  trustAnchors?: string;
  crlSoftFail?: boolean;
  passwordStdin?: boolean;
  /** Pro Santé Connect accounts: e-CPS validation for this RPPS, or the browser */
  rpps?: string;
  browser?: boolean;
}

export function accountVerifier(c: CliContext, account: AccountConfig, o: ConnectOptions): ServerCertificateVerifier {
  const anchors = o.trustAnchors ?? account.trustAnchorsFile;
  return createServerCertificateVerifier({
    home: c.home,
    ...(anchors ? { trustAnchorsFile: anchors } : {}),
    crlSoftFail: Boolean(o.crlSoftFail),
    log: (line) => c.progress(line),
  });
}

export async function withAccountSigner<T>(c: CliContext, account: AccountConfig, o: ConnectOptions, fn: (signer: Signer) => Promise<T>): Promise<T> {
  if (account.auth.kind === 'psc') {
    throw new AppError('PSC_NOT_LOGGED_IN', `${account.address} uses Pro Santé Connect (XOAUTH2), not a certificate`);
  }
  if (account.auth.kind === 'pkcs12') {
    const password = o.passwordStdin ? await readPinFromStdin() : await promptPin(`Mot de passe du certificat logiciel ${account.auth.file} : `);
    let signer: Pkcs12Signer;
    try {
      signer = await Pkcs12Signer.fromFile(account.auth.file, password.toString('utf8'));
    } finally {
      password.fill(0);
    }
    return fn(signer);
  }
  // the command's card session (the one that unlocked the store: PIN asked once), ended by runCli
  return fn((await cliCardSession(c, (o.trustAnchors ?? account.trustAnchorsFile) ? { trustAnchors: (o.trustAnchors ?? account.trustAnchorsFile)! } : {})).signer);
}
