// The app's store key decision (src-main/app/store-key-plan.ts): card by default,
// the OS keychain only by clinic setting or with the user's consent, typed refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAfterRecovery, planStoreKey, type StoreKeyFacts } from '../../../src-main/app/store-key-plan.js';

const base: StoreKeyFacts = { keyring: 'none', keychainWrap: false, card: true, deterministic: true, policy: 'card-only', consent: false, keychainAvailable: true };
const plan = (f: Partial<StoreKeyFacts>) => planStoreKey({ ...base, ...f });

test('default: the card opens (and creates) the store; no keychain wrap even when the keychain is there', () => {
  assert.deepEqual(plan({}), { open: 'card', keychainWrap: 'keep' });
  assert.deepEqual(plan({ keyring: 'this-card' }), { open: 'card', keychainWrap: 'keep' });
});

test('clinic keychain setting: the wrap is added at a card unlock; dropped when the clinic turns it off', () => {
  assert.deepEqual(plan({ keyring: 'this-card', policy: 'keychain' }), { open: 'card', keychainWrap: 'add' });
  assert.deepEqual(plan({ keyring: 'this-card', policy: 'keychain', keychainWrap: true }), { open: 'card', keychainWrap: 'keep' });
  assert.deepEqual(plan({ keyring: 'this-card', policy: 'keychain', keychainAvailable: false }), { open: 'card', keychainWrap: 'keep' }, 'no keychain here: the card still works');
  assert.deepEqual(plan({ keyring: 'this-card', keychainWrap: true }), { open: 'card', keychainWrap: 'drop' });
  assert.deepEqual(plan({ keyring: 'this-card', keychainWrap: true, consent: true }), { open: 'card', keychainWrap: 'keep' }, 'a consented wrap stays');
});

test('another card: refused (the recovery code re-binds), unless the keychain is allowed, which then binds the new card', () => {
  assert.deepEqual(plan({ keyring: 'other-card' }), { open: 'refuse', code: 'STORE_WRONG_CARD' });
  assert.deepEqual(plan({ keyring: 'other-card', keychainWrap: true }), { open: 'refuse', code: 'STORE_WRONG_CARD' }, 'a wrap without the setting nor consent does not count');
  assert.deepEqual(plan({ keyring: 'other-card', keychainWrap: true, policy: 'keychain' }), { open: 'keychain', bindCard: true });
  assert.deepEqual(plan({ keyring: 'other-card', keychainWrap: true, policy: 'keychain', keychainAvailable: false }), { open: 'refuse', code: 'STORE_WRONG_CARD' });
});

test('a card that signs only with PSS: consent is asked, then the keychain; never without consent or setting', () => {
  const pss = { deterministic: false };
  assert.deepEqual(plan(pss), { open: 'ask-consent', why: 'card-not-deterministic' });
  assert.deepEqual(plan({ ...pss, consent: true }), { open: 'keychain', bindCard: false });
  assert.deepEqual(plan({ ...pss, policy: 'keychain' }), { open: 'keychain', bindCard: false }, 'the clinic already chose the keychain');
  assert.deepEqual(plan({ ...pss, keychainAvailable: false }), { open: 'refuse', code: 'STORE_CARD_NOT_DETERMINISTIC' });
  assert.deepEqual(plan({ ...pss, keyring: 'other-card' }), { open: 'refuse', code: 'STORE_WRONG_CARD' }, 'a store bound to a card only: the recovery code');
  assert.deepEqual(plan({ ...pss, keyring: 'other-card', keychainWrap: true, consent: true }), { open: 'keychain', bindCard: false });
  assert.deepEqual(plan({ ...pss, keyring: 'other-card', keychainWrap: true, consent: true, keychainAvailable: false }), { open: 'refuse', code: 'KEYSTORE_UNAVAILABLE' });
});

test('no card (e-CPS through Pro Santé Connect): the keychain with consent, else STORE_CARD_REQUIRED', () => {
  const psc = { card: false, deterministic: false };
  assert.deepEqual(plan(psc), { open: 'ask-consent', why: 'no-card' });
  assert.deepEqual(plan({ ...psc, consent: true }), { open: 'keychain', bindCard: false });
  assert.deepEqual(plan({ ...psc, keychainAvailable: false }), { open: 'refuse', code: 'STORE_CARD_REQUIRED' });
  assert.deepEqual(plan({ ...psc, keyring: 'other-card' }), { open: 'refuse', code: 'STORE_CARD_REQUIRED' }, 'a card-bound store never opens without its card');
});

test('after the recovery code (card-less window): a keychain wrap only under the clinic keychain policy and with consent; card-only opens this session only', () => {
  const after = (f: Partial<StoreKeyFacts>) => planAfterRecovery({ ...base, ...f });
  assert.equal(after({}), 'session-only');
  assert.equal(after({ consent: true }), 'session-only', 'a consent never widens a card-only clinic');
  assert.equal(after({ policy: 'keychain' }), 'ask-consent');
  assert.equal(after({ policy: 'keychain', consent: true }), 'add');
  assert.equal(after({ policy: 'keychain', consent: true, keychainAvailable: false }), 'session-only', 'no keychain here');
  // the facts that lead there: the keychain plan refuses a recovery-only keyring in a card-less session
  assert.deepEqual(plan({ keyring: 'other-card', card: false, deterministic: false }), { open: 'refuse', code: 'STORE_CARD_REQUIRED' });
});
