// The fetch openid-client uses when the software authenticates to Pro Santé Connect with an
// organisation certificate (RFC 8705 `tls_client_auth`): HTTP/1.1 from node:http over OUR TLS 1.2
// client (tls/socket.ts), so the certificate's key stays in its Signer (a PKCS#12 opened in memory,
// or a card) and only signs the handshake — node:https would need the key itself.
//
// Why node:http's `request({ createConnection })` and not undici's custom connector: node:http
// takes any Duplex as the connection (it is how imapflow and nodemailer already use our TlsSocket),
// is built in, and speaks plain HTTP/1.1 over it; undici's connector expects a net.Socket-shaped
// object (it reaches into socket internals for its pipelining and keep-alive), which our TlsSocket
// only imitates. One connection per request (`Connection: close`): the few requests of a login
// (a CIBA poll every few seconds) do not need pooling, and each is a fresh, fully checked handshake.
//
// Server checks: the provider's certificate by providerServerVerifier (the account's anchors or
// Node's roots, host name, dates: what https-fetch.ts gets from node:https), TLS 1.2 only (our
// client's only version), no redirect followed, no proxy. A provider that refuses the certificate
// during the handshake is PSC_CLIENT_AUTH_REFUSED, like an `invalid_client` answer.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, isAppError } from '../errors/index.js';
import { connectTls } from '../tls/socket.js';
import type { Signer } from '../tls/signer.js';
import type { ServerCertificateVerifier } from '../tls/types.js';
import type { FetchLike } from './https-fetch.js';

export interface TlsFetchOptions {
  /** the organisation certificate's signer; none: no certificate is presented (the server asks in vain) */
  signer?: Signer;
  verifier: ServerCertificateVerifier;
  /** longest wait for one server flight of the handshake */
  handshakeTimeoutMs?: number;
}

export function tlsFetch(options: TlsFetchOptions): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'https:') return reject(new AppError('PSC_UNREACHABLE', `refusing a non-HTTPS OpenID URL: ${u.origin}`));
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = u.port ? Number(u.port) : 443;
      const body = init.body === undefined || init.body === null ? undefined : Buffer.from(String(init.body));
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        reject(asFetchError(err, u.origin));
      };
      const req = request({
        host, port, path: `${u.pathname}${u.search}`, method: init.method,
        headers: { ...init.headers, host: u.host, ...(body ? { 'content-length': String(body.length) } : {}) },
        ...(init.signal ? { signal: init.signal } : {}),
        createConnection: () => connectTls({
          host, port, serverName: host, verifier: options.verifier,
          ...(options.signer ? { signer: options.signer } : {}),
          ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
        }) as unknown as Socket,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 500;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(payload, { status, headers }));
        });
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
}

/** Our TLS stack's precise errors stay (an unknown CA is CERT_UNKNOWN_CA); the rest is PSC_UNREACHABLE. */
function asFetchError(err: unknown, origin: string): AppError {
  if (isAppError(err)) {
    if (err.code === 'TLS_CLIENT_CERT_REJECTED') {
      return new AppError('PSC_CLIENT_AUTH_REFUSED', `${origin} refused the organisation certificate during the TLS handshake`, { cause: err, data: { method: 'tls_client_auth' } });
    }
    if (err.code.startsWith('CERT_') || err.code.startsWith('TLS_') || err.code.startsWith('CARD_') || err.code.startsWith('PKCS12_')) return err;
  }
  const e = err as NodeJS.ErrnoException;
  return new AppError('PSC_UNREACHABLE', `${origin}: ${e.message ?? String(err)}`, { cause: err });
}
