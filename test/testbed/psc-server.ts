// The bench's stand-in for Pro Santé Connect and for an operator's DNS, in one
// detached process started by `up` (pid recorded, stopped by `down`):
//  - a real OpenID provider (`oidc-provider`, certified) over HTTPS with the
//    bench's IGC-Santé server certificate: authorization code + PKCE, CIBA
//    (poll mode), refresh tokens, opaque access tokens + introspection (what
//    Dovecot's oauth2 passdb calls); users keyed by RPPS;
//  - test hooks under /__test/ (approve/refuse a pending CIBA request, disable
//    an account so its refresh is refused, make the introspection fail for a
//    user's tokens, hold a user's revocation requests unanswered or refuse them) — a bench-only
//    door, loopback only;
//  - RFC 8705 mutual TLS: a second HTTPS listener that asks for a client certificate serves the
//    provider's `mtls_endpoint_aliases`; a client registered with `tls_client_auth` and the
//    subject DN of the bench's ORG certificate, whose access tokens are certificate-bound;
//  - a Mozilla-style autoconfig XML for the ORG domain (same HTTPS server);
//  - a loopback DNS server (`dns2`, UDP + TCP) with RFC 6186 SRV records for
//    the doctors' domain.
//   node --import tsx psc-server.ts <config.json>
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import Provider, { errors, type KoaContextWithOIDC as Ctx } from 'oidc-provider';

/** oidc-provider's objects, untyped here (see untyped-modules.d.ts). */
type Loose = Ctx;
import dns2 from 'dns2';

export interface PscServerConfig {
  host: string;
  oidcPort: number;
  dnsPort: number;
  cert: string; // PEM chain file
  key: string;
  /** RPPS → MSSanté address (the `email` claim Dovecot reads as the username) */
  users: Record<string, { address: string; givenName: string; familyName: string }>;
  clients: { clientId: string; clientSecret: string; short: boolean }[];
  introspection: { clientId: string; clientSecret: string };
  /** RFC 8705: the port of the mTLS listener, the CA bundle client certificates chain to, the tls_client_auth client */
  mtls: { port: number; ca: string; clientId: string; subjectDn: string };
  /** SRV records per name, e.g. `_imap._tcp.medecin.mssante.test` */
  srv: Record<string, { priority: number; weight: number; port: number; target: string }[]>;
  /** domain → autoconfig XML */
  autoconfig: Record<string, string>;
}

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: psc-server.ts <config.json>');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as PscServerConfig;
const issuer = `https://${cfg.host}:${cfg.oidcPort}`;
const shortClients = new Set(cfg.clients.filter((c) => c.short).map((c) => c.clientId));
const disabled = new Set<string>();
/** Users whose tokens the introspection endpoint fails on (HTTP 500): the operator's token check is down, not the token. */
const introspectionDown = new Set<string>();
/** Users whose revocation requests are held unanswered (PSC slow at logout) until released; the held ones by user. */
const revocationHold = new Set<string>();
const revocationHeld = new Map<string, (() => void)[]>();
/** Users whose revocation requests PSC answers 503 (PSC failing at logout) until released. */
const revocationRefused = new Set<string>();
/** Pending CIBA requests by RPPS: what the "phone" of each user shows. */
const pending = new Map<string, { request: unknown; expiresAt: number }[]>();
/** What the phone shows: only requests still alive (an expired one left by an earlier test is gone, as on a real phone). */
function livePending(rpps: string): { request: unknown; expiresAt: number }[] {
  const live = (pending.get(rpps) ?? []).filter((p) => p.expiresAt > Date.now());
  pending.set(rpps, live);
  return live;
}

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const mtlsOrigin = `https://${cfg.host}:${cfg.mtls.port}`;

/** The client certificate of the request's TLS connection (only the mTLS listener asks for one). */
const peerCertificate = (ctx: Ctx) => (ctx.socket as TLSSocket).getPeerX509Certificate?.();
/** Node's subject ("C=FR\nO=…\nCN=…", issuer-first) as an RFC 4514 string (CN first). */
const rfc4514 = (subject: string): string => subject.split('\n').reverse().join(',');

