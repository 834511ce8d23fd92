// Pro Santé Connect through openid-client (no hand-written OIDC/JWT code):
// discovery, CIBA in poll mode (e-CPS on the phone), authorization code + PKCE
// with a loopback redirect in the system browser (RFC 8252), refresh.
// Tokens returned here go to PscSession (memory only); nothing is logged.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { AppError, isAppError } from '../errors/index.js';
import type { Signer } from '../tls/signer.js';
import { httpsFetch } from './https-fetch.js';
import { providerServerVerifier } from './provider-verifier.js';
import { tlsFetch } from './tls-fetch.js';
import type { PscSettings } from './presets.js';

export interface PscTokens {
  accessToken: string;
  /** absolute expiry (ms since epoch) */
  expiresAt: number;
  refreshToken?: string;
  /** the professional's identifier at PSC (the RPPS on the bench), from the ID token */
  subject?: string;
}

export interface PscClientOptions {
  clientSecret?: string;
  /**
   * RFC 8705 `tls_client_auth`: the organisation certificate's signer. Every request to the
   * provider then goes through our TLS client (tls-fetch.ts) and the mtls_endpoint_aliases.
   */
  clientCertificate?: Signer;
  /** PEM anchors for the provider's HTTPS certificate */
  ca?: string;
  now?: () => number;
}

export class PscClient {
  private constructor(
    private readonly config: oidc.Configuration,
    private readonly scope: string,
    private readonly now: () => number,
    /** how the software authenticates (named in a PSC_CLIENT_AUTH_REFUSED error) */
    private readonly clientAuth: ClientAuthFacts,
  ) {}

  static async discover(settings: PscSettings, options: PscClientOptions = {}): Promise<PscClient> {
    const mtls = options.clientCertificate;
    const fetchFn = (mtls
      ? tlsFetch({ signer: mtls, verifier: providerServerVerifier(options.ca ? { ca: options.ca } : {}) })
      : httpsFetch(options.ca ? { ca: options.ca } : {})) as unknown as oidc.CustomFetch;
    const auth = mtls ? oidc.TlsClientAuth() : options.clientSecret ? oidc.ClientSecretBasic(options.clientSecret) : oidc.None();
    const method = mtls ? 'tls_client_auth' : options.clientSecret ? 'client_secret_basic' : 'none';
    try {
      const config = await oidc.discovery(new URL(settings.issuer), settings.clientId, mtls ? { use_mtls_endpoint_aliases: true } : undefined, auth, { [oidc.customFetch]: fetchFn });
      config[oidc.customFetch] = fetchFn;
      return new PscClient(config, settings.scope, options.now ?? Date.now, { clientId: settings.clientId, method });
    } catch (err) {
      throw asPscError(err, 'PSC_UNREACHABLE');
    }
  }

  /**
   * CIBA, poll mode: asks PSC to push a validation request to the professional's e-CPS
   * (login_hint = RPPS), calls `onPending` (the "validez sur votre téléphone" moment),
   * then polls at the interval PSC gives until approval, refusal or expiry.
   */
  async loginCiba(rpps: string, onPending?: (info: { expiresInS: number }) => void, signal?: AbortSignal): Promise<PscTokens> {
    let pending: oidc.BackchannelAuthenticationResponse;
    try {
      pending = await oidc.initiateBackchannelAuthentication(this.config, { scope: this.scope, login_hint: rpps });
    } catch (err) {
      throw asPscError(err, 'PSC_LOGIN_FAILED', this.clientAuth);
    }
    onPending?.({ expiresInS: pending.expires_in });
    try {
      return this.toTokens(await oidc.pollBackchannelAuthenticationGrant(this.config, pending, undefined, signal ? { signal } : undefined));
    } catch (err) {
      throw asPscError(err, 'PSC_LOGIN_FAILED', this.clientAuth);
    }
  }

  /**
   * Authorization code + PKCE in the system browser: a one-shot HTTP server on
   * 127.0.0.1 (random port) receives the redirect; `openBrowser` is given the URL
   * (the shell opens it with the system browser, the CLI prints it).
   */
  async loginBrowser(openBrowser: (url: string) => void | Promise<void>, signal?: AbortSignal, options: { timeoutMs?: number } = {}): Promise<PscTokens> {
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const loopback = await listenLoopback();
    try {
      const redirectUri = `http://127.0.0.1:${loopback.port}/callback`;
      const url = oidc.buildAuthorizationUrl(this.config, {
        redirect_uri: redirectUri, scope: this.scope, code_challenge: challenge, code_challenge_method: 'S256', state, nonce,
      });
      // Listen for the redirect before the browser can send it.
      // a tab closed or a login abandoned must not leave the command (or the lock screen) waiting forever
      const callbackP = loopback.nextCallback(signal, options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS);
      callbackP.catch(() => undefined);
      await openBrowser(url.href);
      const callback = await callbackP;
      try {
        const tokens = await oidc.authorizationCodeGrant(this.config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
        return this.toTokens(tokens);
      } catch (err) {
        throw asPscError(err, 'PSC_LOGIN_FAILED', this.clientAuth);
      }
    } finally {
      loopback.close();
    }
  }

  /** A new access token from the refresh token; a refused refresh is PSC_SESSION_ENDED. */
  async refresh(refreshToken: string): Promise<PscTokens> {
    try {
      const tokens = this.toTokens(await oidc.refreshTokenGrant(this.config, refreshToken));
      // PSC may not rotate: keep the one we had
      return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
    } catch (err) {
      const e = err as { error?: string };
      if (e.error === 'invalid_grant') throw new AppError('PSC_SESSION_ENDED', 'refresh token refused (invalid_grant)', { cause: err });
      throw asPscError(err, 'PSC_UNREACHABLE', this.clientAuth);
    }
  }

  /** Best effort: tells PSC to forget the refresh token at logout; false when PSC could not be told (the local session ends anyway). */
  async revoke(token: string): Promise<boolean> {
    try {
      await oidc.tokenRevocation(this.config, token);
      return true;
    } catch {
      return false;
    }
  }

  private toTokens(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): PscTokens {
    const expiresIn = t.expiresIn() ?? 60;
    const sub = t.claims()?.sub;
    return {
      accessToken: t.access_token,
      expiresAt: this.now() + expiresIn * 1000,
      ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}),
      ...(sub ? { subject: sub } : {}),
    };
  }
}

