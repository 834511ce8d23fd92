// User settings (non-sensitive preferences) in a JSON file of the data folder.
// Written atomically (temp file + rename): a crash never leaves half a file.
// A missing or unreadable file gives the defaults; unknown keys are dropped.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Settings as SettingsSchema, type Settings } from '../ipc/contract.js';
import { AppError } from '../errors/index.js';
import { PATIENT_DOMAIN } from '../rules/messaging.js';

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  idleLockMinutes: 10,
  maxSessionHours: 12,
  remoteImages: 'ask',
  groupThreads: false,
  readReceipts: 'ask',
  outsideTrustSpace: 'confirm',
  patientDomain: PATIENT_DOMAIN,
});

export class SettingsFile {
  private cached: Settings | undefined;

  constructor(private readonly file: string) {}

  read(): Settings {
    if (this.cached) return { ...this.cached };
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      stored = {};
    }
    const merged = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(typeof stored === 'object' && stored ? stored : {}) });
    this.cached = merged.success ? merged.data : { ...DEFAULT_SETTINGS };
    return { ...this.cached };
  }

  update(patch: Partial<Settings>): Settings {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = SettingsSchema.parse({ ...this.read(), ...defined });
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      throw new AppError('IO_FAILED', 'cannot write the settings file', { cause: err });
    }
    this.cached = next;
    return { ...next };
  }
}
