import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AnnuaireReader, importAnnuaire } from '../../../src-main/trust/index.js';
import { classifyQuery } from '../../../src-main/trust/annuaire/query.js';
import { extractionLine, referenceHeader, type GeneratedPerson } from './support/extraction.js';

// Issue 15 point 13: an address (typed or pasted) or a domain finds its entry; exact address first,
// then the professionals the query names, then structures and secretariat mailboxes.

const PAUL_MARTIN: GeneratedPerson = {
  type: 'PER', address: 'Paul.Martin@medecin.mssante.fr', nationalId: '810001111111', lastName: 'MARTIN', firstName: 'Paul',
  profession: 'Médecin', professionCode: '10', specialty: 'Cardiologie et maladies vasculaires', specialtyCode: 'SM04',
  structureName: 'CABINET DE CARDIOLOGIE', postalCode: '29200', city: 'BREST', department: '29',
};
const SOPHIE_MARTIN: GeneratedPerson = {
  type: 'PER', address: 'sophie.martin@ch-brest.mssante.fr', nationalId: '810002222222', lastName: 'MARTIN', firstName: 'Sophie',
  profession: 'Infirmier', structureName: 'CHU DE BREST', postalCode: '29200', city: 'BREST', department: '29',
};
// A secretariat whose address and service spell the query's words: it scores higher than Dr MARTIN on words alone.
const SECRETARIAT: GeneratedPerson = {
  type: 'ORG', address: 'secretariat.martin.cardio@ch-brest.mssante.fr', structureName: 'CHU DE BREST', service: 'Cardiologie Martin',
  postalCode: '29200', city: 'BREST', department: '29',
};
const IDN: GeneratedPerson = {
  type: 'PER', address: 'anne.roux@hôpital-exemple.mssante.fr', nationalId: '810003333333', lastName: 'ROUX', firstName: 'Anne',
  profession: 'Médecin', postalCode: '69003', city: 'LYON', department: '69',
};
const OTHER_DOMAIN: GeneratedPerson = {
  type: 'PER', address: 'jean.dupont@ch-brest-sud.mssante.fr', nationalId: '810004444444', lastName: 'DUPONT', firstName: 'Jean',
  profession: 'Médecin', postalCode: '29200', city: 'BREST', department: '29',
};

let home: string;
let reader: AnnuaireReader;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'trust-annuaire-search-'));
  const file = join(home, 'Extraction_Correspondance_MSSante_202611250312.txt');
  writeFileSync(file, [referenceHeader(), ...[SECRETARIAT, PAUL_MARTIN, SOPHIE_MARTIN, IDN, OTHER_DOMAIN].map(extractionLine)].join('\n') + '\n');
  await importAnnuaire(file, { home });
  reader = AnnuaireReader.require(home);
});
after(() => {
  reader?.close();
  rmSync(home, { recursive: true, force: true });
});

const addresses = (entries: { address: string }[]): string[] => entries.map((e) => e.address);

test('queries are classified: address, address being typed, domain, words', () => {
  assert.deepEqual(classifyQuery(' Paul.Martin@Medecin.MSSante.fr '), { kind: 'address', address: 'paul.martin@medecin.mssante.fr', words: ['paul', 'martin'] });
  assert.deepEqual(classifyQuery('"Dr Paul Martin" <paul.martin@medecin.mssante.fr>,'), { kind: 'address', address: 'paul.martin@medecin.mssante.fr', words: ['paul', 'martin'] });
  assert.deepEqual(classifyQuery('paul.mar@med'), { kind: 'address-prefix', prefix: 'paul.mar@med', words: ['paul', 'mar'] });
  assert.deepEqual(classifyQuery('@CH-Brest'), { kind: 'domain', domain: 'ch-brest', words: [] });
  assert.equal(classifyQuery('ch-brest.mssante.fr').kind, 'domain');
  assert.deepEqual(classifyQuery('@hôpital-exemple.mssante.fr'), { kind: 'domain', domain: 'xn--hpital-exemple-0ob.mssante.fr', words: [] });
  assert.deepEqual(classifyQuery('martin cardio'), { kind: 'words', words: ['martin', 'cardio'] });
});

test('a full address, typed in any case or pasted with its display name, finds its entry first', () => {
  assert.equal(reader.search('paul.martin@medecin.mssante.fr')[0]?.address, 'paul.martin@medecin.mssante.fr');
  assert.equal(reader.search('PAUL.MARTIN@Medecin.MSSante.fr')[0]?.address, 'paul.martin@medecin.mssante.fr');
  assert.equal(reader.search('Dr Paul MARTIN <paul.martin@medecin.mssante.fr>')[0]?.address, 'paul.martin@medecin.mssante.fr');
  assert.equal(reader.search('anne.roux@hôpital-exemple.mssante.fr')[0]?.address, 'anne.roux@xn--hpital-exemple-0ob.mssante.fr', 'IDN domain in Unicode');
  assert.equal(reader.autocomplete('paul.martin@medecin.mssante.fr')[0]?.address, 'paul.martin@medecin.mssante.fr');
  // The secretariat's address is the query: it comes first, before the professionals its words name.
  assert.equal(reader.search('secretariat.martin.cardio@ch-brest.mssante.fr')[0]?.address, 'secretariat.martin.cardio@ch-brest.mssante.fr');
});

test('an address not in the annuaire still finds the professional its local part names', () => {
  assert.equal(reader.search('paul.martin@gmail.com')[0]?.address, 'paul.martin@medecin.mssante.fr');
});

test('a domain (bare, or after "@", whole or begun) finds its entries, that very domain first, professionals before structures', () => {
  assert.deepEqual(addresses(reader.search('ch-brest.mssante.fr')), ['sophie.martin@ch-brest.mssante.fr', 'secretariat.martin.cardio@ch-brest.mssante.fr']);
  assert.deepEqual(addresses(reader.search('@ch-brest.mssante.fr')), ['sophie.martin@ch-brest.mssante.fr', 'secretariat.martin.cardio@ch-brest.mssante.fr']);
  // A begun domain: professionals (by name) before the secretariat, whichever of the two domains.
  assert.deepEqual(addresses(reader.autocomplete('@ch-brest')), [
    'jean.dupont@ch-brest-sud.mssante.fr', 'sophie.martin@ch-brest.mssante.fr', 'secretariat.martin.cardio@ch-brest.mssante.fr',
  ]);
  assert.deepEqual(addresses(reader.search('hôpital-exemple.mssante.fr')), ['anne.roux@xn--hpital-exemple-0ob.mssante.fr']);
});

test('words: the professionals the query names come before a secretariat that matches more fields', () => {
  const found = addresses(reader.search('martin cardio'));
  assert.deepEqual(found, ['paul.martin@medecin.mssante.fr', 'secretariat.martin.cardio@ch-brest.mssante.fr']);
  const martins = addresses(reader.autocomplete('martin'));
  assert.equal(martins.at(-1), 'secretariat.martin.cardio@ch-brest.mssante.fr', 'the secretariat after both Drs MARTIN');
  assert.equal(martins.length, 3);
});
