// Remote images of a message, fetched by main on the user's request (never by the
// message view): the pure decisions. Which URL may be fetched (HTTPS only, no
// credentials in it, not towards the user's own machine or network), which
// redirect may be followed (bounded, each target checked again), which answer is
// an image we accept (status, declared type, size, the bytes' own signature).
import { BlockList, isIP } from 'node:net';
import { IMAGE_REFUSALS, type ImageRefusal } from '../common/remote-images.js';

export { IMAGE_REFUSALS, type ImageRefusal };

export const IMAGE_LIMITS = Object.freeze({
  /** one image */
  maxBytes: 2 * 1024 * 1024,
  /** all the images of one message together */
  maxTotalBytes: 12 * 1024 * 1024,
  /** images of one message (the rest stay blocked) */
  maxImages: 40,
  maxRedirects: 3,
  /** one image, connection to last byte */
  timeoutMs: 15_000,
  /** parallel fetches for one message */
  concurrency: 4,
  maxUrlLength: 4096,
});

export type Decision<T> = { ok: true; value: T } | { ok: false; reason: ImageRefusal };

const refuse = (reason: ImageRefusal): { ok: false; reason: ImageRefusal } => ({ ok: false, reason });

/** A URL the core may fetch: https only, no user:password, no IP literal of a private network. */
export function checkImageUrl(raw: string, options: { allowLoopback?: boolean } = {}): Decision<URL> {
  if (raw.length > IMAGE_LIMITS.maxUrlLength) return refuse('bad-url');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return refuse('bad-url');
  }
  if (url.protocol !== 'https:') return refuse('not-https');
  if (url.username || url.password) return refuse('bad-url');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !publicAddress(host, options)) return refuse('private-address');
  if (!isIP(host) && /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host) && !options.allowLoopback) return refuse('private-address');
  return { ok: true, value: url };
}

/** A redirect: the Location resolved against the current URL, checked like a first URL, at most maxRedirects hops. */
export function checkRedirect(current: URL, location: string | undefined, hopsSoFar: number, options: { allowLoopback?: boolean } = {}): Decision<URL> {
  if (hopsSoFar >= IMAGE_LIMITS.maxRedirects) return refuse('too-many-redirects');
  if (!location) return refuse('http-status');
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return refuse('bad-url');
  }
  return checkImageUrl(next.href, options);
}

export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The head of an answer: 200 with an image type and, when declared, a size under the limit. */
export function checkResponseHead(status: number, contentType: string | undefined, contentLength: string | undefined): Decision<null> {
  if (status !== 200) return refuse('http-status');
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.has(type)) return refuse('not-an-image');
  if (contentLength !== undefined) {
    const n = Number(contentLength);
    if (!Number.isFinite(n) || n > IMAGE_LIMITS.maxBytes) return refuse('too-large');
  }
  return { ok: true, value: null };
}

/** Declared types we accept (no SVG: a document, not a picture). */
const ACCEPTED_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/pjpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon']);

/** The type of an image from its first bytes; null when they are not one we show. */
export function sniffImageType(bytes: Uint8Array): string | null {
  const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  if (starts([0x66, 0x74, 0x79, 0x70], 4) && (starts([0x61, 0x76, 0x69, 0x66], 8) || starts([0x61, 0x76, 0x69, 0x73], 8))) return 'image/avif';
  if (starts([0x42, 0x4d])) return 'image/bmp';
  if (starts([0x00, 0x00, 0x01, 0x00])) return 'image/x-icon';
  return null;
}

/** The fetched bytes as the data: URL the view's CSP allows (img-src data:). */
export function imageDataUrl(bytes: Uint8Array): Decision<string> {
  if (bytes.length > IMAGE_LIMITS.maxBytes) return refuse('too-large');
  const type = sniffImageType(bytes);
  if (!type) return refuse('not-an-image');
  return { ok: true, value: `data:${type};base64,${Buffer.from(bytes).toString('base64')}` };
}

// Addresses the fetch must never reach from a message (the user's machine, network, cloud metadata).
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for an address on the public Internet (loopback too when `allowLoopback`: the test bench). */
export function publicAddress(ip: string, options: { allowLoopback?: boolean } = {}): boolean {
  // an IPv4-mapped IPv6 address is judged as the IPv4 address it is
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return publicAddress(mapped[1]!, options);
  const family = isIP(ip);
  if (!family) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (options.allowLoopback && LOOPBACK.check(ip, type)) return true;
  return !PRIVATE.check(ip, type);
}
