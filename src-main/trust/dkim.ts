import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { DkimEvidence } from './types.js';

// DKIM through mailauth, as extra evidence for the trust decision. DNS is needed to fetch the
// signer's key: offline (or with a failing resolver) the results are temperror, which the
// decision treats as "not verifiable" rather than as a failure.

export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

const KNOWN = new Set<DkimEvidence['result']>(['pass', 'fail', 'neutral', 'policy', 'temperror', 'permerror', 'none']);

/** Verifies the DKIM signatures of a raw RFC 822 message. Never throws: failures become results. */
export async function verifyDkim(raw: Buffer | string, opts: { resolver?: DnsResolver; now?: Date } = {}): Promise<DkimEvidence[]> {
  try {
    const result = await dkimVerify(raw, {
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
      ...(opts.now ? { curTime: opts.now } : {}),
    });
    return result.results
      .filter((r) => r.signingDomain)
      .map((r) => {
        let value = String(r.status?.result ?? 'none') as DkimEvidence['result'];
        // mailauth reports a body hash mismatch as "neutral"; for RFC 6376 it is a failed
        // signature (the body was altered after signing), and that is what the user must see.
        if (value === 'neutral' && r.status?.comment === 'body hash did not verify') value = 'fail';
        return {
          domain: r.signingDomain.toLowerCase(),
          ...(r.selector ? { selector: r.selector } : {}),
          result: KNOWN.has(value) ? value : 'neutral',
        };
      });
  } catch {
    return [{ domain: '', result: 'temperror' }];
  }
}
