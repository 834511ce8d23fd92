// Trust channels of the facade (annuaire autocomplete, recipient check). The
// badge of a stored decision is trust/badge.ts.
import type { TrustContext } from '../trust/index.js';
import { normaliseAddress } from '../trust/index.js';
import { identityFromEntry, identityFromTrust } from '../trust/badge.js';
import type { CoreChannelHandlers } from './services.js';

/** annuaire.search and recipients.check over the open TrustContext (null: not imported yet → empty / unknown). */
export function trustChannels(context: () => TrustContext | null): Pick<CoreChannelHandlers, 'annuaire.search' | 'recipients.check'> {
  return {
    'annuaire.search': async ({ query, limit }) => {
      const ctx = context();
      if (!ctx) return { entries: [] };
      return {
        entries: ctx.autocomplete(query, limit).map((e) => ({
          address: e.address,
          identity: identityFromTrust(e),
          dematerialisation: e.dematerialisation,
          trust: e.badge,
        })),
      };
    },
    'recipients.check': async ({ addresses }) => {
      const ctx = context();
      return {
        results: addresses.map((address) => {
          if (!ctx) return { address, syntaxValid: normaliseAddress(address) !== null, inTrustSpace: false };
          const check = ctx.isAddressInTrustSpace(address);
          const entry = check.normalised ? ctx.lookupAddress(check.normalised) : null;
          return {
            address,
            syntaxValid: check.syntaxValid,
            inTrustSpace: check.inTrustSpace,
            ...(entry ? { identity: identityFromEntry(entry), dematerialisation: entry.dematerialisation } : {}),
          };
        }),
      };
    },
  };
}
