import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldedWords, indexedMatch, matchScore } from '../../../src-main/trust/annuaire/matching.js';

test('query words are folded like the tokenizer: case, accents, separators', () => {
  assert.deepEqual(foldedWords('Hélène LEFÈVRE-Dupont'), ['helene', 'lefevre', 'dupont']);
  assert.deepEqual(foldedWords('jean.dupont@Médecin.mssante.fr'), ['jean', 'dupont', 'medecin', 'mssante', 'fr']);
  assert.deepEqual(foldedWords('75014 PARIS'), ['75014', 'paris']);
  assert.deepEqual(foldedWords('"); DROP'), ['drop']);
});

test('the index is asked for 3-letter prefixes, quoted', () => {
  assert.equal(indexedMatch(['cardiologie', 'ly']), '"car"* "ly"*');
});

test('a candidate matches only if every word begins one of its words; names weigh most', () => {
  // last name, first name, address, structure, profession, specialty, city, postal code
  const dupont = ['DUPONT', 'Jean', 'jean.dupont@medecin.mssante.fr', 'CHU DE BREST', 'Médecin', 'Cardiologie', 'BREST', '29200'];
  const marseille = ['MARTIN', 'Isabelle', 'i.martin@x.fr', null, 'Infirmier', null, 'MARSEILLE', '13005'];
  assert.equal(matchScore(dupont, ['cardio', 'bre']), 2 + 3);
  assert.equal(matchScore(dupont, ['dupont']), 20, 'the best field counts: whole last name');
  assert.equal(matchScore(dupont, ['dupond']), 0);
  assert.equal(matchScore(marseille, ['mart', 'isab']), 10 + 6);
  assert.equal(matchScore(marseille, ['marti', 'lyon']), 0, 'every word must match');
  assert.ok(matchScore(['MARTIN', 'Paul', null, null, null, null, null, null], ['martin']) > matchScore(marseille, ['mars']));
});
