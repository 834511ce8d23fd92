// Is the CPS card's own authentication certificate revoked? Checked at login, before the PIN,
// with the same CRL machinery as server certificates (cache first, offline allowed): a revoked
// card would otherwise only get "the server refused the authentication" from the operator.
// Only a CRL that says "revoked" blocks; anything unverifiable (other PKI, CRL out of reach) is
// left to the server to decide.
import { AppError } from '../../errors/index.js';
import type { CrlCache } from './crl-cache.js';
import { httpCrlFetcher, type CrlFetcher } from './crl-fetcher.js';
import { defaultCrlIndexer, type CrlIndexer } from './crl-indexer.js';
import { buildPath } from './path-validation.js';
import { checkPathRevocation } from './revocation-checker.js';
import { DEFAULT_REVOCATION_POLICY } from './revocation-policy.js';
import type { TrustStore } from './trust-store.js';
import { parseCertificate } from './x509.js';

export type ClientCertificateRevocation = { status: 'revoked'; revocationDate: string | null } | { status: 'not_revoked' } | { status: 'unknown'; why: string };

export interface ClientRevocationOptions {
  trustStore: TrustStore;
  crlCache: CrlCache;
  fetchCrl?: CrlFetcher;
  indexCrl?: CrlIndexer;
  now?: Date;
  log?: (line: string) => void;
}

export async function checkClientCertificateRevocation(der: Uint8Array, opts: ClientRevocationOptions): Promise<ClientCertificateRevocation> {
  try {
    const path = await buildPath([parseCertificate(der, 'card certificate')], opts.trustStore);
    await checkPathRevocation(path, {
      cache: opts.crlCache,
      fetchCrl: opts.fetchCrl ?? httpCrlFetcher(),
      indexCrl: opts.indexCrl ?? defaultCrlIndexer,
      // an unknown status is not a refusal here: the server decides (soft-fail, said in the log)
      policy: { ...DEFAULT_REVOCATION_POLICY, softFail: true },
      now: opts.now ?? new Date(),
      log: opts.log ?? (() => undefined),
    });
    return { status: 'not_revoked' };
  } catch (err) {
    if (err instanceof AppError && err.code === 'CERT_REVOKED') {
      const date = err.data.revocationDate;
      return { status: 'revoked', revocationDate: typeof date === 'string' ? date : null };
    }
    return { status: 'unknown', why: err instanceof Error ? err.message : String(err) };
  }
}
