// Virtual CPS cards: one SoftHSM2 token per card, an RSA-2048 key generated ON
// the token (sensitive, never extractable), a CSR signed by that key through
// the OpenSSL pkcs11 engine, the CPS-style authentication certificate issued by
// the PERSONNES CA and written back to the token under the same CKA_ID.
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, pool } from './exec.js';
import { CARD_PROFESSION, CARD_SPECS, PKCS11_ENGINE, SOFTHSM_MODULE, SO_PIN, USER_PIN, cardAddress, cardCommonName, type CardSpec } from './config.js';
import { cardExtSection, issue, type Pki } from './pki.js';
import type { TestbedCard } from '../support/testbed.js';
import { buildCpsSim, defaultSimConfigPath, writeSimConfig, writeSimPinState } from '../support/cps-sim.js';

export interface SoftHsmEnv {
  /** SOFTHSM2_CONF for every process that opens the tokens */
  conf: string;
  tokenDir: string;
  /** OPENSSL_CONF that makes `-engine pkcs11` open the tokens (openssl req, s_client, Node with --openssl-shared-config) */
  opensslConf: string;
}

/**
 * The PKCS#11 module a card is used through: the CPS simulator
 * (native/cps-sim/: PIN counter, lockout, like a real CPS) wrapping SoftHSM.
 */
export function cardModule(_spec: CardSpec): string {
  return buildCpsSim();
}

export async function prepareSoftHsm(runDir: string): Promise<SoftHsmEnv> {
  const dir = join(runDir, 'softhsm');
  const tokenDir = join(dir, 'tokens');
  await mkdir(tokenDir, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  // cps-sim reads cps-sim.ini beside SOFTHSM2_CONF; the blocked card starts with its tries exhausted.
  const simConfig = defaultSimConfigPath(conf);
  writeSimConfig(simConfig, { module: SOFTHSM_MODULE, tokens: {} });
  for (const spec of CARD_SPECS.filter((c) => c.pinBlocked)) writeSimPinState(simConfig, tokenLabel(spec), { triesLeft: 0, loginCalls: 0 });
  const opensslConf = join(dir, 'openssl-pkcs11.cnf');
  await writeFile(opensslConf, `# OpenSSL with the pkcs11 engine on the bench's SoftHSM tokens
openssl_conf = openssl_init
[ openssl_init ]
engines = engine_section
[ engine_section ]
pkcs11 = pkcs11_section
[ pkcs11_section ]
engine_id = pkcs11
dynamic_path = ${PKCS11_ENGINE}
MODULE_PATH = ${SOFTHSM_MODULE}
init = 0
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
[ req_dn ]
`);
  return { conf, tokenDir, opensslConf };
}

export function tokenLabel(spec: CardSpec): string {
  return `CPS ${spec.name}`;
}

function keyIdHex(index: number): string {
  return `cb${(index + 1).toString(16).padStart(2, '0')}`;
}

function pkcs11Uri(spec: CardSpec, idHex: string): string {
  const id = idHex.replace(/(..)/g, '%$1');
  return `pkcs11:token=${encodeURIComponent(tokenLabel(spec))};id=${id};type=private;pin-value=${USER_PIN}`;
}

/** Initialises the card's token (user PIN and SO PIN set). */
async function initCardToken(hsm: SoftHsmEnv, spec: CardSpec): Promise<void> {
  await run('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel(spec), '--pin', USER_PIN, '--so-pin', SO_PIN],
    { env: { ...process.env, SOFTHSM2_CONF: hsm.conf } });
}

/** Generates the card's RSA-2048 key pair ON the token: sensitive, never extractable (the slow part). */
export async function createCardToken(hsm: SoftHsmEnv, spec: CardSpec, idHex: string): Promise<void> {
  const env = { ...process.env, SOFTHSM2_CONF: hsm.conf };
  const label = tokenLabel(spec);
  await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', USER_PIN,
    '--keypairgen', '--key-type', 'rsa:2048', '--id', idHex, '--label', 'CPS_AUTH', '--sensitive', '--usage-sign'], { env });
}

