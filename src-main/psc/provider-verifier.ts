// How our own TLS client checks Pro Santé Connect's HTTPS certificate when it carries the
// organisation certificate (RFC 8705, tls-fetch.ts): the same checks node:https makes for the
// provider everywhere else (https-fetch.ts) — a path to the account's PEM anchors (`caFile`) or,
// without them, to Node's bundled roots (what node:https trusts by default), valid dates, a TLS
// server certificate for the host name — reusing our RFC 5280 path code (tls/pki/path-validation.ts).
// PSC's certificate is a Web PKI one, not an IGC-Santé one: the IGC-Santé store and its CRL
// policy (the mail servers' checks) do not apply, and node:https checks no revocation either.
import { rootCertificates } from 'node:tls';
import { AppError } from '../errors/index.js';
import { buildPath, checkPath } from '../tls/pki/path-validation.js';
import { trustStoreFromPem, type TrustStore } from '../tls/pki/trust-store.js';
import { derOf, parseCertificate } from '../tls/pki/x509.js';
import type { ServerCertificateVerifier, VerifiedChain } from '../tls/types.js';

let systemStore: TrustStore | undefined;

/** Node's bundled roots (the Mozilla store node:https uses), parsed once. */
function nodeRootsStore(): TrustStore {
  systemStore ??= trustStoreFromPem(rootCertificates.join('\n'), 'node-roots');
  return systemStore;
}

export interface ProviderVerifierOptions {
  /** PEM anchors (the account's caFile); undefined = Node's bundled roots */
  ca?: string;
  now?: () => Date;
}

export function providerServerVerifier(options: ProviderVerifierOptions = {}): ServerCertificateVerifier {
  const store = options.ca ? trustStoreFromPem(options.ca, 'psc-ca-file') : undefined;
  return {
    async verify(chainDer: Buffer[], hostname: string): Promise<VerifiedChain> {
      if (chainDer.length === 0) throw new AppError('CERT_INVALID', 'the provider sent no certificate');
      const chain = chainDer.map((der, i) => parseCertificate(der, i === 0 ? 'provider certificate' : `provider chain certificate #${i + 1}`));
      const trust = store ?? nodeRootsStore();
      const path = await buildPath(chain, trust);
      checkPath(path, hostname, options.now?.() ?? new Date());
      return {
        subjects: path.map((c) => c.subject),
        revocation: 'unknown',
        revocationDetail: 'not checked for the OpenID provider (as node:https)',
        pathDer: path.map(derOf),
        trustSource: trust.source,
      };
    },
  };
}
