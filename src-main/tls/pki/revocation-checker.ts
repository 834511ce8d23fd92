// The I/O side of revocation: gathers CRL evidence for each certificate of a validated path (cache
// first, then the distribution points) and applies decideRevocation (revocation-policy.ts).
import { AppError } from '../../errors/index.js';
import type { CrlCache } from './crl-cache.js';
import { CrlUnreachable, type CrlFetcher } from './crl-fetcher.js';
import { CrlRejected, crlEvidence } from './crl.js';
import type { CrlIndexer } from './crl-indexer.js';
import { crlCurrent, decideRevocation, type CrlEvidence, type RevocationDecision, type RevocationPolicy } from './revocation-policy.js';
import { crlDistributionUrls, type x509 } from './x509.js';

export interface RevocationCheckOptions {
  cache: CrlCache;
  fetchCrl: CrlFetcher;
  /** parses, verifies against the issuer and indexes a CRL (memoised: see crl-indexer.ts) */
  indexCrl: CrlIndexer;
  policy: RevocationPolicy;
  now: Date;
  log: (line: string) => void;
}

export interface CertificateRevocation {
  subject: string;
  decision: RevocationDecision;
}

/**
 * Checks every certificate of `path` (leaf first, anchor last) but the anchor. Throws the AppError
 * of the first refusal (CERT_REVOKED, CERT_CRL_EXPIRED, CERT_CRL_INVALID, CERT_REVOCATION_UNKNOWN);
 * returns the per-certificate decisions otherwise (soft-fail acceptances included, logged).
 */
export async function checkPathRevocation(path: readonly x509.X509Certificate[], opts: RevocationCheckOptions): Promise<CertificateRevocation[]> {
  const results: CertificateRevocation[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    const decision = await decideFor(cert, path[i + 1]!, i === 0, opts);
    if (decision.verdict === 'revoked') {
      throw new AppError('CERT_REVOKED', `"${cert.subject}" is revoked since ${decision.crl.revoked?.date.toISOString() ?? '?'} (CRL ${decision.crl.url})`, {
        data: { subject: cert.subject, serial: cert.serialNumber, revocationDate: decision.crl.revoked?.date.toISOString(), reason: decision.crl.revoked?.reason },
      });
    }
    if (decision.verdict === 'unknown') {
      if (!decision.accepted) throw new AppError(decision.refusal, `revocation of "${cert.subject}": ${decision.why}`, { data: { subject: cert.subject } });
      opts.log(`revocation: WARNING soft-fail: accepting "${cert.subject}" with unknown revocation status (${decision.why})`);
    }
    if (decision.verdict === 'good' && decision.withinGrace) {
      opts.log(`revocation: "${cert.subject}" checked against an out-of-date CRL within the grace period (${decision.crl.url})`);
    }
    results.push({ subject: cert.subject, decision });
  }
  return results;
}

async function decideFor(cert: x509.X509Certificate, issuer: x509.X509Certificate, isLeaf: boolean, opts: RevocationCheckOptions): Promise<RevocationDecision> {
  const urls = crlDistributionUrls(cert);
  const crls: CrlEvidence[] = [];
  let invalid: string | undefined;
  let unreachable = false;

  const admit = async (bytes: Buffer, source: CrlEvidence['source'], url: string): Promise<CrlEvidence | undefined> => {
    try {
      const evidence = crlEvidence(await opts.indexCrl(bytes, issuer), cert, isLeaf, source, url);
      crls.push(evidence);
      return evidence;
    } catch (err) {
      if (!(err instanceof CrlRejected)) throw err;
      invalid ??= `CRL from ${source} ${url} refused: ${err.message}`;
      return undefined;
    }
  };

  for (const url of urls) {
    const cached = await opts.cache.get(url);
    const evidence = cached && (await admit(cached, 'cache', url));
    if (evidence && crlCurrent(evidence, opts.now)) return decideRevocation({ hasDistributionPoint: true, isLeaf, crls, unreachable }, opts.now, opts.policy);
  }
  // A cache entry that failed verification must not mask a good download.
  invalid = undefined;
  for (const url of urls) {
    let bytes: Buffer;
    try {
      bytes = await opts.fetchCrl(url);
    } catch (err) {
      // Whatever the fetcher's failure, the distribution point did not deliver: unreachable.
      unreachable = true;
      opts.log(`revocation: ${err instanceof CrlUnreachable ? err.message : `${url}: ${String(err)}`}`);
      continue;
    }
    const evidence = await admit(bytes, 'network', url);
    if (evidence) {
      await opts.cache.put(url, bytes).catch((err: unknown) => opts.log(`revocation: CRL cache write failed: ${String(err)}`));
      break;
    }
  }
  return decideRevocation({ hasDistributionPoint: urls.length > 0, isLeaf, crls, unreachable, ...(invalid ? { invalid } : {}) }, opts.now, opts.policy);
}
