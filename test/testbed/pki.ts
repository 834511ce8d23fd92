// The bench's test PKI, shaped like IGC-Santé's test hierarchy (names and
// extensions copied from reference/certs/igc-sante-test and end-entity-test),
// generated with the openssl CLI into <run dir>/pki. Every certificate carries
// CRL distribution points and CA issuer URLs on the bench's loopback HTTP
// server; the CRLs are written as PEM (for Dovecot) and DER (served over HTTP).
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, pool } from './exec.js';
import { CARD_SPECS, HOST, ORG_CLIENT, cardAddress, type CardSpec } from './config.js';
import type { PemSet } from '../support/testbed.js';

export const IGC_DN = '/C=FR/O=ASIP-SANTE/OU=0002 187512751/OU=IGC-SANTE TEST';
export const ROOT_CN = 'TEST AC RACINE IGC-SANTE ELEMENTAIRE';
export const PERSONNES_CN = 'TEST AC IGC-SANTE ELEMENTAIRE PERSONNES';
export const ORGANISATIONS_CN = 'TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS';
const OPERATOR_DN = '/C=FR/ST=Paris (75)/O=OPERATEUR MSSANTE DE TEST/OU=499700000000001';
const POLICY_CPS = 'http://igc-sante.esante.gouv.fr/PC%20TEST';

export type { PemSet };

/** One certificate authority with its openssl `ca` database. */
export interface Ca {
  id: string;
  dir: string;
  cert: string;
  key: string;
  conf: string;
  /** file name of its CRL and CA certificate on the HTTP server */
  crlName: string;
  aiaName: string;
}

export interface CrlFile {
  issuer: string;
  /** PEM */
  file: string;
  /** DER, as served */
  der: string;
  url: string;
}

export interface Pki {
  dir: string;
  pubDir: string;
  extConf: string;
  root: Ca;
  personnes: Ca;
  organisations: Ca;
  foreign: Ca;
  caBundle: string;
  server: PemSet;
  revokedServer: PemSet;
  expiredServer: PemSet;
  notYetValidServer: PemSet;
  noServerAuthServer: PemSet;
  wrongHostServer: PemSet;
  foreignServer: PemSet;
  orgClient: PemSet;
  toolingClient: PemSet;
  orgClientP12: { file: string; password: string; address: string };
}

function crlUrl(crlPort: number, name: string) {
  return `http://${HOST}:${crlPort}/crl/${name}`;
}
function aiaUrl(crlPort: number, name: string) {
  return `http://${HOST}:${crlPort}/aia/${name}`;
}

interface EndEntityProfile {
  section: string;
  keyUsage: string;
  eku: string;
  san?: string;
  /** issuing CA's CRL/AIA names; none for the foreign CA */
  issuer?: 'ACI-EL-ORG-TEST' | 'ACI-EL-PP-TEST';
  comment?: string;
}

const SERVER_KU = 'critical,digitalSignature,keyEncipherment';
const LOCAL_SAN = 'DNS:localhost,IP:127.0.0.1';

function endEntityProfiles(): EndEntityProfile[] {
  return [
    { section: 'server_ext', keyUsage: SERVER_KU, eku: 'serverAuth', san: LOCAL_SAN, issuer: 'ACI-EL-ORG-TEST' },
    { section: 'server_noeku_ext', keyUsage: SERVER_KU, eku: 'clientAuth', san: LOCAL_SAN, issuer: 'ACI-EL-ORG-TEST' },
    { section: 'server_wronghost_ext', keyUsage: SERVER_KU, eku: 'serverAuth', san: 'DNS:mail.autre-operateur.test', issuer: 'ACI-EL-ORG-TEST' },
    { section: 'foreign_server_ext', keyUsage: SERVER_KU, eku: 'serverAuth', san: LOCAL_SAN },
    { section: 'org_client_ext', keyUsage: 'critical,digitalSignature', eku: 'clientAuth', san: `email:${ORG_CLIENT.address}`, issuer: 'ACI-EL-ORG-TEST' },
    { section: 'tooling_client_ext', keyUsage: 'critical,digitalSignature', eku: 'clientAuth', issuer: 'ACI-EL-ORG-TEST', comment: 'a valid client certificate without a CN' },
    ...CARD_SPECS.map((spec): EndEntityProfile => ({
      section: cardExtSection(spec), keyUsage: 'critical,digitalSignature', eku: 'clientAuth,1.3.6.1.4.1.311.20.2.2',
      san: `email:${cardAddress(spec)}`, issuer: 'ACI-EL-PP-TEST',
      comment: `CPS authentication certificate of card ${spec.name} (see reference PS_test_Medecin_*.pem)`,
    })),
  ];
}

