import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { parseMessage } from '../../../src-main/store/parse.js';
import { createTrustProvider, importAnnuaire, isDecisionStale, TrustContext, senderFactsFromHeaders, trustProviderFor, verifyDkim, type TrustDecision } from '../../../src-main/trust/index.js';
import { extractionLine, referenceHeader } from './support/extraction.js';

const dirs: string[] = [];
let home: string;
let ctx: TrustContext;

function writeListeBlanche(dir: string, domains: string[], date = '2026-11-01T00:00:00Z'): string {
  const file = join(dir, 'listeblanchemssante.xml');
  writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>${date}</DateDeGeneration><ListeDomaines>${domains.map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join('')}</ListeDomaines></ListeBlancheMSSante>`);
  return file;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'trust-ctx-'));
  dirs.push(home);
  const file = join(home, 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(file, [
    referenceHeader(),
    extractionLine({ type: 'PER', address: 'jean.dupont@medecin.mssante.fr', nationalId: '810001234567', lastName: 'DUPONT', firstName: 'Jean', profession: 'Médecin', specialty: 'Cardiologie', postalCode: '29200', city: 'BREST', dematerialisation: 'true' }),
    extractionLine({ type: 'ORG', address: 'secretariat@hôpital-sud.mssante.fr', structureName: 'HÔPITAL SUD', postalCode: '35000', city: 'RENNES' }),
    extractionLine({ type: 'PER', address: 'paul.durand@ancien-operateur.fr', nationalId: '810009999999', lastName: 'DURAND', firstName: 'Paul', profession: 'Pharmacien' }),
  ].join('\n') + '\n');
  await importAnnuaire(file, { home });
  const { importListeBlanche } = await import('../../../src-main/trust/index.js');
  await importListeBlanche(writeListeBlanche(home, ['medecin.mssante.fr', 'hôpital-sud.mssante.fr']), { home });
  ctx = TrustContext.open(home);
});
after(() => {
  ctx?.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

test('decisions from real header values: verified professional, organisation (Unicode domain), outside, look-alike', () => {
  const dupont = ctx.decide(senderFactsFromHeaders({ from: '"Dr Jean Dupont" <Jean.Dupont@medecin.mssante.fr>', returnPath: '<jean.dupont@medecin.mssante.fr>' }));
  assert.equal(dupont.level, 'verified_professional');
  assert.equal(dupont.identity?.nationalId, '810001234567');
  assert.match(dupont.basis.annuaire ?? '', /^2026-11-26T03:00:00#[0-9a-f]{12}$/);
  assert.match(dupont.basis.listeBlanche ?? '', /^2026-11-01T00:00:00Z#/);

  const org = ctx.decide(senderFactsFromHeaders({ from: '=?UTF-8?Q?Secr=C3=A9tariat?= <secretariat@xn--hpital-sud-rbb.mssante.fr>' }));
  assert.equal(org.level, 'verified_organization');
  assert.equal(org.identity?.structure, 'HÔPITAL SUD');

  assert.equal(ctx.decide(senderFactsFromHeaders({ from: 'paul.durand@ancien-operateur.fr' })).level, 'outside_trust_space');

  const fake = ctx.decide(senderFactsFromHeaders({ from: '"Dr Jеan Dupont" <jean.dupont.cardio@gmail.com>' }));
  assert.equal(fake.level, 'suspicious');
  assert.equal(fake.imitated?.address, 'jean.dupont@medecin.mssante.fr');
  const typo = ctx.decide(senderFactsFromHeaders({ from: 'Dr Jean Dupond <jdupond@medecin.mssante.fr>' }));
  assert.equal(typo.level, 'suspicious', 'one letter changed, even from a trusted domain');
  assert.equal(typo.imitated?.name, 'Jean DUPONT');
  assert.equal(ctx.decide(senderFactsFromHeaders({ from: 'Jeanne Dupuis <jeanne.dupuis@medecin.mssante.fr>' })).level, 'trusted_domain_unknown_address');
});

test('header facts: display names decoded, Sender and bounce Return-Path understood, several From kept', () => {
  const facts = senderFactsFromHeaders({ from: 'a@x.fr, b@y.fr', sender: 'Secrétaire <s@x.fr>', returnPath: '<>' });
  assert.equal(facts.from.length, 2);
  assert.equal(facts.sender?.address, 's@x.fr');
  assert.equal(facts.envelopeFrom, '');
  assert.equal(ctx.decide(facts).level, 'suspicious');
});

test('recipient check: syntax + liste blanche domain (Unicode or punycode)', () => {
  assert.deepEqual(ctx.isAddressInTrustSpace('Jean.Dupont@Medecin.MSSante.fr'), {
    address: 'Jean.Dupont@Medecin.MSSante.fr', normalised: 'jean.dupont@medecin.mssante.fr', syntaxValid: true, domainInListeBlanche: true, inTrustSpace: true,
  });
  assert.equal(ctx.isAddressInTrustSpace('accueil@hôpital-sud.mssante.fr').inTrustSpace, true);
  assert.equal(ctx.isAddressInTrustSpace('patient@gmail.com').inTrustSpace, false);
  const bad = ctx.isAddressInTrustSpace('jean dupont@medecin.mssante.fr');
  assert.equal(bad.syntaxValid, false);
  assert.equal(bad.inTrustSpace, false);
});

test('autocomplete: annuaire entries with their badge and the dématérialisation flag', () => {
  const [dupont] = ctx.autocomplete('dupo');
  assert.equal(dupont?.address, 'jean.dupont@medecin.mssante.fr');
  assert.equal(dupont?.badge, 'verified_professional');
  assert.equal(dupont?.dematerialisation, true);
  assert.equal(dupont?.name, 'Jean DUPONT');
  assert.equal(ctx.autocomplete('hopital sud')[0]?.badge, 'verified_organization');
  assert.equal(ctx.autocomplete('durand')[0]?.badge, 'outside_trust_space', 'in the annuaire but its domain left the liste blanche');
  assert.deepEqual(ctx.autocomplete('d'), [], 'one letter proposes nothing');
});

test('a new liste blanche is picked up by refresh() and changes the decision basis', async () => {
  const before = ctx.basis.listeBlanche;
  const dir = mkdtempSync(join(tmpdir(), 'trust-ctx-lb-'));
  dirs.push(dir);
  const { importListeBlanche } = await import('../../../src-main/trust/index.js');
  await importListeBlanche(writeListeBlanche(dir, ['medecin.mssante.fr', 'hôpital-sud.mssante.fr', 'ancien-operateur.fr'], '2026-11-20T00:00:00Z'), { home });
  const old = ctx.decide(senderFactsFromHeaders({ from: 'paul.durand@ancien-operateur.fr' }));
  assert.equal(isDecisionStale(old, ctx), false);
  assert.equal(ctx.refresh(), true);
  assert.notEqual(ctx.basis.listeBlanche, before);
  assert.equal(isDecisionStale(old, ctx), true, 'decisions stored before the new liste blanche are to be recomputed');
  assert.equal(ctx.decide(senderFactsFromHeaders({ from: 'paul.durand@ancien-operateur.fr' })).level, 'verified_professional');
});

test('annuaire rows are cached by address during a sync, and a new annuaire picked up by refresh() clears the cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trust-ctx-cache-'));
  dirs.push(dir);
  const extraction = (name: string, address: string): string => {
    const file = join(dir, name);
    writeFileSync(file, [referenceHeader(), extractionLine({ type: 'PER', address, nationalId: '810001111111', lastName: 'MARTIN', firstName: 'Léa', profession: 'Médecin' })].join('\n') + '\n');
    return file;
  };
  await importAnnuaire(extraction('Extraction_Correspondance_MSSante_202611260300.txt', 'lea.martin@medecin.mssante.fr'), { home: dir });
  const c = TrustContext.open(dir);
  try {
    assert.equal(c.lookupAddress('lea.martin@medecin.mssante.fr')?.lastName, 'MARTIN');
    assert.equal(c.lookupAddress('lea.martin@pediatre.mssante.fr'), null);
    assert.equal(c.lookupAddress('lea.martin@medecin.mssante.fr'), c.lookupAddress('lea.martin@medecin.mssante.fr'), 'the same row object: served from the cache');
    await importAnnuaire(extraction('Extraction_Correspondance_MSSante_202611270300.txt', 'lea.martin@pediatre.mssante.fr'), { home: dir });
    assert.equal(c.refresh(), true);
    assert.equal(c.lookupAddress('lea.martin@medecin.mssante.fr'), null, 'a cached row of the old annuaire is not served');
    assert.equal(c.lookupAddress('lea.martin@pediatre.mssante.fr')?.lastName, 'MARTIN', 'a cached "not listed" of the old annuaire is not served');
  } finally {
    c.close();
  }
});

test('DKIM through mailauth: pass with the signer key, fail when the body was altered, unverifiable without DNS', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = 'From: Jean Dupont <jean.dupont@medecin.mssante.fr>\r\nTo: x@y.fr\r\nSubject: test\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\nMessage-ID: <1@medecin.mssante.fr>\r\n\r\nBonjour\r\n';
  // mailauth's typings want the key at the top level, its signer reads signatureData: give both.
  const key = { signingDomain: 'medecin.mssante.fr', selector: 'mss', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  const signed = await dkimSign(message, { ...key, signatureData: [key] });
  const raw = signed.signatures + message;
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const resolver = async (name: string, type: string) => {
    if (name === 'mss._domainkey.medecin.mssante.fr' && type === 'TXT') return [[`v=DKIM1; k=rsa; p=${spki}`]];
    throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' });
  };
  assert.deepEqual(await verifyDkim(raw, { resolver }), [{ domain: 'medecin.mssante.fr', selector: 'mss', result: 'pass' }]);
  assert.equal((await verifyDkim(raw.replace('Bonjour', 'Bonjour, virement urgent'), { resolver }))[0]?.result, 'fail');
  const offline = async () => {
    throw Object.assign(new Error('offline'), { code: 'ECONNREFUSED' });
  };
  assert.equal((await verifyDkim(raw, { resolver: offline }))[0]?.result, 'temperror');
  const facts = { ...senderFactsFromHeaders({ from: 'Jean Dupont <jean.dupont@medecin.mssante.fr>' }), dkim: await verifyDkim(raw, { resolver }) };
  assert.equal(ctx.decide(facts).reasons.find((r) => r.check === 'dkim')?.status, 'passed');
});

test('store hook: the decision computed from a parsed message (encoded display name, Return-Path) is JSON the store can keep', async () => {
  const provider = trustProviderFor(ctx);
  const raw = Buffer.from('Return-Path: <jean.dupont@medecin.mssante.fr>\r\nFrom: =?UTF-8?B?RHIgSmVhbiBEdXBvbnQ=?= <jean.dupont@medecin.mssante.fr>\r\nTo: x@medecin.mssante.fr\r\nSubject: CR\r\n\r\nTexte\r\n');
  const decision = provider(await parseMessage(raw), { folderPath: 'INBOX', raw }) as TrustDecision;
  assert.equal(decision.level, 'verified_professional');
  assert.equal(decision.reasons.find((r) => r.check === 'envelope_matches_from')?.detail, 'same_address');
  assert.deepEqual(JSON.parse(JSON.stringify(decision)), decision);
  const spoof = Buffer.from('Return-Path: <bulk@mailer.example>\r\nFrom: Jean Dupont <jean.dupont@medecin.mssante.fr>\r\nSubject: x\r\n\r\nx\r\n');
  assert.equal((provider(await parseMessage(spoof), { folderPath: 'INBOX', raw: spoof }) as TrustDecision).level, 'suspicious');
});

test('a damaged annuaire or liste blanche does not stop a sync: treated as not imported, reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trust-ctx-bad-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'annuaire.sqlite'), 'pas une base');
  writeFileSync(join(dir, 'listeblanche.json'), '{tronqué');
  const problems: string[] = [];
  const provider = createTrustProvider(dir, (p) => problems.push(p.code));
  const raw = Buffer.from('From: Jean Dupont <jean.dupont@medecin.mssante.fr>\r\nSubject: x\r\n\r\nx\r\n');
  assert.equal((provider(await parseMessage(raw), { folderPath: 'INBOX', raw }) as TrustDecision).level, 'outside_trust_space');
  assert.deepEqual(problems.sort(), ['ANNUAIRE_NOT_IMPORTED', 'IO_FAILED']);
  assert.throws(() => TrustContext.open(dir));
});