const provider = new Provider(issuer, {
  clients: [
    ...cfg.clients.map((c) => ({
      client_id: c.clientId, client_secret: c.clientSecret, application_type: 'native' as const,
      grant_types: ['authorization_code', 'refresh_token', CIBA_GRANT], response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'client_secret_basic',
      backchannel_token_delivery_mode: 'poll',
    })),
    {
      // RFC 8705 PKI method: no secret, the organisation certificate's subject DN is the credential
      client_id: cfg.mtls.clientId, application_type: 'native' as const,
      grant_types: ['authorization_code', 'refresh_token', CIBA_GRANT], response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: cfg.mtls.subjectDn, tls_client_certificate_bound_access_tokens: true,
      backchannel_token_delivery_mode: 'poll',
    },
    { client_id: cfg.introspection.clientId, client_secret: cfg.introspection.clientSecret, grant_types: [], response_types: [], redirect_uris: [] },
  ],
  scopes: ['openid', 'offline_access', 'scope_all'],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none', 'tls_client_auth'],
  claims: { openid: ['sub'], scope_all: ['email', 'given_name', 'family_name'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    introspection: {
      enabled: true,
      allowedPolicy: async (_ctx: Ctx, _client: Loose, token: Loose) => {
        if (introspectionDown.has((token as { accountId?: string }).accountId ?? '')) throw new Error('bench: introspection down for this user');
        return true;
      },
    },
    revocation: { enabled: true },
    mTLS: {
      enabled: true,
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      getCertificate: (ctx: Ctx) => peerCertificate(ctx),
      // the listener does not reject (rejectUnauthorized: false) so that the provider can answer
      // invalid_client itself; Node verified the chain against the bench CA bundle
      certificateAuthorized: (ctx: Ctx) => (ctx.socket as TLSSocket).authorized === true,
      certificateSubjectMatches: (ctx: Ctx, property: string, expected: string) => {
        const cert = peerCertificate(ctx);
        return property === 'tls_client_auth_subject_dn' && cert !== undefined && rfc4514(cert.subject) === expected;
      },
    },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      processLoginHint: async (_ctx: Ctx, hint: string) => (cfg.users[hint] ? hint : undefined),
      validateBindingMessage: async () => undefined,
      validateRequestContext: async () => undefined,
      verifyUserCode: async () => undefined,
      triggerAuthenticationDevice: async (_ctx: Ctx, request: { accountId: string }) => {
        const list = pending.get(request.accountId) ?? [];
        // the request's lifetime, as the ttl below sets it
        list.push({ request, expiresAt: Date.now() + (shortClients.has((request as unknown as { clientId?: string }).clientId ?? '') ? 3 : 120) * 1000 });
        pending.set(request.accountId, list);
      },
    },
  },
  // The desktop app is a native client; PSC issues refresh tokens to it (offline_access not required here).
  issueRefreshToken: async (_ctx: Ctx, client: Loose) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: (_ctx: Ctx, _token: Loose, client: Loose) => (shortClients.has(client?.clientId ?? '') ? 4 : 600),
    BackchannelAuthenticationRequest: (_ctx: Ctx, _req: Loose, client: Loose) => (shortClients.has(client?.clientId ?? '') ? 3 : 120),
    RefreshToken: () => 3600,
    IdToken: () => 600,
    Interaction: () => 600,
    Session: () => 3600,
    Grant: () => 3600,
  },
  extraTokenClaims: async (_ctx: Ctx, token: Loose) => {
    const user = cfg.users[(token as { accountId?: string }).accountId ?? ''];
    return user ? { email: user.address } : undefined;
  },
  findAccount: async (_ctx: Ctx, sub: string) => {
    const user = cfg.users[sub];
    if (!user || disabled.has(sub)) return undefined;
    return { accountId: sub, claims: async () => ({ sub, email: user.address, given_name: user.givenName, family_name: user.familyName }) };
  },
  interactions: { url: (_ctx: Ctx, interaction: Loose) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['bench-cookie-key'] },
  // what a client with use_mtls_endpoint_aliases calls (RFC 8705 §5): the listener that asks for a certificate
  discovery: {
    mtls_endpoint_aliases: {
      token_endpoint: `${mtlsOrigin}/token`,
      backchannel_authentication_endpoint: `${mtlsOrigin}/backchannel`,
      revocation_endpoint: `${mtlsOrigin}/token/revocation`,
      introspection_endpoint: `${mtlsOrigin}/token/introspection`,
      userinfo_endpoint: `${mtlsOrigin}/me`,
    },
  },
  jwks: undefined,
});

