// `mssante policy show|set|unset`: the clinic's rules of the data folder (app/clinic-policy.ts),
// written by the IT person, never by the window; each change waits in the pending journal until
// the next card unlock (no card here); an older settings.json's values show as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClinicPolicy } from '../../../src-main/app/clinic-policy.js';
import { SettingsFile } from '../../../src-main/app/settings.js';
import { JsonFileAccountRepository } from '../../../src-main/accounts/account-repository.js';
import { runMssante } from '../../support/cli.js';
import { closedPort } from '../../support/ports.js';

test('policy set/unset writes the clinic rules, journals each change, and the settings apply them', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-policy-cli-'));
  // without a card: a clinic rule needs none, and no test key seam may stand in for it
  const env = { MSSANTE_STORE_KEY: '' };
  try {
    const shown = await runMssante(['--home', home, 'policy', 'show', '--json'], { env });
    assert.equal(shown.code, 0, shown.stderr);
    const rules = (JSON.parse(shown.stdout) as { rules: { rule: string; value: unknown; source: string }[] }).rules;
    assert.deepEqual(rules.map((r) => [r.rule, r.value, r.source]), [
      ['outside-trust-space', 'confirm', 'default'],
      ['max-session-hours', 12, 'default'],
      ['idle-lock-max-minutes', 240, 'default'],
      ['patient-domain', 'patient.mssante.fr', 'default'],
    ]);

    const block = await runMssante(['--home', home, 'policy', 'set', 'outside-trust-space', 'block'], { env });
    assert.equal(block.code, 0, block.stderr);
    assert.match(block.stdout, /Règle de l’établissement enregistrée : Envoi hors de l’espace de confiance MSSanté — interdit/);
    const hours = await runMssante(['--home', home, 'policy', 'set', 'max-session-hours', '8', '--json'], { env });
    assert.deepEqual(JSON.parse(hours.stdout), { ok: true, rule: 'max-session-hours', key: 'maxSessionHours', value: 8, source: 'clinic' });
    assert.equal((await runMssante(['--home', home, 'policy', 'set', 'patient-domain', 'Patient.MSSante.test'], { env })).code, 0);
    assert.deepEqual(readClinicPolicy(home).rules, { outsideTrustSpace: 'block', maxSessionHours: 8, patientDomain: 'patient.mssante.test' });
    const s = new SettingsFile(join(home, 'settings.json')).read();
    assert.deepEqual([s.outsideTrustSpace, s.maxSessionHours, s.patientDomain, s.clinic.outsideTrustSpace], ['block', 8, 'patient.mssante.test', 'clinic']);
    const pending = readFileSync(join(home, 'journal-pending.jsonl'), 'utf8');
    assert.match(pending, /"settings\.changed".*"clinic\.outsideTrustSpace":"block"/);
    assert.match(pending, /"clinic\.maxSessionHours":8/);

    const text = await runMssante(['--home', home, 'policy', 'show'], { env });
    assert.match(text.stdout, /Durée maximale d’une session carte \(heures\) : 8 — fixé par l’établissement \(max-session-hours\)/);

    for (const [rule, value, hint] of [['max-session-hours', '24', /de 1 à 12/], ['outside-trust-space', 'peut-être', /block \(interdit\) ou confirm/], ['patient-domain', 'pas un domaine', /nom de domaine/]] as const) {
      const bad = await runMssante(['--home', home, 'policy', 'set', rule, value], { env });
      assert.notEqual(bad.code, 0, rule);
      assert.match(bad.stderr, new RegExp(`Valeur « ${value} » refusée pour la règle ${rule}`));
      assert.match(bad.stderr, hint);
    }
    const unknown = await runMssante(['--home', home, 'policy', 'set', 'remote-images', 'never'], { env });
    assert.match(unknown.stderr, /Règle inconnue « remote-images »/);
    assert.equal(readClinicPolicy(home).rules.maxSessionHours, 8, 'a refused value changes nothing');

    const unset = await runMssante(['--home', home, 'policy', 'unset', 'outside-trust-space', '--json'], { env });
    assert.deepEqual(JSON.parse(unset.stdout), { ok: true, rule: 'outside-trust-space', key: 'outsideTrustSpace', value: 'confirm', source: 'default' });
    assert.match(readFileSync(join(home, 'journal-pending.jsonl'), 'utf8'), /"clinic\.outsideTrustSpace":null/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('policy show names what an older settings.json still fixes, and an unreadable clinic file', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-policy-cli-'));
  const env = { MSSANTE_STORE_KEY: '' };
  try {
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ outsideTrustSpace: 'block', idleLockMinutes: 5 }));
    const legacy = await runMssante(['--home', home, 'policy', 'show'], { env });
    assert.match(legacy.stdout, /Envoi hors de l’espace de confiance MSSanté : interdit \(block\) — repris de l’ancien fichier settings\.json/);
    writeFileSync(join(home, 'clinic-policy.json'), '{ cassé');
    const broken = await runMssante(['--home', home, 'policy', 'show', '--json'], { env });
    const out = JSON.parse(broken.stdout) as { unreadable: boolean; rules: { rule: string; value: unknown }[] };
    assert.equal(out.unreadable, true);
    assert.equal(out.rules.find((r) => r.rule === 'outside-trust-space')!.value, 'block');
    const text = await runMssante(['--home', home, 'policy', 'show'], { env });
    assert.match(text.stdout, /illisible : l’envoi hors de l’espace de confiance est interdit/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('send --patient-domain cannot replace the patients\' domain the clinic fixed (refused before the card)', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-policy-cli-'));
  const env = { MSSANTE_STORE_KEY: '' };
  try {
    await JsonFileAccountRepository.inHome(home).save({
      address: 'anais.fabre@medecin.mssante.fr',
      imap: { host: '127.0.0.1', port: await closedPort(), security: 'tls' },
      smtp: { host: '127.0.0.1', port: await closedPort(), security: 'tls' },
      auth: { kind: 'card' },
      createdAt: new Date().toISOString(),
    });
    assert.equal((await runMssante(['--home', home, 'policy', 'set', 'patient-domain', 'patient.mssante.test'], { env })).code, 0);
    const patient = ['--to-patient', '--patient-ins', '279035121518989', '--patient-oid', '1.2.250.1.213.1.4.10', '--patient-traits', 'PAT-TROIS,DOMINIQUE,1979-03-28,F', '--subject', 'Vos résultats', '--body', 'Bonjour'];
    const other = await runMssante(['--home', home, 'send', ...patient, '--patient-domain', 'patient.mssante.fr'], { env });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /Le domaine des messageries patients est fixé par votre établissement \(patient\.mssante\.test\) : retirez l’option --patient-domain/);
    // the same domain, or none: past this check (then the card is asked for the store)
    for (const extra of [['--patient-domain', 'patient.mssante.test'], []]) {
      const r = await runMssante(['--home', home, 'send', ...patient, ...extra], { env });
      assert.doesNotMatch(r.stderr, /fixé par votre établissement/, extra.join(' '));
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
