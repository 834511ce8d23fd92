// Downloads a CRL over plain HTTP (see crlDistributionUrls for why HTTP). Bounded in time and size
// so that a slow or hostile distribution point cannot stall a connection or exhaust memory.
import { request } from 'node:http';

export type CrlFetcher = (url: string) => Promise<Buffer>;

/** A distribution point that could not deliver a CRL (network error, HTTP status, timeout, size). */
export class CrlUnreachable extends Error {}

const CRL_FETCH_TIMEOUT_MS = 10_000;
/** Server certificates are checked against the ORGANISATIONS CA and root CRLs (small); 32 MiB is ample. */
const CRL_MAX_BYTES = 32 * 1024 * 1024;

export function httpCrlFetcher(opts: { timeoutMs?: number; maxBytes?: number } = {}): CrlFetcher {
  const timeoutMs = opts.timeoutMs ?? CRL_FETCH_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? CRL_MAX_BYTES;
  return (url) =>
    new Promise<Buffer>((resolve, reject) => {
      const fail = (why: string): void => reject(new CrlUnreachable(`${url}: ${why}`));
      let req: ReturnType<typeof request>;
      try {
        req = request(url, { method: 'GET', headers: { accept: 'application/pkix-crl, */*' } });
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
        return;
      }
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', (err) => fail(err.message));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`HTTP ${res.statusCode ?? '?'}`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) req.destroy(new Error(`CRL larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', (err) => fail(err.message));
      });
      req.end();
    });
}
