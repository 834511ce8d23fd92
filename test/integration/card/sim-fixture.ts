// Throwaway virtual CPS cards for the card tests that must change a card's
// state (wrong PINs, removal, slowness, pinpad): their own SoftHSM token
// directory and cps-sim config in a temp dir, so the shared bench cards are
// never touched by these destructive tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCpsSim, readSimPinState, writeSimConfig, type SimPinState, type SimTokenConfig } from '../../support/cps-sim.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
/** Issuer of the fixture cards: named like the IGC-Santé CA so they read as CPS cards. */
const CA_SUBJECT = '/C=FR/O=ASIP-SANTE/OU=IGC-SANTE TEST/CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES';

export interface SimCardSpec {
  label: string;
  pin: string;
  /** subject in openssl -subj syntax, multi-valued RDN with '+' */
  subject: string;
  /** extra cps-sim keys for this token (pinpad, sign_delay_ms, cps3, …) */
  sim?: SimTokenConfig;
  /** CKA_ALWAYS_AUTHENTICATE on the private key (PIN for every signature) */
  alwaysAuthenticate?: boolean;
}

export interface SimCard extends SimCardSpec {
  serial: string;
  certPem: string;
  keyIdHex: string;
}

export interface SimBench {
  dir: string;
  module: string;
  env: NodeJS.ProcessEnv;
  cards: SimCard[];
  /** Rewrites one token's cps-sim settings (e.g. { present: 0 }) */
  setSim(label: string, values: SimTokenConfig): void;
  /** PIN counter of a token as persisted by cps-sim */
  pinState(label: string): SimPinState;
  cleanup(): void;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function createSimBench(specs: SimCardSpec[]): SimBench {
  const dir = mkdtempSync(join(tmpdir(), 'cps-sim-'));
  const module = buildCpsSim();
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`);
  mkdirSync(join(dir, 'tokens'));
  const simConf = join(dir, 'cps-sim.ini');
  const env = { SOFTHSM2_CONF: conf, CPS_SIM_CONFIG: simConf };
  const sims: Record<string, SimTokenConfig> = {};
  const cards: SimCard[] = [];
  const ca = { key: join(dir, 'ca.key.pem'), cert: join(dir, 'ca.cert.pem') };
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-days', '30', '-subj', CA_SUBJECT]);
  specs.forEach((spec, i) => {
    const keyIdHex = (0xc0 + i).toString(16);
    const key = join(dir, `${i}.key.pem`);
    const cert = join(dir, `${i}.cert.pem`);
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30',
      '-CA', ca.cert, '-CAkey', ca.key, '-utf8', '-multivalue-rdn', '-subj', spec.subject, '-addext', 'keyUsage=critical,digitalSignature']);
    run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', key, '-outform', 'DER', '-out', `${key}.der`]);
    run('openssl', ['x509', '-in', cert, '-outform', 'DER', '-out', `${cert}.der`]);
    run('softhsm2-util', ['--init-token', '--free', '--label', spec.label, '--pin', spec.pin, '--so-pin', '87654321'], env);
    const p11 = ['--module', SOFTHSM_MODULE, '--token-label', spec.label, '--login', '--pin', spec.pin, '--id', keyIdHex];
    run('pkcs11-tool', [...p11, '--write-object', `${key}.der`, '--type', 'privkey', '--label', 'auth', ...(spec.alwaysAuthenticate ? ['--always-auth'] : [])], env);
    run('pkcs11-tool', [...p11, '--write-object', `${cert}.der`, '--type', 'cert', '--label', 'auth'], env);
    const serial = /serial num\s*:\s*(\S+)/.exec(run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--list-token-slots'], env)
      .split('Slot ').find((s) => s.includes(`token label        : ${spec.label}`)) ?? '')?.[1] ?? '';
    sims[spec.label] = spec.sim ?? {};
    cards.push({ ...spec, serial, certPem: readFileSync(cert, 'utf8'), keyIdHex });
  });
  const writeSim = (): void => writeSimConfig(simConf, { module: SOFTHSM_MODULE, tokens: sims });
  writeSim();
  return {
    dir, module, env, cards,
    setSim(label, values) {
      sims[label] = { ...sims[label], ...values };
      writeSim();
    },
    pinState(label) {
      return readSimPinState(simConf, label) ?? { triesLeft: 3, loginCalls: 0 };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
