// The CPS card simulator (native/cps-sim): a PKCS#11 module wrapping SoftHSM
// with a real card's PIN counter, pinpad, slowness, CPS3 and removal. Helpers
// to build it and to write its configuration (cps-sim.ini) and PIN state.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Per-token behaviour; see native/cps-sim/README.md. */
export interface SimTokenConfig {
  present?: 0 | 1;
  max_tries?: number;
  initial_tries?: number;
  pinpad?: 0 | 1;
  pinpad_pin?: string;
  sign_delay_ms?: number;
  cps3?: 0 | 1;
  hide_raw_rsa?: 0 | 1;
}

/** Builds (if needed) and returns the module path. `outDir` defaults to <repo>/.testbed/cps-sim. */
export function buildCpsSim(outDir?: string): string {
  return execFileSync(join(REPO, 'native/cps-sim/build.sh'), outDir ? [outDir] : [], { encoding: 'utf8' }).trim();
}

/** The file cps-sim reads when CPS_SIM_CONFIG is not set: beside SOFTHSM2_CONF. */
export function defaultSimConfigPath(softhsmConf: string): string {
  return join(dirname(softhsmConf), 'cps-sim.ini');
}

/** Writes the config atomically (cps-sim re-reads it on every call). State files go beside it. */
export function writeSimConfig(path: string, opts: { module: string; tokens: Record<string, SimTokenConfig> }): void {
  let text = `# cps-sim configuration (native/cps-sim/README.md)\nmodule = ${opts.module}\n`;
  for (const [label, values] of Object.entries(opts.tokens)) {
    text += `\n[${label}]\n` + Object.entries(values).map(([k, v]) => `${k} = ${v}\n`).join('');
  }
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function statePath(configPath: string, label: string): string {
  return join(dirname(configPath), `${label.replace(/[^A-Za-z0-9_-]/g, '_')}.state`);
}

export interface SimPinState {
  triesLeft: number;
  /** every C_Login the card received (to prove the app never retries) */
  loginCalls: number;
  /** every signature the card produced */
  signCalls?: number;
  /** requests for private-key attributes on key objects (must stay 0) */
  secretReads?: number;
  /** slow signatures (sign_delay_ms) that began: the card is "computing" */
  signStarted?: number;
}

/** null when the card was never used (counter at its initial value). */
export function readSimPinState(configPath: string, label: string): SimPinState | null {
  let text: string;
  try {
    text = readFileSync(statePath(configPath, label), 'utf8');
  } catch {
    return null;
  }
  const num = (key: string): number => Number(new RegExp(`${key}=(-?\\d+)`).exec(text)?.[1] ?? 0);
  return { triesLeft: num('tries_left'), loginCalls: num('login_calls'), signCalls: num('sign_calls'), secretReads: num('secret_reads'), signStarted: num('sign_started') };
}

export function writeSimPinState(configPath: string, label: string, state: SimPinState): void {
  const path = statePath(configPath, label);
  writeFileSync(`${path}.tmp`, `tries_left=${state.triesLeft}\nlogin_calls=${state.loginCalls}\n`);
  renameSync(`${path}.tmp`, path);
}
