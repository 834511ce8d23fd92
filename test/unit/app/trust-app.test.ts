// Autocomplete and recipient checks through the contract, over a real
// annuaire + liste blanche imported by the trust module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importAnnuaire, importListeBlanche, TrustContext } from '../../../src-main/trust/index.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers } from '../../../src-main/ipc/contract.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import { badgeFromDecision } from '../../../src-main/trust/badge.js';
import { extractionLine, referenceHeader } from '../trust/support/extraction.js';

const home = mkdtempSync(join(tmpdir(), 'mssante-trustapp-'));
let ctx: TrustContext;
let handlers: ChannelHandlers;
let noTrust: ChannelHandlers;

before(async () => {
  const file = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(file, [
    referenceHeader(),
    extractionLine({ type: 'PER', address: 'jean.dupont@medecin.mssante.fr', nationalId: '810001234567', lastName: 'DUPONT', firstName: 'Jean', profession: 'Médecin', specialty: 'Cardiologie', postalCode: '29200', city: 'BREST', dematerialisation: 'true' }),
    extractionLine({ type: 'ORG', address: 'secretariat@hopital-sud.mssante.fr', structureName: 'HÔPITAL SUD', postalCode: '35000', city: 'RENNES' }),
  ].join('\n') + '\n');
  await importAnnuaire(file, { home });
  const lb = join(home, 'listeblanchemssante.xml');
  writeFileSync(lb, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.fr</Nom></Domaine><Domaine><Nom>hopital-sud.mssante.fr</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
  await importListeBlanche(lb, { home });
  ctx = TrustContext.open(home);
  const core = createCoreApp({ emit: () => {}, settingsFile: join(home, 'settings.json'), trust: () => ctx });
  core.gate.unlock();
  handlers = core.services as unknown as ChannelHandlers;
  const bare = createCoreApp({ emit: () => {}, settingsFile: join(home, 'settings2.json'), trust: () => null });
  bare.gate.unlock();
  noTrust = bare.services as unknown as ChannelHandlers;
});

after(() => {
  ctx.close();
  rmSync(home, { recursive: true, force: true });
});

test('autocomplete proposes annuaire entries with badge and dématérialisation flag', async () => {
  const r = await dispatch(handlers, 'annuaire.search', { query: 'dupont', limit: 10 });
  assert.deepEqual(r, {
    ok: true,
    value: {
      entries: [{
        address: 'jean.dupont@medecin.mssante.fr',
        identity: { kind: 'PER', name: 'Jean DUPONT', profession: 'Médecin', specialty: 'Cardiologie', nationalId: '10001234567', city: 'BREST' },
        dematerialisation: true,
        trust: 'verified_professional',
      }],
    },
  });
  assert.deepEqual(await dispatch(noTrust, 'annuaire.search', { query: 'dupont', limit: 10 }), { ok: true, value: { entries: [] } });
});

test('recipient check: trust space or not, with the annuaire identity when known', async () => {
  const r = await dispatch(handlers, 'recipients.check', { addresses: ['Jean.Dupont@medecin.mssante.fr', 'someone@gmail.com', 'not an address'] });
  assert.ok(r.ok);
  const [dupont, gmail, bad] = (r.value as { results: { address: string; syntaxValid: boolean; inTrustSpace: boolean; identity?: { name: string }; dematerialisation?: boolean }[] }).results;
  assert.equal(dupont!.inTrustSpace, true);
  assert.equal(dupont!.identity?.name, 'Jean DUPONT');
  assert.equal(dupont!.dematerialisation, true);
  assert.deepEqual(gmail, { address: 'someone@gmail.com', syntaxValid: true, inTrustSpace: false });
  assert.deepEqual(bad, { address: 'not an address', syntaxValid: false, inTrustSpace: false });
  const blind = await dispatch(noTrust, 'recipients.check', { addresses: ['jean.dupont@medecin.mssante.fr'] });
  assert.deepEqual(blind, { ok: true, value: { results: [{ address: 'jean.dupont@medecin.mssante.fr', syntaxValid: true, inTrustSpace: false }] } }, 'without a liste blanche nothing is trusted');
});

test('a stored decision becomes the French badge; anything else is "non vérifié"', () => {
  const outside = badgeFromDecision({ level: 'outside_trust_space', reasons: [{ check: 'domain_in_liste_blanche', status: 'failed' }], identity: null, basis: { annuaire: null, listeBlanche: null } });
  assert.equal(outside.label, 'Hors espace de confiance');
  assert.equal(outside.tone, 'warning');
  assert.deepEqual(outside.reasons, ['Domaine absent de la liste blanche MSSanté']);
  for (const junk of [null, {}, { level: 'verified' }, 'verified_professional']) {
    assert.equal(badgeFromDecision(junk).level, 'unknown');
  }
});
