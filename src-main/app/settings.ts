// The settings that apply: the user's preferences (settings.json of the data folder) under the
// clinic's rules (clinic-policy.json beside it, app/clinic-policy.ts); how they combine is
// app/settings-policy.ts. settings.json is written atomically (temp file + rename): a crash never
// leaves half a file. A missing or unreadable file gives the defaults; unknown keys are dropped.
// Clinic rules an older version kept in settings.json stay there untouched (read as 'legacy').
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Settings } from '../ipc/contract.js';
import { AppError } from '../errors/index.js';
import { isDomainName, readClinicPolicy } from './clinic-policy.js';
import {
  checkUserPatch,
  DEFAULT_CLINIC_RULES,
  DEFAULT_PREFERENCES,
  effectiveSettings,
  LIMITS,
  parseClinicRules,
  type ClinicRules,
  type UserPreferences,
} from './settings-policy.js';

/** What applies when nothing was set by anyone. */
export const DEFAULT_SETTINGS: Settings = Object.freeze({
  ...DEFAULT_PREFERENCES,
  ...DEFAULT_CLINIC_RULES,
  clinic: Object.freeze({ outsideTrustSpace: 'default', maxSessionHours: 'default', patientDomain: 'default', idleLockMaxMinutes: 'default' }),
}) as Settings;

/** The user's preferences of a parsed settings.json: each key kept only when valid. */
function parsePreferences(o: Record<string, unknown>): UserPreferences {
  const p = { ...DEFAULT_PREFERENCES };
  const idle = o.idleLockMinutes;
  if (Number.isInteger(idle) && (idle as number) >= LIMITS.idleLockMinutes.min && (idle as number) <= LIMITS.idleLockMinutes.max) p.idleLockMinutes = idle as number;
  if (o.remoteImages === 'ask' || o.remoteImages === 'never') p.remoteImages = o.remoteImages;
  if (typeof o.groupThreads === 'boolean') p.groupThreads = o.groupThreads;
  if (o.readReceipts === 'ask' || o.readReceipts === 'never') p.readReceipts = o.readReceipts;
  return p;
}

export class SettingsFile {
  private cached: { prefs: UserPreferences; legacy: Partial<ClinicRules> } | undefined;

  /** `home`: the folder of the clinic file (default: settings.json's folder). */
  constructor(
    private readonly file: string,
    private readonly home = dirname(file),
  ) {}

  private load(): { prefs: UserPreferences; legacy: Partial<ClinicRules> } {
    if (this.cached) return this.cached;
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      stored = {};
    }
    const o = (stored && typeof stored === 'object' && !Array.isArray(stored) ? stored : {}) as Record<string, unknown>;
    this.cached = { prefs: parsePreferences(o), legacy: parseClinicRules(o, isDomainName) };
    return this.cached;
  }

  /** What applies now; the clinic file is read each time (the IT person may change it while the window runs). */
  read(): Settings {
    const { prefs, legacy } = this.load();
    return effectiveSettings(prefs, legacy, readClinicPolicy(this.home));
  }

  /** A change of the user's preferences (SETTING_FIXED_BY_CLINIC for a clinic rule or an idle lock above its ceiling). */
  update(patch: Record<string, unknown>): Settings {
    const allowed = checkUserPatch(patch, this.read());
    const { prefs, legacy } = this.load();
    const next = parsePreferences({ ...prefs, ...allowed });
    for (const [k, v] of Object.entries(allowed)) {
      if ((next as unknown as Record<string, unknown>)[k] !== v) throw new AppError('INVALID_ARGUMENT', `invalid value for ${k}`);
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      // the older clinic values stay where they were: they still apply until the clinic sets its own
      writeFileSync(tmp, JSON.stringify({ ...legacy, ...next }, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      throw new AppError('IO_FAILED', 'cannot write the settings file', { cause: err });
    }
    this.cached = { prefs: next, legacy };
    return this.read();
  }
}
