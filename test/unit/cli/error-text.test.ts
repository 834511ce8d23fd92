// French texts of the CLI: commander's English messages translated, errors naming their culprit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateCommanderError } from '../../../src-main/cli/commander-fr.js';
import { cliErrorTextFr } from '../../../src-main/cli/error-text.js';
import { termField } from '../../../src-main/common/terminal-text.js';
import { integerBetween } from '../../../src-main/cli/option-parsers.js';
import { AppError } from '../../../src-main/errors/index.js';

test('every usage error commander 14 produces comes out in French', () => {
  const cases: [string, string][] = [
    ["error: unknown command 'frobnicate'\n", 'Erreur : commande inconnue « frobnicate ».'],
    ["error: unknown command 'lst'\n(Did you mean list?)\n", 'Erreur : commande inconnue « lst ». Vouliez-vous dire « list » ?'],
    ["error: unknown option '--nope'\n(Did you mean one of --home, --help?)", 'Erreur : option inconnue « --nope ». Vouliez-vous dire l’un de : --home, --help ?'],
    ["error: required option '--address <adresse>' not specified", 'Erreur : l’option --address est obligatoire (--address <adresse>).'],
    ["error: option '--to <adresse>' argument missing", 'Erreur : l’option --to attend une valeur (--to <adresse>).'],
    ["error: missing required argument 'id'", 'Erreur : il manque l’argument obligatoire « id ».'],
    ["error: too many arguments for 'show'. Expected 1 argument but got 2.", 'Erreur : trop d’arguments pour « show » : 1 attendu(s), 2 donné(s).'],
    ["error: too many arguments. Expected 0 arguments but got 1.", 'Erreur : trop d’arguments : 0 attendu(s), 1 donné(s).'],
    ["error: option '--auth <mode>' argument 'x' is invalid. Allowed choices are card, pkcs12.", 'Erreur : valeur « x » refusée pour --auth ; valeurs possibles : card, pkcs12.'],
    ["error: option '--limit <n>' argument '0' is invalid. --limit doit être entre 1 et 100 000.", 'Erreur : --limit doit être entre 1 et 100 000.'],
    ["error: command-argument value 'q' is invalid for argument 'mode'. Allowed choices are a, b.", 'Erreur : valeur « q » refusée pour « mode » ; valeurs possibles : a, b.'],
    ["error: command-argument value 'x' is invalid for argument 'hôte:port'. « x » n’est pas de la forme HÔTE:PORT.", 'Erreur : « x » n’est pas de la forme HÔTE:PORT.'],
    ["error: option '--body <texte>' cannot be used with option '--body-file <fichier>'", 'Erreur : les options --body et --body-file ne vont pas ensemble.'],
    ['error: something new', 'Erreur : something new'],
  ];
  for (const [english, french] of cases) assert.equal(translateCommanderError(english), french, english);
});

test('--limit bounds are said in French with the option name', () => {
  const parse = integerBetween('--limit', 1, 100_000);
  assert.equal(parse('50'), 50);
  for (const bad of ['0', '1000000', '-3', '2.5', 'dix', '']) assert.throws(() => parse(bad), /^InvalidArgumentError: --limit doit être entre 1 et 100 000 \(reçu/);
});

test('errors name their culprit: address only when one was given, the file, the folder, the message', () => {
  assert.equal(cliErrorTextFr(new AppError('ACCOUNT_NOT_FOUND', 'none', { data: { count: 0 } })), 'Aucun compte de messagerie configuré : ajoutez-en un avec « mssante account add ».');
  assert.match(cliErrorTextFr(new AppError('ACCOUNT_NOT_FOUND', 'none', { data: { address: 'a@b.fr' } })), /pour l’adresse a@b\.fr/);
  const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
  assert.equal(cliErrorTextFr(new AppError('IO_FAILED', 'x', { cause: enoent, data: { file: '/tmp/liste.xml' } })), 'Fichier introuvable : /tmp/liste.xml.');
  assert.equal(cliErrorTextFr(new AppError('IO_FAILED', 'x')), 'Lecture ou écriture de fichier impossible.');
  assert.match(cliErrorTextFr(new AppError('NOT_FOUND', 'x', { data: { folder: 'Archives' } })), /Dossier « Archives » introuvable/);
  assert.equal(cliErrorTextFr(new AppError('NOT_FOUND', 'x', { data: { messageFr: 'La base locale est vide : lancez « mssante sync ».' } })), 'La base locale est vide : lancez « mssante sync ».');
});

test('text from outside is neutralised before reaching the terminal', () => {
  assert.equal(termField('INBOX\u001b[2J\u202eevil\r\n'), 'INBOX\\x1b[2J<U+202E>evil\\x0d\\x0a');
  assert.match(cliErrorTextFr(new AppError('NOT_FOUND', 'x', { data: { folder: 'a\u001b]0;x\u0007' } })), /« a\\x1b\]0;x\\x07 »/);
});
