// Fetching a message's remote images in main (node:https): the TLS policy of the
// app's other HTTPS clients (TLS 1.2 minimum, system roots unless anchors are given),
// no cookie, no referrer, no proxy from the environment, no connection reuse; the
// resolved address checked before connecting; redirects followed by hand (each one
// checked again); size, type and time bounded. Decisions live in policy.ts.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  IMAGE_LIMITS,
  REDIRECT_STATUSES,
  checkImageUrl,
  checkRedirect,
  checkResponseHead,
  imageDataUrl,
  publicAddress,
  type ImageRefusal,
} from './policy.js';
import { fetchableUrl } from './extract.js';

export interface ImageFetchOptions {
  /** PEM anchors; undefined = Node's bundled roots (the test bench gives its own) */
  ca?: string;
  /** the test bench's servers listen on loopback; never set in the product */
  allowLoopback?: boolean;
}

export interface FetchedImages {
  images: { url: string; dataUrl: string }[];
  refused: { url: string; reason: ImageRefusal }[];
}

class Refused extends Error {
  constructor(readonly reason: ImageRefusal) {
    super(reason);
  }
}

/** DNS through node:dns, but only public addresses are handed to the socket. */
function guardedLookup(options: ImageFetchOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => publicAddress(a.address, options));
      if (!allowed.length) return callback(Object.assign(new Error('private address'), { code: 'EPRIVATE' }), '', 0);
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

function refusalOf(err: unknown): ImageRefusal {
  if (err instanceof Refused) return err.reason;
  const e = err as { name?: string; code?: string };
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ABORT_ERR') return 'timeout';
  if (e.code === 'EPRIVATE') return 'private-address';
  if (e.code && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/.test(e.code)) return 'tls';
  return 'network';
}

/** One GET; resolves the body of a 200 image answer, or the URL of a redirect to follow. */
function getOnce(url: URL, options: ImageFetchOptions, signal: AbortSignal, budget: number): Promise<{ body: Buffer } | { location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      // no cookie, no referrer, no user agent naming us; only images asked for
      headers: { accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1', 'accept-encoding': 'identity' },
      agent: false,
      minVersion: 'TLSv1.2',
      lookup: guardedLookup(options),
      signal,
      ...(options.ca ? { ca: options.ca } : {}),
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        res.resume();
        return resolve({ location: res.headers.location });
      }
      const head = checkResponseHead(status, res.headers['content-type'], res.headers['content-length']);
      if (!head.ok) {
        res.destroy();
        return reject(new Refused(head.reason));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > Math.min(IMAGE_LIMITS.maxBytes, budget)) {
          res.destroy();
          req.destroy();
          return reject(new Refused('too-large'));
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One image: its data: URL, or why not. */
export async function fetchImage(src: string, options: ImageFetchOptions = {}, budget: number = IMAGE_LIMITS.maxBytes): Promise<{ ok: true; dataUrl: string; bytes: number } | { ok: false; reason: ImageRefusal }> {
  const first = checkImageUrl(fetchableUrl(src), options);
  if (!first.ok) return first;
  const signal = AbortSignal.timeout(IMAGE_LIMITS.timeoutMs);
  let url = first.value;
  try {
    for (let hops = 0; ; hops++) {
      const answer = await getOnce(url, options, signal, budget);
      if ('body' in answer) {
        const data = imageDataUrl(answer.body);
        return data.ok ? { ok: true, dataUrl: data.value, bytes: answer.body.length } : data;
      }
      const next = checkRedirect(url, answer.location, hops, options);
      if (!next.ok) return next;
      url = next.value;
    }
  } catch (err) {
    return { ok: false, reason: refusalOf(err) };
  }
}

/** The images of one message: a few at a time, within the count and total size budgets. */
export async function fetchImages(srcs: readonly string[], options: ImageFetchOptions = {}): Promise<FetchedImages> {
  const out: FetchedImages = { images: [], refused: [] };
  const queue = srcs.slice(0, IMAGE_LIMITS.maxImages);
  for (const src of srcs.slice(IMAGE_LIMITS.maxImages)) out.refused.push({ url: src, reason: 'too-many-images' });
  let left = IMAGE_LIMITS.maxTotalBytes;
  const worker = async () => {
    for (let src = queue.shift(); src !== undefined; src = queue.shift()) {
      if (left <= 0) {
        out.refused.push({ url: src, reason: 'too-large' });
        continue;
      }
      const r = await fetchImage(src, options, left);
      if (r.ok) {
        left -= r.bytes;
        out.images.push({ url: src, dataUrl: r.dataUrl });
      } else {
        out.refused.push({ url: src, reason: r.reason });
      }
    }
  };
  await Promise.all(Array.from({ length: IMAGE_LIMITS.concurrency }, worker));
  return out;
}
