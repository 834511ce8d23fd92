// Clinic rules versus user preferences (app/settings-policy.ts, app/clinic-policy.ts, app/settings.ts):
// the clinic's file wins, an older settings.json keeps working, an unreadable clinic file fails
// safe, and neither the user nor a renderer going through the contract can weaken a clinic rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../../src-main/errors/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, Result, Settings } from '../../../src-main/ipc/contract.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { CLINIC_POLICY_FILE, readClinicPolicy, writeClinicPolicy } from '../../../src-main/app/clinic-policy.js';
import { checkUserPatch, DEFAULT_PREFERENCES, effectiveSettings } from '../../../src-main/app/settings-policy.js';
import { DEFAULT_SETTINGS, SettingsFile } from '../../../src-main/app/settings.js';

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mssante-policy-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const fixedByClinic = (key: string) => (e: unknown) => isAppError(e) && e.code === 'SETTING_FIXED_BY_CLINIC' && e.data.key === key;

test('each clinic rule comes from the clinic file, else an older settings.json, else the default', () => {
  const none = effectiveSettings(DEFAULT_PREFERENCES, {}, { rules: {}, unreadable: false });
  assert.deepEqual(
    { o: none.outsideTrustSpace, h: none.maxSessionHours, d: none.patientDomain, i: none.idleLockMaxMinutes },
    { o: 'confirm', h: 12, d: 'patient.mssante.fr', i: 240 },
  );
  assert.deepEqual(none.clinic, { outsideTrustSpace: 'default', maxSessionHours: 'default', patientDomain: 'default', idleLockMaxMinutes: 'default' });

  const legacy = effectiveSettings(DEFAULT_PREFERENCES, { outsideTrustSpace: 'block', patientDomain: 'patient.mssante.test' }, { rules: {}, unreadable: false });
  assert.equal(legacy.outsideTrustSpace, 'block');
  assert.equal(legacy.patientDomain, 'patient.mssante.test');
  assert.equal(legacy.clinic.outsideTrustSpace, 'legacy');

  const clinic = effectiveSettings(DEFAULT_PREFERENCES, { outsideTrustSpace: 'block', maxSessionHours: 4 }, { rules: { outsideTrustSpace: 'confirm', maxSessionHours: 8 }, unreadable: false });
  assert.equal(clinic.outsideTrustSpace, 'confirm', 'the clinic may allow what an older settings.json forbade');
  assert.equal(clinic.maxSessionHours, 8);
  assert.equal(clinic.clinic.maxSessionHours, 'clinic');
});

test('the idle lock the user chose never exceeds the clinic ceiling; a longer one is refused', () => {
  const s = effectiveSettings({ ...DEFAULT_PREFERENCES, idleLockMinutes: 60 }, {}, { rules: { idleLockMaxMinutes: 15 }, unreadable: false });
  assert.equal(s.idleLockMinutes, 15);
  assert.throws(() => checkUserPatch({ idleLockMinutes: 16 }, s), fixedByClinic('idleLockMinutes'));
  assert.deepEqual(checkUserPatch({ idleLockMinutes: 5, groupThreads: true, remoteImages: undefined }, s), { idleLockMinutes: 5, groupThreads: true });
});

test('a user patch naming a clinic rule is refused, whatever its value', () => {
  for (const [key, value] of [['outsideTrustSpace', 'confirm'], ['maxSessionHours', 12], ['patientDomain', 'exemple.fr'], ['idleLockMaxMinutes', 240], ['clinic', {}]] as const) {
    assert.throws(() => checkUserPatch({ [key]: value }, { idleLockMaxMinutes: 240 }), fixedByClinic(key), key);
  }
});

test('an unreadable clinic file fails safe (sending outside the trust space blocked); invalid values are dropped', withDir((dir) => {
  writeFileSync(join(dir, CLINIC_POLICY_FILE), '{ pas du json');
  const policy = readClinicPolicy(dir);
  assert.equal(policy.unreadable, true);
  const s = new SettingsFile(join(dir, 'settings.json')).read();
  assert.equal(s.outsideTrustSpace, 'block');
  assert.equal(s.clinic.outsideTrustSpace, 'clinic');

  writeFileSync(join(dir, CLINIC_POLICY_FILE), JSON.stringify({ outsideTrustSpace: 'peut-être', maxSessionHours: 24, idleLockMaxMinutes: 0, patientDomain: 'PAS UN DOMAINE' }));
  assert.deepEqual(readClinicPolicy(dir), { rules: {}, unreadable: false });
  assert.equal(new SettingsFile(join(dir, 'settings.json')).read().maxSessionHours, 12);
}));

