// Corrupted attachments never crash the reader: every failure is an AppError
// with a French message (a user sees "archive endommagée", never a stack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildXdmZip } from '../../../src-main/xdm/build-xdm.js';
import { readXdm } from '../../../src-main/xdm/read-xdm.js';
import { renderCdaBytes } from '../../../src-main/xdm/cda-render.js';
import { parseMdn } from '../../../src-main/xdm/mdn.js';
import { ANS_TEST_PATIENT, CDA_BIO, cdaSample, mailSample } from './fixtures.js';
import { mulberry32 } from '../../support/prng.js';

function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = bytes.slice();
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * out.length);
    const mode = r();
    if (mode < 0.6) out[at] = Math.floor(r() * 256);
    else if (mode < 0.8) out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
    else return out.subarray(0, at); // truncation
  }
  return out;
}

function onlyAppErrors(fn: () => unknown, label: string): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(isAppError(err), `${label}: ${err instanceof Error ? err.stack : String(err)}`);
    return 'refused';
  }
}

test('300 corrupted IHE_XDM.ZIP files: each is read or refused with an AppError', () => {
  const zip = buildXdmZip({ documents: [{ cdaXml: cdaSample(CDA_BIO) }], patient: ANS_TEST_PATIENT, author: { lastName: 'Test', firstName: 'Anne' } });
  const r = mulberry32(20261126);
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < 300; i++) outcomes[onlyAppErrors(() => readXdm(mutate(zip, r)), `zip mutation ${i}`)]++;
  assert.ok(outcomes.refused > 75, JSON.stringify(outcomes));
});

test('300 corrupted CDA documents: each is rendered or refused with an AppError', () => {
  const cda = cdaSample(CDA_BIO).subarray(0, 40_000); // the header and the narrative, not the whole PDF copy
  const r = mulberry32(7);
  for (let i = 0; i < 300; i++) onlyAppErrors(() => renderCdaBytes(mutate(cda, r)), `cda mutation ${i}`);
});

test('300 corrupted MDNs: each is parsed, ignored or refused with an AppError', () => {
  const mdn = new Uint8Array(Buffer.from(mailSample('ANS_exemple_MDN_erreur_902_corrige.eml'), 'latin1'));
  const r = mulberry32(902);
  for (let i = 0; i < 300; i++) onlyAppErrors(() => parseMdn(mutate(mdn, r)), `mdn mutation ${i}`);
});
