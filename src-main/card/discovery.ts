// Which PKCS#11 libraries to try, in order (pure: the host does the loading).
// An explicit path (setting, --pkcs11-module, MSSANTE_PKCS11_MODULE) wins and
// is the only candidate: silently falling back from a module the user chose
// would hide their mistake.
import { CRYPTOLIB_MODULE_PATHS, OPENSC_MODULE_PATHS, PKCS11_MODULE_ENV } from '../rules/cps.js';

export type ModuleSource = 'explicit' | 'environment' | 'cryptolib' | 'opensc';

export interface ModuleCandidate {
  path: string;
  source: ModuleSource;
}

/** Why a candidate was not used, as reported in CARD_MODULE_* errors. */
export interface ModuleAttempt extends ModuleCandidate {
  outcome: 'absent' | 'load-failed' | 'init-failed';
  detail?: string;
}

export function moduleCandidates(opts: { explicit?: string | undefined; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform }): ModuleCandidate[] {
  if (opts.explicit) return [{ path: opts.explicit, source: 'explicit' }];
  const fromEnv = (opts.env ?? process.env)[PKCS11_MODULE_ENV];
  if (fromEnv) return [{ path: fromEnv, source: 'environment' }];
  const platform = opts.platform ?? process.platform;
  return [
    ...(CRYPTOLIB_MODULE_PATHS[platform] ?? []).map((path) => ({ path, source: 'cryptolib' as const })),
    ...(OPENSC_MODULE_PATHS[platform] ?? []).map((path) => ({ path, source: 'opensc' as const })),
  ];
}

/** One line per attempt, for error details and the CLI. */
export function describeAttempts(attempts: readonly ModuleAttempt[]): string {
  return attempts.map((a) => `${a.path} (${a.source}): ${a.outcome}${a.detail ? ` — ${a.detail}` : ''}`).join('; ');
}
