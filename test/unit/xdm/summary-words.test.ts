// What the summary says in words (issue 15): INS grouped as on cards, confidentiality codes in
// French, an unmistakable warning when a document does not match its metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync, zipSync } from 'fflate';
import { ALTERED_FR, confidentialityFr, formatIns, summarizeXdm, xdmSummaryTextFr } from '../../../src-main/xdm/summary.js';
import { readXdm } from '../../../src-main/xdm/index.js';
import { Rng, makePdf, makeXdmZip, patient } from '../../testbed/corpus-content.js';

test('formatIns groups a 15-digit INS as printed on cards', () => {
  assert.equal(formatIns('184127510815515'), '1 84 12 75 108 155 15');
  assert.equal(formatIns('2850320A12345678'), '2850320A12345678', 'not an INS: unchanged');
  assert.equal(formatIns('1 84 12 75 108 155 15'), '1 84 12 75 108 155 15');
});

test('confidentiality codes in French words', () => {
  assert.equal(confidentialityFr({ code: 'N', scheme: '2.16.840.1.113883.5.25', display: 'Normal' }), 'Normale');
  assert.equal(confidentialityFr({ code: 'INVISIBLE_PATIENT', scheme: '1.2.250.1.213.1.1.4.13' }), 'Non visible par le patient');
  assert.equal(confidentialityFr({ code: 'X', scheme: 's', display: 'Autre' }), 'Autre');
});

test('a document altered after the metadata: the terminal summary starts with the warning and qualifies the INS status', () => {
  const zip = unzipSync(makeXdmZip({ p: patient(new Rng(3)), title: 'CR', pdf: makePdf('CR', ['x']), author: { name: 'Dr A', address: 'a@b.fr' }, rpps: '99700100099', recipient: 'c@d.fr', when: '20261201090000', n: 1, seed: 3 }));
  const ok = summarizeXdm(readXdm(Buffer.from(zipSync(zip))));
  assert.doesNotMatch(xdmSummaryTextFr(ok), /ATTENTION/);
  assert.match(xdmSummaryTextFr(ok), /INS : \d \d{2} \d{2} \d{2} \d{3} \d{3} \d{2} /);
  zip['IHE_XDM/SUBSET01/DOC0001.XML'] = new Uint8Array([...zip['IHE_XDM/SUBSET01/DOC0001.XML']!, 0x20]);
  const text = xdmSummaryTextFr(summarizeXdm(readXdm(Buffer.from(zipSync(zip)))));
  assert.ok(text.startsWith(ALTERED_FR));
  assert.match(text, /Statut : .*sur un document altéré/);
});
