import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readKeyring, unlockWithRecovery } from '../../src-main/store/keys/keyring.js';

const BIN = fileURLToPath(new URL('../../bin/mssante.mjs', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CPS card a CLI run logs in with: the store opens only with the card and
 * its PIN (src-main/store/keys/), so every verb that reads or writes the store
 * runs with one. A bench card: `cliCard(tb, card(tb, 'doctorA'))`.
 */
export interface CliCard {
  pkcs11Module: string;
  tokenLabel: string;
  userPin: string;
  /** SOFTHSM2_CONF (and CPS_SIM_CONFIG) of the card's tokens */
  env: NodeJS.ProcessEnv;
}

export function cliCard(tb: { softhsm: { conf: string } }, c: { pkcs11Module: string; tokenLabel: string; userPin: string }): CliCard {
  return { pkcs11Module: c.pkcs11Module, tokenLabel: c.tokenLabel, userPin: c.userPin, env: { SOFTHSM2_CONF: tb.softhsm.conf } };
}

/** The recovery code printed once when a store is bound to a card (stderr of the first unlock). */
export function recoveryCodeIn(stderr: string): string | null {
  return /\b([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})\b/.exec(stderr)?.[1] ?? null;
}

/**
 * Runs the real `mssante` binary (sources through tsx) as a user would. With
 * `card`: `--pkcs11-module … --token … --pin-stdin` and the PIN as the first
 * line of standard input (before `stdin`). `offline`: no network at all (the card and the store need none).
 */
export function runMssante(
  args: readonly string[],
  opts: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; card?: CliCard; /** in a network namespace with no route (unshare --net: root) */ offline?: boolean } = {},
): Promise<CliRun> {
  const card = opts.card;
  const argv = card ? [...args, '--pkcs11-module', card.pkcs11Module, '--token', card.tokenLabel, '--pin-stdin'] : args;
  const stdin = card ? `${card.userPin}\n${opts.stdin ?? ''}` : (opts.stdin ?? '');
  return new Promise((resolve, reject) => {
    const [cmd, cmdArgs] = opts.offline ? ['unshare', ['--net', process.execPath, BIN, ...argv]] : [process.execPath, [BIN, ...argv]];
    const child = spawn(cmd, cmdArgs, { env: { ...process.env, ...card?.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * Binds a NEW data folder's store to `card` (`mssante card login`: the first
 * unlock) and returns the raw store key, opened with the recovery code printed
 * then — for tests that read or prepare the store in-process.
 */
export async function storeKeyOfHome(home: string, card: CliCard): Promise<Buffer> {
  const r = await runMssante(['--home', home, 'card', 'login'], { card });
  const code = recoveryCodeIn(r.stderr);
  if (r.code !== 0 || !code) throw new Error(`card login did not bind the store: ${r.stderr}`);
  return unlockWithRecovery(readKeyring(home)!, code);
}
