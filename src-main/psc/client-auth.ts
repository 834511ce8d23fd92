// How the software authenticates to Pro Santé Connect, from an account's settings: an
// organisation certificate (RFC 8705 `tls_client_auth`, a PKCS#12 file whose password comes from an
// environment variable), a client secret (from an environment variable), or nothing (public client
// with PKCE). Neither the secret nor the password is ever stored; the certificate's key is opened
// into a Pkcs12Signer (private KeyObject) and only ever signs TLS handshakes (tls-fetch.ts).
// `clientAuthPlan` is the pure decision; `pscClientOptions` does the I/O.
import { AppError, isAppError } from '../errors/index.js';
import { Pkcs12Signer } from '../tls/pki/pkcs12-signer.js';
import { readPscCaFile, type PscClientOptions } from './oidc.js';

/** Where a confidential client's secret is read from when the account names no variable. */
export const DEFAULT_CLIENT_SECRET_ENV = 'MSSANTE_PSC_CLIENT_SECRET';
/** Where the organisation certificate's PKCS#12 password is read from when the account names no variable. */
export const DEFAULT_CLIENT_CERT_PASSWORD_ENV = 'MSSANTE_PSC_CLIENT_CERT_PASSWORD';

/** The client-authentication part of a PSC account (accounts/account.ts PscAuth). */
export interface PscClientAuthSettings {
  clientSecretEnv?: string;
  /** RFC 8705: the organisation certificate (PKCS#12) the software presents to PSC */
  clientCertFile?: string;
  /** the environment variable holding that PKCS#12's password */
  clientCertPasswordEnv?: string;
  /** PEM anchors for the provider's HTTPS certificate */
  caFile?: string;
}

export type ClientAuthPlan =
  | { method: 'tls_client_auth'; pkcs12File: string; password: string }
  | { method: 'client_secret_basic'; secret: string }
  | { method: 'none' };

/** The certificate wins over a secret: an account configured for mTLS never falls back to a secret. */
export function clientAuthPlan(auth: PscClientAuthSettings, env: NodeJS.ProcessEnv): ClientAuthPlan {
  if (auth.clientCertFile) {
    const name = auth.clientCertPasswordEnv ?? DEFAULT_CLIENT_CERT_PASSWORD_ENV;
    const password = env[name];
    if (password === undefined) {
      throw new AppError('PSC_CLIENT_CERT_UNAVAILABLE', `the organisation certificate's password variable ${name} is not set`, { data: { reason: 'password-env', env: name } });
    }
    return { method: 'tls_client_auth', pkcs12File: auth.clientCertFile, password };
  }
  const secret = env[auth.clientSecretEnv ?? DEFAULT_CLIENT_SECRET_ENV];
  return secret ? { method: 'client_secret_basic', secret } : { method: 'none' };
}

/** PscClient.discover's options for an account: the secret, or the organisation certificate opened into its signer. */
export async function pscClientOptions(auth: PscClientAuthSettings, env: NodeJS.ProcessEnv = process.env): Promise<PscClientOptions> {
  const plan = clientAuthPlan(auth, env);
  const ca = auth.caFile ? { ca: readPscCaFile(auth.caFile) } : {};
  switch (plan.method) {
    case 'tls_client_auth': {
      try {
        return { ...ca, clientCertificate: await Pkcs12Signer.fromFile(plan.pkcs12File, plan.password) };
      } catch (err) {
        if (isAppError(err) && err.code === 'IO_FAILED') {
          throw new AppError('PSC_CLIENT_CERT_UNAVAILABLE', `cannot read the organisation certificate ${plan.pkcs12File}`, { cause: err, data: { reason: 'file', file: plan.pkcs12File } });
        }
        throw err; // PKCS12_BAD_PASSWORD, PKCS12_INVALID: already precise
      }
    }
    case 'client_secret_basic':
      return { ...ca, clientSecret: plan.secret };
    case 'none':
      return ca;
  }
}
