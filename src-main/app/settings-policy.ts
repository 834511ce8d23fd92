// Which settings belong to the clinic and which to the user, and how they combine (pure).
// - Clinic rules (written by the clinic's IT person with `mssante policy set`, never by the window:
//   a user or a compromised renderer must not weaken them): sending outside the MSSanté trust
//   space, the maximum card session length, the patients' domain, and a ceiling on the idle lock.
// - User preferences (the window's « Réglages », `settings.set`): remote images, read receipts,
//   conversations, and the idle lock within the clinic's ceiling.
// Where a clinic rule comes from, in order: the clinic file; else a value an older version kept in
// the user's settings.json (older versions let the window write them; kept so an installation keeps
// working: for outsideTrustSpace and maxSessionHours such a value can only be as strict as the
// default or stricter, and a test platform's patients' domain lived there); else the default.
import { AppError } from '../errors/index.js';
import { PATIENT_DOMAIN } from '../rules/messaging.js';

export const CLINIC_KEYS = ['outsideTrustSpace', 'maxSessionHours', 'patientDomain', 'idleLockMaxMinutes'] as const;
export type ClinicKey = (typeof CLINIC_KEYS)[number];
export const USER_KEYS = ['idleLockMinutes', 'remoteImages', 'groupThreads', 'readReceipts'] as const;
export type UserKey = (typeof USER_KEYS)[number];

export interface ClinicRules {
  outsideTrustSpace: 'block' | 'confirm';
  maxSessionHours: number;
  patientDomain: string;
  idleLockMaxMinutes: number;
}
export interface UserPreferences {
  idleLockMinutes: number;
  remoteImages: 'ask' | 'never';
  groupThreads: boolean;
  readReceipts: 'ask' | 'never';
}
/** 'clinic': the clinic file; 'legacy': an older settings.json; 'default': nobody set it. */
export type RuleSource = 'clinic' | 'legacy' | 'default';
/** The clinic file: only the rules the IT person set; `unreadable` when the file exists but cannot be read. */
export interface ClinicPolicy {
  rules: Partial<ClinicRules>;
  unreadable: boolean;
}

/** The référentiel's bounds: a session of 12 h at most; the idle lock between 1 min and 4 h. */
export const LIMITS = { maxSessionHours: { min: 1, max: 12 }, idleLockMinutes: { min: 1, max: 240 } } as const;

export const DEFAULT_CLINIC_RULES: Readonly<ClinicRules> = Object.freeze({
  outsideTrustSpace: 'confirm',
  maxSessionHours: LIMITS.maxSessionHours.max,
  patientDomain: PATIENT_DOMAIN,
  idleLockMaxMinutes: LIMITS.idleLockMinutes.max,
});
export const DEFAULT_PREFERENCES: Readonly<UserPreferences> = Object.freeze({
  idleLockMinutes: 10,
  remoteImages: 'ask',
  groupThreads: false,
  readReceipts: 'ask',
});

export interface EffectiveSettings extends UserPreferences, ClinicRules {
  clinic: Record<ClinicKey, RuleSource>;
}

/**
 * What applies: each clinic rule from its first source, and the user's idle lock no longer than
 * the clinic's ceiling. A clinic file that exists but cannot be read fails safe: sending outside
 * the trust space is blocked until the IT person fixes it (`mssante policy show` says so).
 */
export function effectiveSettings(prefs: UserPreferences, legacy: Partial<ClinicRules>, policy: ClinicPolicy): EffectiveSettings {
  const rules = { ...DEFAULT_CLINIC_RULES } as ClinicRules;
  const clinic = {} as Record<ClinicKey, RuleSource>;
  const set = <K extends ClinicKey>(key: K) => {
    const fromClinic = policy.rules[key];
    const fromLegacy = key === 'idleLockMaxMinutes' ? undefined : legacy[key];
    if (fromClinic !== undefined) {
      rules[key] = fromClinic as ClinicRules[K];
      clinic[key] = 'clinic';
    } else if (fromLegacy !== undefined) {
      rules[key] = fromLegacy as ClinicRules[K];
      clinic[key] = 'legacy';
    } else {
      clinic[key] = 'default';
    }
  };
  for (const key of CLINIC_KEYS) set(key);
  if (policy.unreadable && policy.rules.outsideTrustSpace === undefined) {
    rules.outsideTrustSpace = 'block';
    clinic.outsideTrustSpace = 'clinic';
  }
  return { ...prefs, ...rules, idleLockMinutes: Math.min(prefs.idleLockMinutes, rules.idleLockMaxMinutes), clinic };
}

/**
 * A change the user asks for (the window's `settings.set`): only preference keys, and an idle
 * lock within the clinic's ceiling. Throws SETTING_FIXED_BY_CLINIC otherwise, naming the key.
 */
export function checkUserPatch(patch: Record<string, unknown>, effective: Pick<ClinicRules, 'idleLockMaxMinutes'>): Partial<UserPreferences> {
  const out: Partial<UserPreferences> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!(USER_KEYS as readonly string[]).includes(key)) {
      throw new AppError('SETTING_FIXED_BY_CLINIC', `${key} is a clinic rule, not a user preference`, { data: { key } });
    }
    (out as Record<string, unknown>)[key] = value;
  }
  if (out.idleLockMinutes !== undefined && out.idleLockMinutes > effective.idleLockMaxMinutes) {
    throw new AppError('SETTING_FIXED_BY_CLINIC', 'idle lock above the clinic ceiling', { data: { key: 'idleLockMinutes', max: effective.idleLockMaxMinutes } });
  }
  return out;
}

/** The rules of a clinic file as read from JSON: each key kept only when valid (others dropped). */
export function parseClinicRules(raw: unknown, validDomain: (d: string) => boolean): Partial<ClinicRules> {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out: Partial<ClinicRules> = {};
  if (o.outsideTrustSpace === 'block' || o.outsideTrustSpace === 'confirm') out.outsideTrustSpace = o.outsideTrustSpace;
  const hours = o.maxSessionHours;
  if (Number.isInteger(hours) && (hours as number) >= LIMITS.maxSessionHours.min && (hours as number) <= LIMITS.maxSessionHours.max) out.maxSessionHours = hours as number;
  const idle = o.idleLockMaxMinutes;
  if (Number.isInteger(idle) && (idle as number) >= LIMITS.idleLockMinutes.min && (idle as number) <= LIMITS.idleLockMinutes.max) out.idleLockMaxMinutes = idle as number;
  if (typeof o.patientDomain === 'string' && validDomain(o.patientDomain)) out.patientDomain = o.patientDomain;
  return out;
}
