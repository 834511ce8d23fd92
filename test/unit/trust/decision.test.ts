import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TRUST_LEVELS, TRUST_LEVEL_LABELS_FR, decideSenderTrust, decisionSummaryFr, reasonLabelFr,
  type AnnuaireEntry, type TrustDecision, type TrustInput, type TrustReason,
} from '../../../src-main/trust/index.js';

function person(over: Partial<AnnuaireEntry>): AnnuaireEntry {
  return {
    address: 'jean.dupont@medecin.mssante.fr', type: 'PER', nationalId: '810001234567', nationalIdType: 'RPPS', civility: 'M',
    lastName: 'DUPONT', firstName: 'Jean', profession: 'Médecin', professionCode: '10', professionCategory: 'Civil',
    specialty: 'Cardiologie et maladies vasculaires', specialtyCode: 'SM04', service: null, structureId: null,
    structureName: 'CENTRE HOSPITALIER DE BREST', tradeName: null, street: null, postalCode: '29200', city: 'BREST',
    department: '29', country: 'France', dematerialisation: true, ...over,
  };
}
const DUPONT = person({});
const SECRETARIAT = person({
  address: 'secretariat@ch-brest.mssante.fr', type: 'ORG', nationalId: null, nationalIdType: null, lastName: null, firstName: null,
  profession: null, specialty: null, structureName: 'CHU DE BREST', service: 'Cardiologie',
});
const TRUSTED = ['medecin.mssante.fr', 'ch-brest.mssante.fr', 'infirmier.mssante.fr'];
const BASIS = { annuaire: '2026-11-26T03:00:00#abc', listeBlanche: '2025-02-28T15:42:07Z#def' };

function input(over: Partial<Omit<TrustInput, 'message'>> & { from?: TrustInput['message']['from']; message?: Partial<TrustInput['message']> }): TrustInput {
  const fromAddress = (over.from ?? over.message?.from ?? [{ address: DUPONT.address, displayName: 'Dr Jean Dupont' }])[0]?.address ?? '';
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  return {
    message: { from: over.from ?? [{ address: DUPONT.address, displayName: 'Dr Jean Dupont' }], ...over.message },
    fromEntry: over.fromEntry === undefined ? DUPONT : over.fromEntry,
    namesakes: over.namesakes ?? [],
    trustedDomains: over.trustedDomains ?? TRUSTED.filter((d) => d === domain || [over.message?.sender?.address, over.message?.envelopeFrom].some((a) => a?.endsWith('@' + d))),
    basis: BASIS,
  };
}

function reason(d: TrustDecision, check: TrustReason['check']): TrustReason | undefined {
  return d.reasons.find((r) => r.check === check);
}

test('verified professional: in the annuaire as PER, domain in the liste blanche; identity carried', () => {
  const d = decideSenderTrust(input({ message: { from: [{ address: 'Jean.Dupont@Medecin.mssante.fr', displayName: 'Dr Jean DUPONT' }], envelopeFrom: 'jean.dupont@medecin.mssante.fr', dkim: [{ domain: 'medecin.mssante.fr', result: 'pass' }] } }));
  assert.equal(d.level, 'verified_professional');
  assert.deepEqual(
    d.reasons.map((r) => [r.check, r.status, r.detail ?? '']),
    [
      ['from_address', 'passed', ''],
      ['domain_in_liste_blanche', 'passed', ''],
      ['address_in_annuaire', 'passed', ''],
      ['mailbox_type', 'passed', 'PER'],
      ['display_name', 'passed', 'matches_annuaire'],
      ['sender_matches_from', 'not_applicable', 'absent'],
      ['envelope_matches_from', 'passed', 'same_address'],
      ['dkim', 'passed', 'aligned_pass'],
    ],
  );
  assert.deepEqual(
    { name: d.identity?.name, profession: d.identity?.profession, specialty: d.identity?.specialty, nationalId: d.identity?.nationalId, type: d.identity?.nationalIdType, structure: d.identity?.structure },
    { name: 'Jean DUPONT', profession: 'Médecin', specialty: 'Cardiologie et maladies vasculaires', nationalId: '810001234567', type: 'RPPS', structure: 'CENTRE HOSPITALIER DE BREST' },
  );
  assert.deepEqual(d.basis, BASIS);
  assert.equal(decisionSummaryFr(d), 'Professionnel vérifié — Jean DUPONT, Médecin, Cardiologie et maladies vasculaires (RPPS 10001234567)');
});

test('verified organisation: an ORG mailbox of the annuaire', () => {
  const d = decideSenderTrust(input({ from: [{ address: SECRETARIAT.address, displayName: 'Secrétariat cardiologie' }], fromEntry: SECRETARIAT }));
  assert.equal(d.level, 'verified_organization');
  assert.equal(reason(d, 'mailbox_type')?.detail, 'ORG');
  assert.equal(d.identity?.structure, 'CHU DE BREST');
});

