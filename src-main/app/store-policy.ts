// `<home>/store-policy.json`: how this workstation's store may be opened.
// - `keychain`: the clinic's setting, written by its IT person (`mssante store
//   keychain on|off`), never by the window: a compromised renderer must not be
//   able to weaken the store's protection. Default (file absent): card only.
// - `consent`: the user's recorded acceptance of the keychain when their card
//   cannot make a KEK (PSS only) or they have no card (e-CPS), with its reason.
// Written atomically (temp file + rename), 0600. No secret in it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors/index.js';
import type { KeychainPolicy, KeychainReason } from './store-key-plan.js';

export const STORE_POLICY_FILE = 'store-policy.json';

export interface StorePolicy {
  keychain: KeychainPolicy;
  consent: { at: string; why: KeychainReason } | null;
}

const DEFAULT_POLICY: StorePolicy = { keychain: 'card-only', consent: null };

export function readStorePolicy(home: string): StorePolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(home, STORE_POLICY_FILE), 'utf8'));
  } catch {
    return { ...DEFAULT_POLICY }; // absent or unreadable: the safe default
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as { keychain?: unknown; consent?: { at?: unknown; why?: unknown } | null };
  const why = o.consent?.why;
  return {
    keychain: o.keychain === 'keychain' ? 'keychain' : 'card-only',
    consent: typeof o.consent?.at === 'string' && (why === 'card-not-deterministic' || why === 'no-card') ? { at: o.consent.at, why } : null,
  };
}

export function writeStorePolicy(home: string, policy: StorePolicy): void {
  const file = join(home, STORE_POLICY_FILE);
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(policy, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot write the store policy file', { cause: err });
  }
}

export function recordKeychainConsent(home: string, why: KeychainReason, now = new Date()): StorePolicy {
  const next = { ...readStorePolicy(home), consent: { at: now.toISOString(), why } };
  writeStorePolicy(home, next);
  return next;
}
