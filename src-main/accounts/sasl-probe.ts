// Which SASL mechanisms a discovered IMAP server offers (CAPABILITY AUTH=…), asked
// AFTER our TLS client verified the server (implicit TLS or STARTTLS): a capability
// list read in clear could be rewritten on the way. No credential is sent: imapflow
// connects without a login, and stops at "no login configured" once the post-TLS
// capabilities are in. The mapping to login methods is pure (methodsOfMechanisms).
import { ImapFlow } from 'imapflow';
import { AppError, toAppError } from '../errors/index.js';
import { tlsImapTransport } from '../imap/transport.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import type { Endpoint } from './account.js';
import type { AuthMethod } from './autoconfig.js';

export interface SaslProbe {
  /** upper-case mechanism names, e.g. ["EXTERNAL", "XOAUTH2"]; [] when the server could not be asked */
  mechanisms: string[];
  error?: AppError;
}

/** EXTERNAL = a client certificate (the CPS card, or an organisation's PKCS#12); XOAUTH2/OAUTHBEARER = a PSC token. */
export function methodsOfMechanisms(mechanisms: readonly string[]): AuthMethod[] {
  const m = new Set(mechanisms.map((x) => x.toUpperCase()));
  const out: AuthMethod[] = [];
  if (m.has('EXTERNAL')) out.push('card', 'pkcs12');
  if (m.has('XOAUTH2') || m.has('OAUTHBEARER')) out.push('psc');
  return out;
}

export async function probeSaslMechanisms(endpoint: Endpoint, verifier: ServerCertificateVerifier, options: { timeoutMs?: number } = {}): Promise<SaslProbe> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = new ImapFlow({
    logger: false,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls',
    socketTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    connectionTimeout: 2 * timeoutMs,
    transport: tlsImapTransport({ verifier, handshakeTimeoutMs: timeoutMs }),
  } as ConstructorParameters<typeof ImapFlow>[0]);
  client.on('error', () => undefined);
  let failure: unknown;
  try {
    await client.connect();
  } catch (err) {
    failure = err;
  }
  // imapflow reads the capabilities again after STARTTLS (mandatory here), before it looks for a login
  const caps = [...(client.capabilities?.keys() ?? [])];
  client.close();
  const noLogin = (failure as { authenticationFailed?: boolean } | undefined)?.authenticationFailed === true;
  // a name the operator published (SRV, autoconfig) that does not exist: its error, not "check your network"
  if (failure && notFound(failure)) return { mechanisms: [], error: new AppError('AUTOCONFIG_HOST_UNKNOWN', `${endpoint.host} does not resolve`, { cause: failure, data: { host: endpoint.host } }) };
  if (failure && !noLogin) return { mechanisms: [], error: toAppError(failure, 'IMAP_FAILED') };
  return { mechanisms: caps.filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5).toUpperCase()) };
}

/** ENOTFOUND (the name has no address) anywhere in the error's cause chain. */
function notFound(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'ENOTFOUND') return true;
  }
  return false;
}