/** openssl x509v3 extension sections for every certificate profile of the bench. */
function extensionsConfig(crlPort: number): string {
  const caRefs = (name: string) => `crlDistributionPoints = URI:${crlUrl(crlPort, `${name}.crl`)}
authorityInfoAccess = caIssuers;URI:${aiaUrl(crlPort, `${name}.cer`)}`;
  const ca = (section: string, constraints: string, extra: string) => `
[ ${section} ]
basicConstraints = critical,${constraints}
keyUsage = critical,keyCertSign,cRLSign
${extra}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
  const ee = (p: EndEntityProfile) => `
${p.comment ? `# ${p.comment}\n` : ''}[ ${p.section} ]
basicConstraints = CA:FALSE
keyUsage = ${p.keyUsage}
extendedKeyUsage = ${p.eku}
${p.san ? `subjectAltName = ${p.san}` : ''}
${p.issuer ? `certificatePolicies = @pol_ee\n${caRefs(p.issuer)}` : ''}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
  return `
[ pol_any ]
policyIdentifier = 2.5.29.32.0
CPS.1 = "${POLICY_CPS}"
[ pol_ee ]
policyIdentifier = 1.2.250.1.213.1.7.2.1.1.1.1
CPS.1 = "${POLICY_CPS}"
${ca('root_ext', 'CA:TRUE', 'certificatePolicies = @pol_any')}
${ca('sub_ca_ext', 'CA:TRUE,pathlen:0', `certificatePolicies = @pol_any\n${caRefs('ACR-EL-TEST')}`)}
${ca('foreign_root_ext', 'CA:TRUE', '')}
${endEntityProfiles().map(ee).join('')}`;
}

export function cardExtSection(spec: CardSpec): string {
  return `cps_auth_${spec.name}`;
}

function caConfig(ca: Ca): string {
  return `
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = ${ca.dir}
database = ${ca.dir}/index.txt
new_certs_dir = ${ca.dir}/newcerts
crlnumber = ${ca.dir}/crlnumber
serial = ${ca.dir}/serial
certificate = ${ca.cert}
private_key = ${ca.key}
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
utf8 = yes
string_mask = utf8only
copy_extensions = none
default_crl_days = 30
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
[ req_dn ]
`;
}

async function genKey(path: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', path]);
}

/** openssl ca -startdate/-enddate format (GeneralizedTime). */
export function caDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

const DAY = 86_400_000;

export interface IssueOptions {
  ca: Ca;
  /** path of a CSR, or a key to make one from */
  csr?: string;
  key?: string;
  subject?: string;
  extSection: string;
  extFile: string;
  out: string;
  notBefore?: Date;
  notAfter?: Date;
  selfSign?: boolean;
}

/** Makes a CSR from a key file (multi-valued RDNs and UTF-8 allowed in `subject`). */
export async function makeCsr(key: string, subject: string, out: string, conf: string): Promise<void> {
  await run('openssl', ['req', '-new', '-config', conf, '-key', key, '-subj', subject, '-utf8', '-multivalue-rdn', '-sha256', '-out', out]);
}

/** Issues one certificate with `openssl ca` (serialise calls per CA: it rewrites index.txt). */
export async function issue(o: IssueOptions): Promise<void> {
  let csr = o.csr;
  if (!csr) {
    if (!o.key || !o.subject) throw new Error('issue: need csr or key+subject');
    csr = `${o.out}.csr`;
    await makeCsr(o.key, o.subject, csr, o.ca.conf);
  }
  const now = Date.now();
  const args = ['ca', '-batch', '-notext', '-utf8', '-preserveDN', '-rand_serial', '-config', o.ca.conf,
    '-extfile', o.extFile, '-extensions', o.extSection, '-in', csr, '-out', o.out,
    '-startdate', caDate(o.notBefore ?? new Date(now - DAY)), '-enddate', caDate(o.notAfter ?? new Date(now + 3 * 365 * DAY))];
  if (o.selfSign) args.push('-selfsign', '-keyfile', o.ca.key);
  await run('openssl', args);
}

