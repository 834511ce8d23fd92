import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../app/core.js';
import { termSafe } from '../common/terminal-text.js';

/** Global options shared by every verb (see `mssante --help`). */
export interface GlobalOptions {
  home: string;
  pkcs11Module?: string;
  token?: string;
  pinStdin: boolean;
  /** the store's recovery code on the first line of standard input (card-less users) */
  recoveryStdin?: boolean;
  json: boolean;
}

/** What a command receives: its global options and the two output channels. */
export interface CliContext extends GlobalOptions {
  /** Result on stdout: `json` when --json, otherwise `text`. */
  result(json: unknown, text: string | (() => string)): void;
  /** Progress and prompts on stderr (never pollutes --json output). */
  progress(line: string): void;
  /**
   * The core as the shell builds it (app/core.ts createCore) with the CLI's env; built on first use,
   * nothing started. Loaded lazily: a verb that does not need it does not pay for its imports.
   */
  core(): Promise<Core>;
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MSSANTE_HOME) return env.MSSANTE_HOME;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'mssante');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mssante');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'mssante');
}

export function makeContext(opts: GlobalOptions): CliContext {
  let core: Promise<Core> | undefined;
  const ctx: CliContext = {
    ...opts,
    core: () => (core ??= import('./core-env.js').then(({ cliCore }) => cliCore(ctx))),
    result(json, text) {
      if (opts.json) process.stdout.write(JSON.stringify(json, jsonReplacer, 2) + '\n');
      // text for people: whatever untrusted text a formatter missed is still shown, not obeyed
      else process.stdout.write(termSafe(typeof text === 'function' ? text() : text) + '\n');
    },
    progress(line) {
      process.stderr.write(termSafe(line) + '\n');
    },
  };
  return ctx;
}

// BigInt (IMAP modseq, UIDVALIDITY) is printed as a decimal string.
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