/** CSR signed by the token key, through the OpenSSL pkcs11 engine. */
async function cardCsr(hsm: SoftHsmEnv, spec: CardSpec, idHex: string, outDir: string): Promise<string> {
  const env = { ...process.env, SOFTHSM2_CONF: hsm.conf, OPENSSL_CONF: hsm.opensslConf };
  const csr = join(outDir, `${spec.name}.csr`);
  const subject = `/C=FR/title=${CARD_PROFESSION}/CN=${cardCommonName(spec)}+SN=${spec.lastName}+GN=${spec.firstName}`;
  await run('openssl', ['req', '-new', '-engine', 'pkcs11', '-keyform', 'engine', '-key', pkcs11Uri(spec, idHex),
    '-subj', subject, '-utf8', '-multivalue-rdn', '-sha256', '-out', csr], { env });
  return csr;
}

/** Writes the certificate to the token under the key's CKA_ID, as on a real card. */
async function storeCertOnToken(hsm: SoftHsmEnv, spec: CardSpec, idHex: string, certPem: string): Promise<void> {
  const der = `${certPem.replace(/\.pem$/, '')}.der`;
  const pem = await readFile(certPem, 'utf8');
  await writeFile(der, Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', tokenLabel(spec), '--login', '--pin', USER_PIN,
    '--write-object', der, '--type', 'cert', '--id', idHex, '--label', 'CPS_AUTH'], { env: { ...process.env, SOFTHSM2_CONF: hsm.conf } });
}

async function tokenSerials(hsm: SoftHsmEnv): Promise<Map<string, string>> {
  const { stdout } = await run('softhsm2-util', ['--show-slots'], { env: { ...process.env, SOFTHSM2_CONF: hsm.conf } });
  const serials = new Map<string, string>();
  let serial = '';
  for (const line of stdout.split('\n')) {
    const s = /^\s*Serial number:\s*(\S+)/.exec(line);
    if (s) serial = s[1]!;
    const l = /^\s*Label:\s*(.*?)\s*$/.exec(line);
    if (l && serial) serials.set(l[1]!, serial);
  }
  return serials;
}

/** Stage 1 (parallel with the PKI): tokens and on-token keys. */
export async function createCardTokens(hsm: SoftHsmEnv): Promise<void> {
  // Token creation one by one: another process scanning the token directory must never see half a token.
  for (const spec of CARD_SPECS) await initCardToken(hsm, spec);
  await pool(2, CARD_SPECS.map((spec, i) => () => createCardToken(hsm, spec, keyIdHex(i))));
}

/**
 * Stage 2 (needs the PERSONNES CA): certificates, one card after the other. Parallel engine
 * sessions on the token directory crashed libp11 ("Failed to enumerate slots", SIGSEGV) while
 * other tokens were written; and `openssl ca` rewrites its database anyway.
 */
export async function certifyCards(hsm: SoftHsmEnv, pki: Pki): Promise<TestbedCard[]> {
  const outDir = join(pki.dir, 'cards');
  await mkdir(outDir, { recursive: true });
  const serials = await tokenSerials(hsm);
  const cards: TestbedCard[] = [];
  for (const [i, spec] of CARD_SPECS.entries()) {
    const idHex = keyIdHex(i);
    const csr = await cardCsr(hsm, spec, idHex, outDir);
    const cert = join(outDir, `${spec.name}.pem`);
    await issue({ ca: pki.personnes, csr, extSection: cardExtSection(spec), extFile: pki.extConf, out: cert });
    if (spec.revoked) await run('openssl', ['ca', '-batch', '-config', pki.personnes.conf, '-revoke', cert, '-crl_reason', 'keyCompromise']);
    await storeCertOnToken(hsm, spec, idHex, cert);
    cards.push({
      name: spec.name, tokenLabel: tokenLabel(spec), tokenSerial: serials.get(tokenLabel(spec)) ?? '',
      userPin: USER_PIN, soPin: SO_PIN, keyIdHex: idHex, pkcs11Uri: pkcs11Uri(spec, idHex), address: cardAddress(spec), rpps: spec.rpps,
      lastName: spec.lastName, firstName: spec.firstName, profession: CARD_PROFESSION, cert,
      pkcs11Module: cardModule(spec), revoked: spec.revoked, pinBlocked: spec.pinBlocked,
    });
  }
  return cards;
}