test('an older settings.json keeps its clinic values (read as legacy), and keeps them when the user changes a preference', withDir((dir) => {
  const file = join(dir, 'settings.json');
  writeFileSync(file, JSON.stringify({ idleLockMinutes: 20, outsideTrustSpace: 'block', maxSessionHours: 6, patientDomain: 'patient.mssante.test' }));
  const settings = new SettingsFile(file);
  const s = settings.read();
  assert.deepEqual([s.idleLockMinutes, s.outsideTrustSpace, s.maxSessionHours, s.patientDomain], [20, 'block', 6, 'patient.mssante.test']);
  assert.deepEqual(s.clinic, { outsideTrustSpace: 'legacy', maxSessionHours: 'legacy', patientDomain: 'legacy', idleLockMaxMinutes: 'default' });
  settings.update({ groupThreads: true });
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual([stored.outsideTrustSpace, stored.maxSessionHours, stored.patientDomain, stored.groupThreads], ['block', 6, 'patient.mssante.test', true]);
  assert.throws(() => settings.update({ outsideTrustSpace: 'confirm' }), fixedByClinic('outsideTrustSpace'));
  assert.equal(new SettingsFile(file).read().outsideTrustSpace, 'block');
  // the clinic's own rule then applies, and the window sees where it comes from
  writeClinicPolicy(dir, { outsideTrustSpace: 'confirm' });
  assert.deepEqual([settings.read().outsideTrustSpace, settings.read().clinic.outsideTrustSpace], ['confirm', 'clinic']);
}));

test('through the contract, the renderer cannot change a clinic rule; its preferences are saved and journalled', withDir(async (dir) => {
  writeClinicPolicy(dir, { outsideTrustSpace: 'block', maxSessionHours: 8, idleLockMaxMinutes: 15 });
  const records: unknown[] = [];
  const core = createCoreApp({ emit: () => {}, settingsFile: join(dir, 'settings.json'), journal: { record: async (r: readonly unknown[]) => void records.push(...r) } as never });
  const handlers = core.services as unknown as ChannelHandlers;
  core.gate.unlock();
  for (const patch of [{ outsideTrustSpace: 'confirm' }, { maxSessionHours: 12 }, { patientDomain: 'patient.exemple.fr' }, { idleLockMaxMinutes: 240 }, { clinic: { outsideTrustSpace: 'default' } }, { idleLockMinutes: 5, outsideTrustSpace: 'confirm' }]) {
    const r = await dispatch(handlers, 'settings.set', patch as never);
    assert.equal(r.ok, false, JSON.stringify(patch));
  }
  const tooLong = await dispatch(handlers, 'settings.set', { idleLockMinutes: 30 });
  assert.equal(!tooLong.ok && tooLong.error.code, 'SETTING_FIXED_BY_CLINIC');
  assert.match(!tooLong.ok ? (tooLong.error.message ?? '') : '', /15 minutes/);
  const after = (await dispatch(handlers, 'settings.get', {})) as Result<Settings>;
  assert.ok(after.ok);
  assert.deepEqual([after.value.outsideTrustSpace, after.value.maxSessionHours, after.value.idleLockMinutes], ['block', 8, 10]);
  assert.deepEqual(records, [], 'nothing changed, nothing journalled');

  const ok = (await dispatch(handlers, 'settings.set', { idleLockMinutes: 5, readReceipts: 'never' })) as Result<Settings>;
  assert.ok(ok.ok && ok.value.idleLockMinutes === 5 && ok.value.readReceipts === 'never' && ok.value.outsideTrustSpace === 'block');
  assert.deepEqual(records, [{ action: 'settings.changed', data: { changes: { idleLockMinutes: 5, readReceipts: 'never' } } }]);
  assert.equal(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).outsideTrustSpace, undefined, 'settings.json never receives a clinic rule');
  assert.deepEqual(new SettingsFile(join(dir, 'settings.json')).read(), { ...DEFAULT_SETTINGS, idleLockMinutes: 5, readReceipts: 'never', outsideTrustSpace: 'block', maxSessionHours: 8, idleLockMaxMinutes: 15, clinic: { outsideTrustSpace: 'clinic', maxSessionHours: 'clinic', patientDomain: 'default', idleLockMaxMinutes: 'clinic' } });
}));
