// Fixed facts of the test bench: where it lives, which ports it takes, who
// the virtual card holders are. Everything generated per run lives in the run
// directory (mkdtemp under the system temp dir), never in the repository.
import { join } from 'node:path';
import { REPO_ROOT } from '../support/testbed.js';

export { REPO_ROOT, STATE_FILE } from '../support/testbed.js';

/** .testbed/ beside the clone's sources (gitignored): state.json and the start lock. */
export const TESTBED_HOME = join(REPO_ROOT, '.testbed');
export const LOCK_DIR = join(TESTBED_HOME, 'lock');

/** A second bench (e.g. a CI run from another clone) must pick another base. */
export function portBase(): number {
  const raw = process.env.MSSANTE_TESTBED_PORT_BASE;
  if (!raw) return 19100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 65400) throw new Error(`MSSANTE_TESTBED_PORT_BASE must be an integer in 1024..65400, got ${raw}`);
  return n;
}

export function benchPorts(base = portBase()) {
  return {
    imap: base, // STARTTLS
    imaps: base + 1,
    submission: base + 2, // STARTTLS
    submissions: base + 3,
    postfixSmtp: base + 4,
    crlHttp: base + 5,
    lmtp: base + 6,
    toolingImaps: base + 7, // PLAIN, no client certificate: test tooling only
    pscImap: base + 8, // STARTTLS, SASL XOAUTH2 with a Pro Santé Connect token
    pscSubmission: base + 9, // STARTTLS, SASL XOAUTH2
    oidc: base + 10, // HTTPS: the bench's OpenID provider (PSC stand-in) and autoconfig XML
    dns: base + 11, // UDP + TCP: SRV records (RFC 6186) of the test domains
    oidcMtls: base + 12, // HTTPS asking for a client certificate: the provider's mtls_endpoint_aliases (RFC 8705)
  };
}
export type BenchPorts = ReturnType<typeof benchPorts>;

export const HOST = '127.0.0.1' as const;
export const MAIL_DOMAIN = 'medecin.mssante.test';
export const ORG_DOMAIN = 'centre-sante.mssante.test';
/** The test platform's patients' domain (Mon espace santé): `<INS matricule>@patient.mssante.test`. */
export const PATIENT_DOMAIN_TEST = 'patient.mssante.test';
/**
 * Patients' mailboxes: `accept` is delivered (the ANS test patient PAT-TROIS DOMINIQUE, qualified
 * INS in the CDA samples), `bounce` is refused by the delivery agent (unknown user: a bounce comes
 * back to the sender), `defer` stays in the queue (temporary failure: no report comes back).
 */
export const PATIENT_MAILBOXES = {
  accept: `279035121518989@${PATIENT_DOMAIN_TEST}`,
  bounce: `180017505600103@${PATIENT_DOMAIN_TEST}`,
  defer: `285016912304547@${PATIENT_DOMAIN_TEST}`,
} as const;
/** System user owning the Maildirs (Dovecot refuses uid 0 for mail access). */
export const VMAIL_USER = 'mssante-vmail';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const PKCS11_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';

export interface CardSpec {
  name: string;
  rpps: string;
  lastName: string;
  firstName: string;
  /** local part of the MSSanté address (ASCII, as operators issue them) */
  localPart: string;
  revoked: boolean;
  pinBlocked: boolean;
}

/** The virtual CPS cards (test RPPS range 997…, names with accents on purpose). */
export const CARD_SPECS: readonly CardSpec[] = [
  { name: 'doctorA', rpps: '99700100011', lastName: 'MARTIN', firstName: 'HÉLÈNE', localPart: 'helene.martin', revoked: false, pinBlocked: false },
  { name: 'doctorB', rpps: '99700100029', lastName: 'DUBOIS', firstName: 'FRANÇOIS', localPart: 'francois.dubois', revoked: false, pinBlocked: false },
  { name: 'revoked', rpps: '99700100037', lastName: 'LEFÈVRE', firstName: 'CHLOÉ', localPart: 'chloe.lefevre', revoked: true, pinBlocked: false },
  { name: 'blocked', rpps: '99700100045', lastName: 'GIRARD', firstName: 'JÉRÔME', localPart: 'jerome.girard', revoked: false, pinBlocked: true },
];

export const USER_PIN = '1234';
export const SO_PIN = '87654321';
export const CARD_PROFESSION = 'Médecin';

/** The organisational mailbox reached with the ORG software certificate. */
export const ORG_CLIENT = { commonName: 'SECRETARIAT-MSSANTE-TEST', address: `secretariat@${ORG_DOMAIN}`, p12Password: 'bench-org' };

export function cardAddress(spec: CardSpec): string {
  return `${spec.localPart}@${MAIL_DOMAIN}`;
}

/** Identifier carried in the CN of a CPS authentication certificate: 8 + RPPS. */
export function cardCommonName(spec: CardSpec): string {
  return `8${spec.rpps}`;
}

/** The bench's OpenID clients: the app (normal and short lifetimes) and Dovecot's introspection client. */
export const PSC_CLIENTS = {
  app: { clientId: 'mssante-desktop', clientSecret: 'bench-app-secret' },
  appShort: { clientId: 'mssante-desktop-short', clientSecret: 'bench-app-short-secret' },
  dovecot: { clientId: 'dovecot-introspection', clientSecret: 'bench-dovecot-secret' },
} as const;
/**
 * The confidential client that authenticates with an organisation certificate (RFC 8705
 * `tls_client_auth`): PSC matches the registered subject DN (RFC 4514 string) of the bench's ORG
 * client certificate (pki.orgClientP12); its access tokens are certificate-bound (cnf.x5t#S256).
 */
export const PSC_MTLS_CLIENT = {
  clientId: 'mssante-desktop-mtls',
  subjectDn: `CN=${ORG_CLIENT.commonName},OU=10B0000000,O=CENTRE DE SANTÉ DE TEST,ST=Paris (75),C=FR`,
} as const;
/** A domain with neither SRV records nor autoconfig XML. */
export const UNKNOWN_DOMAIN = 'inconnu.mssante.test';