test('trusted domain, unknown address: liste blanche yes, annuaire no', () => {
  const d = decideSenderTrust(input({ from: [{ address: 'nouveau@medecin.mssante.fr', displayName: 'Nouveau Collègue' }], fromEntry: null }));
  assert.equal(d.level, 'trusted_domain_unknown_address');
  assert.equal(reason(d, 'domain_in_liste_blanche')?.status, 'passed');
  assert.equal(reason(d, 'address_in_annuaire')?.status, 'failed');
  assert.equal(d.identity, null);
});

test('outside the trust space: the domain is not in the liste blanche, even if the address were in the annuaire', () => {
  const d = decideSenderTrust(input({ from: [{ address: 'someone@gmail.com' }], fromEntry: null }));
  assert.equal(d.level, 'outside_trust_space');
  assert.equal(reason(d, 'domain_in_liste_blanche')?.status, 'failed');
  const listed = decideSenderTrust(input({ trustedDomains: [] }));
  assert.equal(listed.level, 'outside_trust_space');
});

test('suspicious: no From, several From, invalid From', () => {
  for (const from of [[], [{ address: 'a@medecin.mssante.fr' }, { address: 'b@medecin.mssante.fr' }], [{ address: 'not an address' }]]) {
    const d = decideSenderTrust(input({ from, fromEntry: null }));
    assert.equal(d.level, 'suspicious');
    assert.equal(reason(d, 'from_address')?.status, 'failed');
  }
});

test('look-alike display name (Cyrillic letters) imitating an annuaire professional is suspicious, even from a trusted domain', () => {
  const imitation = 'Dr Jеan Dupоnt'; // Cyrillic е and о
  const d = decideSenderTrust(input({ from: [{ address: 'secretariat2@ch-brest.mssante.fr', displayName: imitation }], fromEntry: null, namesakes: [DUPONT] }));
  assert.equal(d.level, 'suspicious');
  assert.equal(reason(d, 'display_name')?.detail, 'imitates_professional');
  assert.equal(d.imitated?.address, DUPONT.address);
  const typo = decideSenderTrust(input({ from: [{ address: 'jdupont@gmail.com', displayName: 'Jean Dupond' }], fromEntry: null, namesakes: [DUPONT] }));
  assert.equal(typo.level, 'suspicious');
});

test('the exact name of another professional: suspicious outside the trust space, not verified inside', () => {
  const outside = decideSenderTrust(input({ from: [{ address: 'jean.dupont.cardio@gmail.com', displayName: 'Jean DUPONT' }], fromEntry: null, namesakes: [DUPONT] }));
  assert.equal(outside.level, 'suspicious');
  assert.equal(reason(outside, 'display_name')?.detail, 'name_of_other_professional');
  const otherVerified = person({ address: 'p.martin@medecin.mssante.fr', lastName: 'MARTIN', firstName: 'Paul' });
  const inside = decideSenderTrust(input({ from: [{ address: otherVerified.address, displayName: 'Jean Dupont' }], fromEntry: otherVerified, namesakes: [DUPONT] }));
  assert.equal(inside.level, 'trusted_domain_unknown_address');
  assert.equal(inside.identity?.name, 'Paul MARTIN');
  assert.equal(inside.imitated?.name, 'Jean DUPONT');
});

test('a namesake does not hurt the real owner of the name', () => {
  const homonym = person({ address: 'jean.dupont2@infirmier.mssante.fr', profession: 'Infirmier' });
  const d = decideSenderTrust(input({ namesakes: [DUPONT, homonym] }));
  assert.equal(d.level, 'verified_professional');
  assert.equal(reason(d, 'display_name')?.detail, 'matches_annuaire');
});

test('a display name carrying another address is suspicious', () => {
  const d = decideSenderTrust(input({ from: [{ address: DUPONT.address, displayName: 'chef.service@ch-brest.mssante.fr' }] }));
  assert.equal(d.level, 'suspicious');
  assert.equal(reason(d, 'display_name')?.detail, 'contains_other_address');
  const own = decideSenderTrust(input({ from: [{ address: DUPONT.address, displayName: DUPONT.address }] }));
  assert.equal(own.level, 'verified_professional');
});

