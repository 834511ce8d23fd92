// What tests know about the running test bench (test/testbed/). The bench
// writes this state to .testbed/state.json on `up`; tests read it here and
// FAIL (never skip) when the bench is not up.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STATE_FILE = join(REPO_ROOT, '.testbed', 'state.json');

/** A certificate with its key and chain, as PEM file paths. */
export interface PemSet {
  cert: string;
  key: string;
  /** cert + intermediate(s), leaf first (what a server sends) */
  chain: string;
}

export interface TestbedCard {
  /** 'doctorA' | 'doctorB' | 'revoked' | 'blocked' | … */
  name: string;
  tokenLabel: string;
  tokenSerial: string;
  userPin: string;
  soPin: string;
  /** CKA_ID of the key pair and certificate on the token, hex */
  keyIdHex: string;
  /** RFC 7512 URI of the private key, PIN included (for the OpenSSL pkcs11 engine: softhsm.opensslConf) */
  pkcs11Uri: string;
  /** MSSanté address (rfc822Name in the certificate); also the IMAP username */
  address: string;
  rpps: string;
  lastName: string;
  firstName: string;
  profession: string;
  /** the authentication certificate, PEM file path */
  cert: string;
  /** PKCS#11 module to load for this card (SoftHSM, or the CPS simulator wrapping it) */
  pkcs11Module: string;
  revoked: boolean;
  pinBlocked: boolean;
}

export interface TestbedState {
  dir: string;
  host: '127.0.0.1';
  ports: {
    imap: number; // STARTTLS
    imaps: number; // implicit TLS
    submission: number; // STARTTLS (Dovecot submission, AUTH EXTERNAL)
    submissions: number; // implicit TLS
    postfixSmtp: number; // loopback relay, internal
    crlHttp: number;
    lmtp: number; // Dovecot LMTP, Postfix delivers there (internal)
    /** test tooling only: implicit-TLS IMAP on the same mailboxes, PLAIN (plainUsers), no client certificate */
    toolingImaps: number;
    /** STARTTLS IMAP / submission of the PSC instance: SASL XOAUTH2 with a token of psc.issuer, no client certificate */
    pscImap: number;
    pscSubmission: number;
    /** HTTPS: the OpenID provider (psc.issuer) and /.well-known/autoconfig/mail/config-v1.1.xml?domain= */
    oidc: number;
    /** UDP + TCP DNS with the SRV records of the doctors' domain */
    dns: number;
    /** HTTPS asking for a client certificate: the provider's mtls_endpoint_aliases (RFC 8705) */
    oidcMtls: number;
  };
  /** MSSANTE_TESTBED_PORT_BASE (default 19100): ports are base+0..12 */
  portBase: number;
  pki: {
    /** TEST AC RACINE IGC-SANTE … (the trust anchor for the bench) */
    rootCa: string;
    personnesCa: string;
    organisationsCa: string;
    /** root + intermediates, PEM */
    caBundle: string;
    /** CRL files (PEM) and their loopback URLs; `der` is the file served at `url`; issuer: root|personnes|organisations|foreign */
    crls: { file: string; url: string; der: string; issuer: string }[];
    /** servers certificates for localhost/127.0.0.1 */
    server: PemSet;
    revokedServer: PemSet;
    expiredServer: PemSet;
    notYetValidServer: PemSet;
    noServerAuthServer: PemSet;
    wrongHostServer: PemSet;
    /** issued by an unrelated CA */
    foreignServer: PemSet;
    foreignCa: string;
    /** an organisational (ORG) client certificate as PKCS#12, for software-key accounts */
    orgClientP12: { file: string; password: string; address: string };
    /** the same ORG client certificate as PEM files */
    orgClient: PemSet;
    /** a valid client certificate without a CN (for tests of certificate handling; no mailbox) */
    toolingClient: PemSet;
  };
  /**
   * conf = SOFTHSM2_CONF; opensslConf = an OPENSSL_CONF that loads the pkcs11 engine on these tokens
   * (`openssl s_client -engine pkcs11 -keyform engine -key 'pkcs11:token=…;id=%cb%01;type=private;pin-value=…'`).
   */
  softhsm: { module: string; conf: string; tokenDir: string; opensslConf: string };
  cards: TestbedCard[];
  /**
   * PLAIN-login users for test tooling only (the app never uses PLAIN): one per mailbox, user = the
   * MSSanté address. Log in on ports.toolingImaps (implicit TLS, server cert from pki.caBundle, no
   * client certificate). The operator-like ports refuse every login without a valid card/ORG
   * certificate, PLAIN included (and take the username from the certificate when there is one).
   */
  plainUsers: { user: string; password: string }[];
  /** every mailbox of the bench (cards' addresses and the ORG mailbox) */
  mailboxes: string[];
  /** the test patients' domain (Mon espace santé) and its mailboxes: delivered, bounced (unknown user), deferred */
  patients: { domain: string; accept: string; bounce: string; defer: string };
  /** Maildirs: <maildirRoot>/<domain>/<local part>/Maildir (owned by the mssante-vmail user) */
  maildirRoot: string;
  /** doveadm needs `-c <dovecot.conf>` to reach the bench's Dovecot (main = operator-like instance) */
  dovecot: { conf: string; log: string; baseDir: string; toolingConf: string; toolingLog: string };
  postfix: { configDir: string; log: string };
  /** Pro Santé Connect stand-in: oidc-provider with code+PKCE, CIBA (hooks POST /__test/{approve,refuse,disable,enable}/<rpps>) */
  psc: {
    issuer: string;
    /** host:port for node:dns Resolver.setServers */
    dnsServer: string;
    clients: Record<'app' | 'appShort' | 'dovecot', { clientId: string; clientSecret: string }>;
    /** the `tls_client_auth` client (RFC 8705): registered with the subject DN of pki.orgClientP12; bound tokens */
    mtlsClient: { clientId: string; subjectDn: string };
    /** origin of the mtls_endpoint_aliases (token, CIBA, revocation, introspection, userinfo) */
    mtlsOrigin: string;
    dovecotConf: string;
    dovecotLog: string;
    serverLog: string;
  };
  /** what `down` stops (pid checked against `match` in /proc before any signal) */
  processes: { name: string; pid: number; match: string }[];
  startedAt: string;
}

export function loadTestbed(): TestbedState {
  let raw: string;
  try {
    raw = readFileSync(STATE_FILE, 'utf8');
  } catch {
    throw new Error(`Test bench is not up (${STATE_FILE} missing): run "npm run testbed -- up" or use "node test/run-all.mjs".`);
  }
  return JSON.parse(raw) as TestbedState;
}

export function card(state: TestbedState, name: string): TestbedCard {
  const c = state.cards.find((x) => x.name === name);
  if (!c) throw new Error(`test bench has no card named ${name}`);
  return c;
}
