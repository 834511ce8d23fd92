// `<home>/clinic-policy.json`: the clinic's rules for this workstation (app/settings-policy.ts),
// written by its IT person with `mssante policy set|unset`, never by the window. Only the rules
// set are in the file; the others take their default. Written atomically (temp file + rename),
// 0600. No secret in it. This guards the rules against the window and its renderer (they have no way to
// write here); the workstation's OS account could still edit the file, which IT may make read-only.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors/index.js';
import { PatientDomain } from '../ipc/contract.js';
import { parseClinicRules, type ClinicPolicy, type ClinicRules } from './settings-policy.js';

export const CLINIC_POLICY_FILE = 'clinic-policy.json';

export const isDomainName = (d: string): boolean => PatientDomain.safeParse(d).success;

export function readClinicPolicy(home: string): ClinicPolicy {
  const file = join(home, CLINIC_POLICY_FILE);
  if (!existsSync(file)) return { rules: {}, unreadable: false };
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { rules: {}, unreadable: true };
    return { rules: parseClinicRules(raw, isDomainName), unreadable: false };
  } catch {
    return { rules: {}, unreadable: true };
  }
}

export function writeClinicPolicy(home: string, rules: Partial<ClinicRules>): void {
  const file = join(home, CLINIC_POLICY_FILE);
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rules, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    throw new AppError('IO_FAILED', 'cannot write the clinic policy file', { cause: err });
  }
}