// --- the login page ("the browser with the card") and the test hooks --------------
provider.use(async (ctx: Ctx, next: () => Promise<void>) => {
  const path = ctx.path;
  const m = /^\/interaction\/([\w-]+)$/.exec(path);
  if (m && ctx.method === 'GET') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Pro Santé Connect (banc)</title><form method="post" action="/interaction/${details.uid}">` +
      `<label>RPPS <input name="rpps"></label><button>Se connecter</button></form>`;
    return;
  }
  if (m && ctx.method === 'POST') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') {
      // Consent is not what the bench tests: grant what is asked.
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
      if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, (scopes as string[]).join(' '));
      const grantId = await grant.save();
      await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    const body = await readBody(ctx.req);
    const rpps = new URLSearchParams(body).get('rpps') ?? '';
    if (!cfg.users[rpps] || disabled.has(rpps)) {
      await provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'unknown RPPS' }, { mergeWithLastSubmission: false });
      return;
    }
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: rpps } }, { mergeWithLastSubmission: false });
    return;
  }
  if (path === '/token/revocation' && ctx.method === 'POST' && (revocationHold.size || revocationRefused.size)) {
    // read here to know whose token it is; oidc-provider then takes the body already read (req.body)
    const body = await readBody(ctx.req);
    (ctx.req as unknown as { body: string }).body = body;
    const token = new URLSearchParams(body).get('token') ?? '';
    const found = (await provider.RefreshToken.find(token).catch(() => undefined)) as { accountId?: string } | undefined;
    const who = found?.accountId ?? '';
    if (revocationHold.has(who)) await new Promise<void>((release) => revocationHeld.set(who, [...(revocationHeld.get(who) ?? []), release]));
    if (revocationRefused.has(who)) {
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable', error_description: 'bench: revocation refused' };
      return;
    }
  }
  const hook = /^\/__test\/(approve|refuse|disable|enable|pending|introspection-down|introspection-up|revocation-hold|revocation-release|revocation-held|revocation-refuse)\/(\d+)$/.exec(path);
  if (hook && ctx.method === 'POST') {
    const [, action, rpps] = hook as unknown as [string, string, string];
    if (action === 'revocation-hold') revocationHold.add(rpps);
    else if (action === 'revocation-refuse') revocationRefused.add(rpps);
    else if (action === 'revocation-release') {
      revocationHold.delete(rpps);
      revocationRefused.delete(rpps);
      for (const release of revocationHeld.get(rpps) ?? []) release();
      revocationHeld.delete(rpps);
    } else if (action === 'revocation-held') {
      ctx.body = { held: revocationHeld.get(rpps)?.length ?? 0 };
      return;
    } else if (action === 'introspection-down') introspectionDown.add(rpps);
    else if (action === 'introspection-up') introspectionDown.delete(rpps);
    else if (action === 'disable') disabled.add(rpps);
    else if (action === 'enable') disabled.delete(rpps);
    else if (action === 'pending') {
      ctx.body = { pending: livePending(rpps).length };
      return;
    } else {
      // the newest request, as a phone shows it (an older one a previous test left unanswered stays behind)
      const item = livePending(rpps).pop();
      if (!item) {
        ctx.status = 404;
        ctx.body = { error: 'no pending request' };
        return;
      }
      const request = item.request as { accountId: string; clientId: string; params: { scope?: string } };
      if (action === 'approve') {
        const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
        grant.addOIDCScope(request.params.scope ?? 'openid');
        await grant.save();
        await provider.backchannelResult(request as never, grant);
      } else {
        await provider.backchannelResult(request as never, new errors.AccessDenied('refused on the phone'));
      }
    }
    ctx.body = { ok: true };
    return;
  }
  const ac = /^\/\.well-known\/autoconfig\/mail\/config-v1\.1\.xml$/.exec(path);
  if (ac && ctx.method === 'GET') {
    // The bench serves every operator domain from one host: the domain is a query parameter.
    const domain = String(ctx.query.domain ?? '');
    const xml = cfg.autoconfig[domain];
    if (!xml) {
      ctx.status = 404;
      return;
    }
    ctx.type = 'application/xml';
    ctx.body = xml;
    return;
  }
  await next();
});

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

provider.on('server_error', (_ctx: Ctx, err: Error) => console.error('server_error', err));

const https = createServer({ cert: readFileSync(cfg.cert), key: readFileSync(cfg.key) }, provider.callback());
https.listen(cfg.oidcPort, cfg.host, () => console.log(`psc oidc listening on ${issuer}`));
// RFC 8705: asks every client for a certificate, lets the provider judge it (getCertificate above)
const mtlsHttps = createServer({
  cert: readFileSync(cfg.cert), key: readFileSync(cfg.key), ca: readFileSync(cfg.mtls.ca), requestCert: true, rejectUnauthorized: false,
}, provider.callback());
mtlsHttps.listen(cfg.mtls.port, cfg.host, () => console.log(`psc mtls aliases listening on ${mtlsOrigin}`));

// --- DNS ------------------------------------------------------------------------
const { Packet } = dns2;
const dnsServer = dns2.createServer({
  udp: true,
  tcp: true,
  handle: (request: Loose, send: (r: Loose) => void) => {
    const response = Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    if (q && q.type === Packet.TYPE.SRV) {
      for (const r of cfg.srv[q.name.toLowerCase()] ?? []) {
        response.answers.push({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 60, ...r });
      }
    }
    send(response);
  },
});
void dnsServer.listen({ udp: { port: cfg.dnsPort, address: cfg.host }, tcp: { port: cfg.dnsPort, address: cfg.host } });

process.on('SIGTERM', () => {
  https.close();
  mtlsHttps.close();
  void dnsServer.close();
  process.exit(0);
});
