// The fetch openid-client uses to reach the OpenID provider: node:https with the
// account's anchors (or the system's), TLS 1.2 minimum, never a redirect followed,
// never a proxy from the environment. Written here because global fetch (undici)
// takes no CA option without the undici package's Agent; ~30 lines of node:https.
// The body is bounded (maxBytes) since autoconfig reuses it towards any operator site.
import { request } from 'node:https';
import { AppError } from '../errors/index.js';

export interface HttpsFetchOptions {
  /** PEM anchors; undefined = Node's bundled roots */
  ca?: string;
  /** largest body read (default 1 MiB: OpenID documents, tokens and autoconfig files are a few KB); beyond, the answer is refused */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: unknown; signal?: AbortSignal }) => Promise<Response>;

export function httpsFetch(options: HttpsFetchOptions = {}): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'https:') return reject(new AppError('PSC_UNREACHABLE', `refusing a non-HTTPS OpenID URL: ${u.origin}`));
      const body = init.body === undefined || init.body === null ? undefined : Buffer.from(String(init.body));
      const req = request(u, {
        method: init.method,
        headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        minVersion: 'TLSv1.2',
        ...(options.ca ? { ca: options.ca } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // a hostile or broken server cannot fill memory: the answer stops being read at the bound
          if (size > max) {
            req.destroy();
            return reject(new AppError('PSC_UNREACHABLE', `${u.origin}: answer larger than ${max} bytes`));
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 500;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(payload, { status, headers }));
        });
        res.on('error', (err) => reject(new AppError('PSC_UNREACHABLE', `${u.origin}: ${err.message}`, { cause: err, data: { answer: 'none' } })));
      });
      // no answer within the caller's time (openid-client gives 30 s): said as such, not as "unreachable or certificate"
      const silent = (err: Error) => err.name === 'AbortError' || err.name === 'TimeoutError';
      // a certificate refused (unknown CA: often a clinic proxy intercepting HTTPS; wrong name; expired)
      const tls = (err: Error) => /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/.test((err as { code?: string }).code ?? '');
      const answer = (err: Error) => (silent(err) ? { data: { answer: 'none' } } : tls(err) ? { data: { answer: 'tls' } } : {});
      req.on('error', (err) => reject(new AppError('PSC_UNREACHABLE', `${u.origin}: ${err.message}`, { cause: err, ...answer(err) })));
      req.end(body);
    });
}