interface ClientAuthFacts {
  clientId: string;
  method: 'tls_client_auth' | 'client_secret_basic' | 'none';
}

/** The account's PSC anchors file (`--psc-ca`, `caFile` of psc.json): unreadable is IT's to fix, said so (not "erreur interne"). */
export function readPscCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('IO_FAILED', `cannot read the PSC CA file ${path}`, { cause: err, data: { what: 'psc-ca', file: path } });
  }
}

/** Maps openid-client's errors to our codes; the provider's own words stay in `detail` (no token in them). */
function asPscError(err: unknown, fallback: 'PSC_LOGIN_FAILED' | 'PSC_UNREACHABLE', clientAuth?: ClientAuthFacts): AppError {
  if (isAppError(err)) return err;
  const e = challengeError(err) ?? (err as { error?: string; error_description?: string; message?: string; cause?: unknown });
  const detail = `${e.error ?? ''} ${e.error_description ?? e.message ?? ''}`.trim();
  // the software itself was not recognised (RFC 6749 §5.2): not the doctor's fault, IT's to fix
  if (e.error === 'invalid_client') return new AppError('PSC_CLIENT_AUTH_REFUSED', detail, { cause: err, ...(clientAuth ? { data: { ...clientAuth } } : {}) });
  if (e.error === 'access_denied') return new AppError('PSC_LOGIN_REFUSED', detail, { cause: err });
  // openid-client stops polling by itself once the request's expires_in has passed
  if (e.error === 'expired_token' || (e as { code?: string }).code === 'OAUTH_TIMEOUT') return new AppError('PSC_LOGIN_EXPIRED', detail, { cause: err });
  if (e.error === 'unknown_user_id') return new AppError('PSC_UNKNOWN_USER', detail, { cause: err });
  if (isAppError(e.cause)) return e.cause;
  // an answer that is not the OpenID service's (HTML of a captive portal or proxy, a 5xx page)
  const oauthCode = (e as { code?: string }).code ?? (e.cause as { code?: string } | undefined)?.code;
  if (fallback === 'PSC_UNREACHABLE' && (oauthCode === 'OAUTH_RESPONSE_IS_NOT_JSON' || oauthCode === 'OAUTH_RESPONSE_IS_NOT_CONFORM')) {
    return new AppError('PSC_UNREACHABLE', detail, { cause: err, data: { answer: 'unexpected' } });
  }
  return new AppError(fallback, detail, { cause: err });
}

/**
 * A 401 with a WWW-Authenticate challenge (a refused client_secret_basic, RFC 6749 §5.2) comes from
 * openid-client as OAUTH_WWW_AUTHENTICATE_CHALLENGE with the challenge's parameters in `cause`.
 */
function challengeError(err: unknown): { error?: string; error_description?: string; message?: string; cause?: unknown } | undefined {
  const e = err as { code?: string; cause?: { parameters?: Record<string, string> }[]; message?: string };
  if (e?.code !== 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' || !Array.isArray(e.cause)) return undefined;
  const p = e.cause.find((c) => c.parameters?.error)?.parameters;
  return p?.error ? { error: p.error, ...(p.error_description ? { error_description: p.error_description } : {}), cause: err } : undefined;
}

/** How long the browser login may take (PSC's own login pages expire in the same order of time). */
const BROWSER_LOGIN_TIMEOUT_MS = 10 * 60_000;

interface Loopback {
  port: number;
  nextCallback(signal: AbortSignal | undefined, timeoutMs: number): Promise<URL>;
  close(): void;
}

/** RFC 8252 §7.3: loopback IP literal, port chosen by the OS, one /callback accepted. */
function listenLoopback(): Promise<Loopback> {
  return new Promise((resolve, reject) => {
    let deliver: ((u: URL) => void) | undefined;
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1`);
      if (url.pathname !== '/callback' || !deliver) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><meta charset="utf-8"><title>Messagerie MSSanté</title><p>Connexion Pro Santé Connect reçue : vous pouvez fermer cet onglet et revenir à la messagerie.</p>');
      const d = deliver;
      deliver = undefined;
      d(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url ?? ''}`));
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        nextCallback: (signal, timeoutMs) => new Promise<URL>((ok, ko) => {
          const timer = setTimeout(() => ko(new AppError('PSC_LOGIN_EXPIRED', `no browser redirect within ${timeoutMs} ms`, { data: { method: 'browser', minutes: Math.round(timeoutMs / 60_000) } })), timeoutMs);
          timer.unref();
          deliver = (u) => {
            clearTimeout(timer);
            ok(u);
          };
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            ko(new AppError('PSC_LOGIN_FAILED', 'browser login aborted'));
          }, { once: true });
        }),
        close: () => server.close(),
      });
    });
  });
}
