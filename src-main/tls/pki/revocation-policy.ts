// The revocation policy, as pure decisions (no network, no disk, no clock). ECO.1.1.6 requires the
// client to check the revocation of the operator's certificate; this is how, and what happens when
// the CRL cannot be obtained.
//
// POLICY (also in docs/PKI.md):
//  1. Each certificate of the path except the trust anchor is checked against a CRL of its issuer,
//     taken from the certificate's own CRL distribution points (http only). The CRL must be signed by
//     the issuer (same name, issuer key, cRLSign when keyUsage is present) and be a complete CRL.
//  2. A CRL found in the on-disk cache and still before its nextUpdate is used WITHOUT network
//     (offline use, and no per-connection download of large CRLs). Otherwise it is downloaded again.
//  3. A certificate listed in ANY verified CRL (fresh or not) is refused: CERT_REVOKED.
//  4. A CRL is "current" from thisUpdate to nextUpdate. When the distribution point is unreachable
//     or only an out-of-date CRL is available, a CRL still within nextUpdate + grace (default 24 h;
//     absorbs late publication and short CRL-server outages) is used, and the verdict says so.
//  5. Otherwise revocation is unknown, and the connection is REFUSED:
//       - CRL past nextUpdate + grace        → CERT_CRL_EXPIRED
//       - CRL server unreachable, no cache   → CERT_REVOCATION_UNKNOWN
//       - leaf without any http distribution point → CERT_REVOCATION_UNKNOWN
//     unless the caller explicitly enabled soft-fail (option `--crl-soft-fail`), in which case the
//     connection proceeds with revocation status 'unknown', logged as a warning.
//  6. A CRL that is malformed, not signed by the issuer, or a delta CRL is never used:
//     CERT_CRL_INVALID when no other usable CRL exists — soft-fail does NOT cover it (a forged or
//     broken CRL is a fault to report, not a network incident).
//  7. An intermediate CA certificate without a distribution point is not checked (its issuer
//     publishes none for it); IGC-Santé intermediates carry one (the root's ARL) and are checked.
// Not implemented: OCSP (IGC-Santé also runs one; ECO.1.1.6 accepts CRL or OCSP), delta CRLs,
// indirect CRLs.
import type { ErrorCode } from '../../errors/index.js';

export interface RevocationPolicy {
  /** Accept a connection whose revocation cannot be established (rule 5). Default false. */
  softFail: boolean;
  /** How long past nextUpdate a CRL is still used (rule 4), in milliseconds. */
  graceMs: number;
}

const DEFAULT_CRL_GRACE_MS = 24 * 3600 * 1000;
export const DEFAULT_REVOCATION_POLICY: Readonly<RevocationPolicy> = Object.freeze({ softFail: false, graceMs: DEFAULT_CRL_GRACE_MS });

/** A CRL that passed the checks of rule 1, reduced to what the decision needs about one certificate. */
export interface CrlEvidence {
  source: 'network' | 'cache';
  url: string;
  thisUpdate: Date;
  /** absent nextUpdate: the CRL never becomes current again after thisUpdate + grace */
  nextUpdate: Date | undefined;
  /** the entry for the certificate's serial, when listed */
  revoked: { date: Date; reason?: number } | null;
}

/** What fetching produced for one certificate (the I/O side fills this in). */
export interface RevocationInputs {
  /** the certificate has at least one http CRL distribution point */
  hasDistributionPoint: boolean;
  /** the certificate is the leaf (rule 7 applies to intermediates only) */
  isLeaf: boolean;
  /** verified CRLs available (cached and/or downloaded) */
  crls: CrlEvidence[];
  /** a download was attempted and failed at the network level */
  unreachable: boolean;
  /** a CRL was obtained but refused by rule 6 (why, for the log) */
  invalid?: string;
}

export type RevocationDecision =
  | { verdict: 'good'; crl: CrlEvidence; withinGrace: boolean }
  | { verdict: 'revoked'; crl: CrlEvidence }
  | { verdict: 'not-checked'; why: string }
  | { verdict: 'unknown'; refusal: ErrorCode; why: string; accepted: boolean };

export function crlCurrent(crl: CrlEvidence, now: Date): boolean {
  return crl.thisUpdate.getTime() <= now.getTime() + CLOCK_SKEW_MS && crl.nextUpdate !== undefined && now <= crl.nextUpdate;
}

/** Tolerated clock difference on thisUpdate (a CRL published "in the future" by a few minutes). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export function decideRevocation(inputs: RevocationInputs, now: Date, policy: RevocationPolicy): RevocationDecision {
  // Rule 3: revoked in any verified CRL.
  const listing = inputs.crls.find((c) => c.revoked !== null);
  if (listing) return { verdict: 'revoked', crl: listing };

  // Rules 2 and 4: the most recent CRL decides.
  const latest = [...inputs.crls].sort((a, b) => b.thisUpdate.getTime() - a.thisUpdate.getTime())[0];
  if (latest && crlCurrent(latest, now)) return { verdict: 'good', crl: latest, withinGrace: false };
  if (latest?.nextUpdate && latest.thisUpdate.getTime() <= now.getTime() + CLOCK_SKEW_MS && now.getTime() <= latest.nextUpdate.getTime() + policy.graceMs) {
    return { verdict: 'good', crl: latest, withinGrace: true };
  }

  const unknown = (refusal: ErrorCode, why: string, softFailApplies = true): RevocationDecision => ({
    verdict: 'unknown',
    refusal,
    why,
    accepted: softFailApplies && policy.softFail,
  });
  if (latest) {
    const when = latest.nextUpdate ? `nextUpdate ${latest.nextUpdate.toISOString()}` : 'no nextUpdate';
    if (latest.thisUpdate.getTime() > now.getTime() + CLOCK_SKEW_MS) return unknown('CERT_CRL_INVALID', `CRL ${latest.url} thisUpdate is in the future`, false);
    return unknown('CERT_CRL_EXPIRED', `CRL ${latest.url} is out of date (${when}, grace ${policy.graceMs / 3600000} h)`);
  }
  if (inputs.invalid) return unknown('CERT_CRL_INVALID', inputs.invalid, false);
  if (!inputs.hasDistributionPoint) {
    if (!inputs.isLeaf) return { verdict: 'not-checked', why: 'CA certificate without an http CRL distribution point' };
    return unknown('CERT_REVOCATION_UNKNOWN', 'server certificate has no http CRL distribution point');
  }
  return unknown('CERT_REVOCATION_UNKNOWN', inputs.unreachable ? 'CRL distribution point unreachable and no usable cached CRL' : 'no CRL available');
}
