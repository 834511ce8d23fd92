// The ServerCertificateVerifier the TLS client uses: path building and RFC 5280 checks
// (path-validation.ts) then revocation (revocation-checker.ts), against the IGC-Santé trust store
// unless an explicit, logged --trust-anchors file replaces it.
import type { RevocationStatus, ServerCertificateVerifier, VerifiedChain } from '../types.js';
import { DiskCrlCache, MemoryCrlCache, crlCacheDir, type CrlCache } from './crl-cache.js';
import { httpCrlFetcher, type CrlFetcher } from './crl-fetcher.js';
import { defaultCrlIndexer, type CrlIndexer } from './crl-indexer.js';
import { buildPath, checkPath } from './path-validation.js';
import { checkPathRevocation, type CertificateRevocation } from './revocation-checker.js';
import { DEFAULT_REVOCATION_POLICY, type RevocationPolicy } from './revocation-policy.js';
import { igcSanteTrustStore, resolveTrustStore, type TrustStore } from './trust-store.js';
import { derOf, parseCertificate } from './x509.js';

export interface PkiVerifierOptions {
  /** default: the bundled IGC-Santé roots */
  trustStore?: TrustStore;
  /** default: in memory only (pass a DiskCrlCache for offline use across runs) */
  crlCache?: CrlCache;
  /** default: HTTP GET with timeout and size limit */
  fetchCrl?: CrlFetcher;
  /** default: the process-wide memoised indexer (large CRLs in a worker thread) */
  indexCrl?: CrlIndexer;
  revocation?: Partial<RevocationPolicy>;
  /** clock, for tests of validity periods and CRL freshness */
  now?: () => Date;
  /** developer log (English; certificate subjects and URLs only) */
  log?: (line: string) => void;
}

export class PkiServerCertificateVerifier implements ServerCertificateVerifier {
  private readonly trustStore: TrustStore;
  private readonly crlCache: CrlCache;
  private readonly fetchCrl: CrlFetcher;
  private readonly indexCrl: CrlIndexer;
  private readonly policy: RevocationPolicy;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(opts: PkiVerifierOptions = {}) {
    this.trustStore = opts.trustStore ?? igcSanteTrustStore();
    this.crlCache = opts.crlCache ?? new MemoryCrlCache();
    this.fetchCrl = singleFlight(opts.fetchCrl ?? httpCrlFetcher());
    this.indexCrl = opts.indexCrl ?? defaultCrlIndexer;
    this.policy = { ...DEFAULT_REVOCATION_POLICY, ...opts.revocation };
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => undefined);
  }

  async verify(chainDer: Buffer[], hostname: string): Promise<VerifiedChain> {
    const now = this.now();
    const chain = chainDer.map((der, i) => parseCertificate(der, i === 0 ? 'server certificate' : `server chain certificate #${i + 1}`));
    const path = await buildPath(chain, this.trustStore);
    checkPath(path, hostname, now);
    const revocations = await checkPathRevocation(path, { cache: this.crlCache, fetchCrl: this.fetchCrl, indexCrl: this.indexCrl, policy: this.policy, now, log: this.log });
    return {
      subjects: path.map((c) => c.subject),
      revocation: summarise(revocations),
      revocationDetail: describe(revocations),
      pathDer: path.map(derOf),
      trustSource: this.trustStore.source,
    };
  }
}

/** Concurrent handshakes (IMAP and SMTP at once) share one download of the same CRL. */
function singleFlight(fetch: CrlFetcher): CrlFetcher {
  const inFlight = new Map<string, Promise<Buffer>>();
  return (url) => {
    let p = inFlight.get(url);
    if (!p) {
      p = fetch(url).finally(() => inFlight.delete(url));
      inFlight.set(url, p);
    }
    return p;
  };
}

/** The weakest status of the path: unknown (soft-fail) < good-cached < good. */
function summarise(revocations: readonly CertificateRevocation[]): RevocationStatus {
  const decisions = revocations.map((r) => r.decision);
  if (decisions.some((d) => d.verdict === 'unknown')) return 'unknown';
  if (decisions.some((d) => d.verdict === 'good' && (d.withinGrace || d.crl.source === 'cache'))) return 'good-cached';
  return 'good';
}

function describe(revocations: readonly CertificateRevocation[]): string {
  return revocations
    .map(({ subject, decision: d }) => {
      switch (d.verdict) {
        case 'good':
          return `${subject}: not revoked (CRL ${d.crl.url}, ${d.crl.source}, nextUpdate ${d.crl.nextUpdate?.toISOString() ?? 'none'}${d.withinGrace ? ', within grace period' : ''})`;
        case 'not-checked':
          return `${subject}: not checked (${d.why})`;
        case 'unknown':
          return `${subject}: UNKNOWN, accepted by soft-fail (${d.why})`;
        case 'revoked':
          return `${subject}: revoked`;
      }
    })
    .join('; ');
}

export interface VerifierSettings {
  /** data folder (--home): the CRL cache lives in <home>/crl-cache */
  home: string;
  /** --trust-anchors FILE: replaces the IGC-Santé roots, logged */
  trustAnchorsFile?: string;
  /** --crl-soft-fail: accept an unknown revocation status (logged) */
  crlSoftFail?: boolean;
  log: (line: string) => void;
}

/** The verifier the CLI and the app use, from user-level settings. */
export function createServerCertificateVerifier(settings: VerifierSettings): PkiServerCertificateVerifier {
  if (settings.crlSoftFail) settings.log('revocation: soft-fail ENABLED by option: an unverifiable revocation status will not block connections');
  return new PkiServerCertificateVerifier({
    trustStore: resolveTrustStore(settings.trustAnchorsFile, settings.log),
    crlCache: new DiskCrlCache(crlCacheDir(settings.home)),
    revocation: { softFail: Boolean(settings.crlSoftFail) },
    log: settings.log,
  });
}

