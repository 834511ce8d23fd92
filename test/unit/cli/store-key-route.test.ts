// How a CLI command opens the store (cli/store-key-route.ts) and what a command without a card
// says about the journal's head (card-unlock.ts, audit verify): pure decisions and French wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeKeyRoute } from '../../../src-main/cli/store-key-route.js';
import { unsignedHeadFr } from '../../../src-main/cli/card-unlock.js';
import { verificationFr } from '../../../src-main/cli/commands/audit.js';
import type { JournalVerification } from '../../../src-main/audit/verify.js';
import { AppError, describeErrorFr } from '../../../src-main/errors/index.js';

const cardBound = { cards: 1, recovery: true };
const cardLess = { cards: 0, recovery: true };
const refused = (code: string, reason: string) => (e: unknown) => e instanceof AppError && e.code === code && e.data.reason === reason;

test('--recovery-stdin opens any keyring with a recovery wrap (a card-less user, or a card left at home)', () => {
  for (const tty of [true, false]) {
    assert.equal(storeKeyRoute({ recoveryStdin: true, keyring: cardLess, tty }), 'recovery-stdin');
    assert.equal(storeKeyRoute({ recoveryStdin: true, keyring: cardBound, tty }), 'recovery-stdin');
  }
});

test('--recovery-stdin on a folder never set up: STORE_RECOVERY_INVALID naming store init --without-card', () => {
  assert.throws(() => storeKeyRoute({ recoveryStdin: true, keyring: null, tty: false }), refused('STORE_RECOVERY_INVALID', 'not-set-up'));
  assert.throws(() => storeKeyRoute({ recoveryStdin: true, keyring: { cards: 1, recovery: false }, tty: false }), refused('STORE_RECOVERY_INVALID', 'not-set-up'));
  assert.match(describeErrorFr(new AppError('STORE_RECOVERY_INVALID', 'x', { data: { reason: 'not-set-up' } })), /mssante store init --without-card/);
});

test('a card-less keyring: the code asked on the terminal (no echo), or, with no terminal, an error naming --recovery-stdin', () => {
  assert.equal(storeKeyRoute({ recoveryStdin: false, keyring: cardLess, tty: true }), 'recovery-prompt');
  assert.throws(() => storeKeyRoute({ recoveryStdin: false, keyring: cardLess, tty: false }), refused('STORE_CARD_REQUIRED', 'card-less-store'));
  assert.match(describeErrorFr(new AppError('STORE_CARD_REQUIRED', 'x', { data: { reason: 'card-less-store' } })), /code de secours.*--recovery-stdin/);
});

test('otherwise the card: a card-bound keyring, or a new folder (the card creates the keyring at its first unlock)', () => {
  assert.equal(storeKeyRoute({ recoveryStdin: false, keyring: cardBound, tty: true }), 'card');
  assert.equal(storeKeyRoute({ recoveryStdin: false, keyring: null, tty: false }), 'card');
  assert.match(describeErrorFr(new AppError('STORE_CARD_REQUIRED', 'x', { data: { reason: 'not-set-up' } })), /sans carte \(e-CPS\), créez-la avec « mssante store init --without-card »/);
  assert.match(describeErrorFr(new AppError('STORE_CARD_REQUIRED')), /--recovery-stdin/);
});

test('a command without a card says its entries are anchored by the head file, unsigned; not as an error', () => {
  assert.match(unsignedHeadFr(0), /fichier de tête \(journal-head\.json\), sans signature : cette base n’est liée à aucune carte CPS/);
  assert.match(unsignedHeadFr(1), /la prochaine commande avec la carte CPS les signera/);
  for (const t of [unsignedHeadFr(0), unsignedHeadFr(1)]) assert.doesNotMatch(t, /Erreur|Attention/);
});

test('audit verify on a card-less store: coherent chain anchored by the head file only, no card will sign', () => {
  const v = { ok: true, entries: 5, first: 1, last: { seq: 5, hash: 'a'.repeat(64) }, base: { seq: 0, hash: '0'.repeat(64) }, anchor: 'ok', checkpoints: [], anchoredThrough: null, unanchored: 5, broken: null } as unknown as JournalVerification;
  const cardless = verificationFr(v, 'none');
  assert.match(cardless, /chaînage cohérent, 5 entrée\(s\) \(n° 1 à 5\), conforme au point d’ancrage/);
  assert.match(cardless, /n° 1 à 5 sont ancrées par le fichier de tête \(journal-head\.json\) seulement, sans signature : cette base n’est liée à aucune carte CPS/);
  assert.doesNotMatch(cardless, /ROMPU|ATTENTION/);
  // a card-bound store keeps the "non encore ancrées, the next card signature covers them" wording
  assert.match(verificationFr(v, 'card'), /non encore ancrée\(s\).*la prochaine signature de la carte les couvrira/);
});