test('Sender / envelope different from From lower the level', () => {
  const sameDomain = decideSenderTrust(input({ message: { sender: { address: 'secretaire@medecin.mssante.fr' }, envelopeFrom: 'bounces+x@medecin.mssante.fr' } }));
  assert.equal(sameDomain.level, 'verified_professional');
  assert.equal(reason(sameDomain, 'sender_matches_from')?.detail, 'same_domain');

  const otherTrusted = decideSenderTrust(input({ message: { sender: { address: 'secretariat@ch-brest.mssante.fr' } } }));
  assert.equal(otherTrusted.level, 'trusted_domain_unknown_address');
  assert.equal(reason(otherTrusted, 'sender_matches_from')?.status, 'failed');
  assert.equal(otherTrusted.identity?.name, 'Jean DUPONT', 'identity still shown, but not as verified');

  const envelopeOutside = decideSenderTrust(input({ message: { envelopeFrom: 'mailer@phish.example' } }));
  assert.equal(envelopeOutside.level, 'suspicious');
  assert.equal(reason(envelopeOutside, 'envelope_matches_from')?.detail, 'domain_outside_trust_space');

  const bounce = decideSenderTrust(input({ message: { envelopeFrom: '' } }));
  assert.equal(bounce.level, 'verified_professional');
  assert.equal(reason(bounce, 'envelope_matches_from')?.detail, 'bounce');
});

test('DKIM: a failing signature of the From domain removes the verified badge; unaligned or unverifiable is neutral', () => {
  const fail = decideSenderTrust(input({ message: { dkim: [{ domain: 'medecin.mssante.fr', result: 'fail' }] } }));
  assert.equal(fail.level, 'trusted_domain_unknown_address');
  assert.equal(reason(fail, 'dkim')?.status, 'failed');
  const other = decideSenderTrust(input({ message: { dkim: [{ domain: 'relay.example', result: 'pass' }] } }));
  assert.equal(other.level, 'verified_professional');
  assert.equal(reason(other, 'dkim')?.detail, 'pass_not_aligned');
  const offline = decideSenderTrust(input({ message: { dkim: [{ domain: 'mssante.fr', result: 'temperror' }] } }));
  assert.equal(reason(offline, 'dkim')?.detail, 'offline', 'the From domain\'s key could not be fetched: "non vérifiable hors ligne"');
  assert.equal(offline.level, 'verified_professional');
  assert.equal(reason(decideSenderTrust(input({})), 'dkim')?.detail, 'absent');
});

test('every level and every reason has French wording', () => {
  for (const level of TRUST_LEVELS) assert.match(TRUST_LEVEL_LABELS_FR[level].label, /\p{L}/u);
  const d = decideSenderTrust(input({ message: { sender: { address: 'x@gmail.com' } } }));
  assert.equal(reasonLabelFr(reason(d, 'sender_matches_from')!), 'L’en-tête Sender désigne une autre adresse que l’expéditeur (domaine hors espace de confiance)');
  for (const r of d.reasons) assert.ok(reasonLabelFr(r).length > 10);
});

test('a display name carrying another professional’s name among other words is flagged (issue 15)', () => {
  const outside = decideSenderTrust(input({ from: [{ address: 'secretariat@exemple-hors-sante.fr', displayName: 'Dr Jean DUPONT - Cardiologie CHU Brest' }], fromEntry: null, namesakes: [DUPONT] }));
  assert.equal(outside.level, 'suspicious');
  assert.equal(reason(outside, 'display_name')?.status, 'failed');
  assert.equal(reason(outside, 'display_name')?.detail, 'name_of_other_professional');
  const cyrillic = decideSenderTrust(input({ from: [{ address: 'secretariat2@ch-brest.mssante.fr', displayName: 'Dr Jеan Dupоnt - CHU Brest' }], fromEntry: null, namesakes: [DUPONT] }));
  assert.equal(cyrillic.level, 'suspicious');
  assert.equal(reason(cyrillic, 'display_name')?.detail, 'imitates_professional');
  const own = decideSenderTrust(input({ from: [{ address: DUPONT.address, displayName: 'Dr Jean DUPONT - Cardiologie' }], namesakes: [DUPONT, person({ address: 'jean.dupont2@infirmier.mssante.fr' })] }));
  assert.equal(own.level, 'verified_professional', 'the owner of the name with words around it');
});

test('IDN sender domains: single-script shown in Unicode and passed; mixed-script or confusable flagged suspicious', () => {
  const single = decideSenderTrust(input({ from: [{ address: 'secretariat@xn--hpital-exemple-0ob.fr', displayName: '' }], fromEntry: null }));
  assert.equal(reason(single, 'idn_domain')?.status, 'passed');
  assert.equal(single.level, 'outside_trust_space');
  const mixed = decideSenderTrust(input({ from: [{ address: 'secretariat@xn--hpital-exemple-vzl.fr', displayName: '' }], fromEntry: null }));
  assert.equal(reason(mixed, 'idn_domain')?.status, 'failed');
  assert.equal(reason(mixed, 'idn_domain')?.detail, 'mixed_script');
  assert.equal(mixed.level, 'suspicious');
  assert.match(reasonLabelFr(reason(mixed, 'idn_domain')!), /trompeur.*alphabets mélangés/);
  assert.equal(reason(decideSenderTrust(input({})), 'idn_domain'), undefined, 'nothing said of a plain ASCII domain');
});
