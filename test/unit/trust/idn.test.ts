import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressView, domainView } from '../../../src-main/trust/idn.js';

test('domainView: Unicode for single-script labels, punycode kept and flagged otherwise (UTS #39 skeletons)', () => {
  assert.deepEqual(domainView('xn--hpital-exemple-0ob.fr'), { shown: 'hôpital-exemple.fr', ascii: 'xn--hpital-exemple-0ob.fr', verdict: 'single_script' });
  assert.equal(domainView('xn--hpital-exemple-vzl.fr').verdict, 'mixed_script', 'Cyrillic о among Latin letters');
  assert.equal(domainView('xn--hpital-exemple-vzl.fr').shown, 'xn--hpital-exemple-vzl.fr');
  assert.equal(domainView('xn--80ak6aa92e.com').verdict, 'confusable', 'all-Cyrillic "аррӏе" reads "apple"');
  assert.deepEqual(domainView('xn--e1afmkfd.xn--p1ai'), { shown: 'пример.рф', ascii: 'xn--e1afmkfd.xn--p1ai', verdict: 'single_script' });
  assert.equal(domainView('medecin.mssante.fr').verdict, 'ascii');
  assert.equal(addressView('contact@xn--mnchen-3ya.de').shown, 'contact@münchen.de');
});