async function newCa(dir: string, id: string, crlName: string, aiaName: string): Promise<Ca> {
  const caDir = join(dir, id);
  await mkdir(join(caDir, 'newcerts'), { recursive: true });
  const ca: Ca = { id, dir: caDir, cert: join(caDir, 'ca.pem'), key: join(caDir, 'ca.key'), conf: join(caDir, 'ca.cnf'), crlName, aiaName };
  await writeFile(join(caDir, 'index.txt'), '');
  await writeFile(join(caDir, 'crlnumber'), '1000\n');
  await writeFile(join(caDir, 'serial'), '01\n');
  await writeFile(ca.conf, caConfig(ca));
  return ca;
}

async function concat(out: string, files: readonly string[]): Promise<void> {
  const parts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  await writeFile(out, parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
}

/** Stage 1: keys, CAs and server/ORG certificates. Cards are issued later by cards.ts. */
export async function createPki(runDir: string, crlPort: number): Promise<Pki> {
  const dir = join(runDir, 'pki');
  const pubDir = join(runDir, 'pub');
  await mkdir(join(pubDir, 'crl'), { recursive: true });
  await mkdir(join(pubDir, 'aia'), { recursive: true });
  await mkdir(join(dir, 'ee'), { recursive: true });
  const extConf = join(dir, 'extensions.cnf');
  await writeFile(extConf, extensionsConfig(crlPort));

  const [root, personnes, organisations, foreign] = await Promise.all([
    newCa(dir, 'root', 'ACR-EL-TEST.crl', 'ACR-EL-TEST.cer'),
    newCa(dir, 'personnes', 'ACI-EL-PP-TEST.crl', 'ACI-EL-PP-TEST.cer'),
    newCa(dir, 'organisations', 'ACI-EL-ORG-TEST.crl', 'ACI-EL-ORG-TEST.cer'),
    newCa(dir, 'foreign', 'FOREIGN.crl', 'FOREIGN.cer'),
  ]);
  const ee = (n: string) => join(dir, 'ee', n);
  const serverKey = ee('server.key'); // shared by the server and its negative variants: the key is not what they test
  const orgClientKey = ee('org-client.key');
  // Six RSA keys in all for the PKI (cards generate theirs on their tokens).
  await pool(2, [root.key, personnes.key, organisations.key, foreign.key, serverKey, orgClientKey].map((k) => () => genKey(k)));

  const now = Date.now();
  const caValidity = { notBefore: new Date(now - 2 * 365 * DAY), notAfter: new Date(now + 7 * 365 * DAY) };
  await issue({ ca: root, key: root.key, subject: `${IGC_DN}/CN=${ROOT_CN}`, extSection: 'root_ext', extFile: extConf, out: root.cert, selfSign: true, ...caValidity });
  await Promise.all([
    issue({ ca: foreign, key: foreign.key, subject: '/C=FR/O=AUTORITE SANS RAPPORT/CN=TEST AC ETRANGERE', extSection: 'foreign_root_ext', extFile: extConf, out: foreign.cert, selfSign: true, ...caValidity }),
    (async () => {
      await issue({ ca: root, key: personnes.key, subject: `${IGC_DN}/CN=${PERSONNES_CN}`, extSection: 'sub_ca_ext', extFile: extConf, out: personnes.cert, ...caValidity });
      await issue({ ca: root, key: organisations.key, subject: `${IGC_DN}/CN=${ORGANISATIONS_CN}`, extSection: 'sub_ca_ext', extFile: extConf, out: organisations.cert, ...caValidity });
    })(),
  ]);

  // One CSR for the server key serves every server certificate with the same subject.
  const serverCsr = ee('server.csr');
  await makeCsr(serverKey, `${OPERATOR_DN}/CN=localhost`, serverCsr, organisations.conf);
  const wrongHostCsr = ee('wrong-host.csr');
  await makeCsr(serverKey, `${OPERATOR_DN}/CN=mail.autre-operateur.test`, wrongHostCsr, organisations.conf);
  const orgClientCsr = ee('org-client.csr');
  await makeCsr(orgClientKey, `/C=FR/ST=Paris (75)/O=CENTRE DE SANTÉ DE TEST/OU=10B0000000/CN=${ORG_CLIENT.commonName}`, orgClientCsr, organisations.conf);

  const toolingCsr = ee('tooling-client.csr');
  await makeCsr(orgClientKey, '/C=FR/O=BANC DE TEST MSSANTE/OU=OUTILLAGE DES TESTS', toolingCsr, organisations.conf);

  const orgChain = (name: string): PemSet => ({ cert: ee(`${name}.pem`), key: name.endsWith('client') ? orgClientKey : serverKey, chain: ee(`${name}-chain.pem`) });
  const server = orgChain('server');
  const revokedServer = orgChain('revoked-server');
  const expiredServer = orgChain('expired-server');
  const notYetValidServer = orgChain('not-yet-valid-server');
  const noServerAuthServer = orgChain('no-server-auth-server');
  const wrongHostServer = orgChain('wrong-host-server');
  const orgClient = orgChain('org-client');
  const toolingClient = orgChain('tooling-client');
  const foreignServer: PemSet = { cert: ee('foreign-server.pem'), key: serverKey, chain: ee('foreign-server-chain.pem') };

  const orgIssues: [PemSet, string, string, { notBefore?: Date; notAfter?: Date }][] = [
    [server, serverCsr, 'server_ext', {}],
    [revokedServer, serverCsr, 'server_ext', {}],
    [expiredServer, serverCsr, 'server_ext', { notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - 30 * DAY) }],
    [notYetValidServer, serverCsr, 'server_ext', { notBefore: new Date(now + 30 * DAY), notAfter: new Date(now + 400 * DAY) }],
    [noServerAuthServer, serverCsr, 'server_noeku_ext', {}],
    [wrongHostServer, wrongHostCsr, 'server_wronghost_ext', {}],
    [orgClient, orgClientCsr, 'org_client_ext', {}],
    [toolingClient, toolingCsr, 'tooling_client_ext', {}],
  ];
  await Promise.all([
    (async () => {
      for (const [set, csr, ext, dates] of orgIssues) {
        await issue({ ca: organisations, csr, extSection: ext, extFile: extConf, out: set.cert, ...dates });
      }
      await run('openssl', ['ca', '-batch', '-config', organisations.conf, '-revoke', revokedServer.cert, '-crl_reason', 'keyCompromise']);
    })(),
    issue({ ca: foreign, csr: serverCsr, extSection: 'foreign_server_ext', extFile: extConf, out: foreignServer.cert }),
  ]);
  await Promise.all([
    ...[server, revokedServer, expiredServer, notYetValidServer, noServerAuthServer, wrongHostServer, orgClient, toolingClient].map((s) => concat(s.chain, [s.cert, organisations.cert])),
    concat(foreignServer.chain, [foreignServer.cert]),
  ]);

  const caBundle = join(dir, 'ca-bundle.pem');
  await concat(caBundle, [root.cert, personnes.cert, organisations.cert]);
  const orgClientP12 = { file: ee('org-client.p12'), password: ORG_CLIENT.p12Password, address: ORG_CLIENT.address };
  await run('openssl', ['pkcs12', '-export', '-in', orgClient.cert, '-inkey', orgClient.key, '-certfile', organisations.cert,
    '-name', ORG_CLIENT.address, '-passout', `pass:${orgClientP12.password}`, '-out', orgClientP12.file]);
  // CA certificates at their AIA URLs (DER, as real CAs publish them)
  await Promise.all([root, personnes, organisations, foreign].map((ca) =>
    run('openssl', ['x509', '-in', ca.cert, '-outform', 'DER', '-out', join(pubDir, 'aia', ca.aiaName)])));

  return { dir, pubDir, extConf, root, personnes, organisations, foreign, caBundle, server, revokedServer, expiredServer,
    notYetValidServer, noServerAuthServer, wrongHostServer, foreignServer, orgClient, toolingClient, orgClientP12 };
}

/** Stage 2 (after the cards are issued and revoked): one CRL per CA, PEM + DER. */
export async function publishCrls(pki: Pki, crlPort: number): Promise<CrlFile[]> {
  return Promise.all([pki.root, pki.personnes, pki.organisations, pki.foreign].map(async (ca) => {
    const file = join(pki.dir, `${ca.id}.crl.pem`);
    const der = join(pki.pubDir, 'crl', ca.crlName);
    await run('openssl', ['ca', '-gencrl', '-config', ca.conf, '-out', file]);
    await run('openssl', ['crl', '-in', file, '-outform', 'DER', '-out', der]);
    return { issuer: ca.id, file, der, url: crlUrl(crlPort, ca.crlName) };
  }));
}

