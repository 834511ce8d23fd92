// A DNS resolver for DKIM keys that keeps the last answer of each name, so that a
// message opened offline is still checked against the key seen when online. The
// network is asked first (bounded time); on a network failure (no route, timeout,
// server failure) the cached answer is used, and without one the failure goes to
// mailauth, which reports temperror: "non vérifiable hors ligne". A definite "no such
// key" (NXDOMAIN / no data) is an answer, not an outage: it is never masked by the cache.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { promises as dns } from 'node:dns';
import type { DnsResolver } from './dkim.js';

/** Errors that say the name has no such record: a real answer. */
const DEFINITE = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

type Answer = string[][] | string[];

export interface CachingResolverOptions {
  /** JSON file keeping answers across restarts (data folder); none: memory only. */
  file?: string;
  /** The network resolver (default: node:dns with a 1.5 s timeout, one try). */
  resolve?: DnsResolver;
  /** When false, the network is not asked at all (OS says offline). */
  isOnline?: () => boolean;
}

export function cachingResolver(opts: CachingResolverOptions = {}): DnsResolver {
  const network = opts.resolve ?? defaultResolver();
  let cache: Record<string, Answer> | undefined;
  const load = (): Record<string, Answer> => {
    if (cache) return cache;
    try {
      const parsed = opts.file ? (JSON.parse(readFileSync(opts.file, 'utf8')) as unknown) : {};
      cache = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Answer>) : {};
    } catch {
      cache = {}; // missing or damaged: start empty
    }
    return cache;
  };
  const save = (): void => {
    if (!opts.file || !cache) return;
    try {
      writeFileSync(`${opts.file}.tmp`, JSON.stringify(cache));
      renameSync(`${opts.file}.tmp`, opts.file);
    } catch {
      // a cache that cannot be written only costs the offline check
    }
  };
  return async (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const entries = load();
    const cached = Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (opts.isOnline && !opts.isOnline()) {
      if (cached) return cached;
      throw Object.assign(new Error('offline'), { code: 'EAI_AGAIN' });
    }
    try {
      const answer = await network(name, rrtype);
      entries[key] = answer;
      save();
      return answer;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!DEFINITE.has(code)) {
        if (cached) return cached;
      } else if (cached) {
        delete entries[key]; // the key was withdrawn: not kept for later offline checks
        save();
      }
      throw err;
    }
  };
}

function defaultResolver(): DnsResolver {
  const resolver = new dns.Resolver({ timeout: 1500, tries: 1 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<Answer>;
}
