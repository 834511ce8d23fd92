// The `message.sent` and `message.delivery` journal entries never carry a patient's INS: a
// patient's address (`<INS>@patient domain`) is written "patient@<domain>".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryRecords, sentRecord } from '../../../src-main/audit/records.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { openDatabase } from '../../../src-main/store/database.js';
import { journalRecipient } from '../../../src-main/store/delivery.js';

const INS = '279035121518989';
const PATIENT = `${INS}@patient.mssante.fr`;
const COLLEAGUE = 'jean.dupont@hopital.mssante.fr';

test('a patient recipient of message.sent is "patient@<domain>", a professional stays as addressed', () => {
  const record = sentRecord({
    messageId: '<a@b>',
    accountAddress: 'dr.martin@medecin.mssante.fr',
    envelope: { from: 'dr.martin@medecin.mssante.fr', to: [PATIENT, COLLEAGUE] },
    sha256: 'a'.repeat(64),
    size: 1234,
    sentAt: 1_700_000_000_000,
  });
  assert.equal(record.action, 'message.sent');
  assert.deepEqual((record.data as { recipients: string[] }).recipients, ['patient@patient.mssante.fr', COLLEAGUE]);
  assert.doesNotMatch(JSON.stringify(record), new RegExp(INS));
});

test('journalRecipient: patients\' domains (any local part) and INS-shaped local parts are reduced', () => {
  assert.equal(journalRecipient(`${INS}@PATIENT.MSSANTE.TEST`), 'patient@patient.mssante.test');
  assert.equal(journalRecipient('quelquun@patient.mssante.fr'), 'patient@patient.mssante.fr');
  assert.equal(journalRecipient(`1840275108155 15@x.fr`.replace(' ', '')), 'patient@x.fr');
  assert.equal(journalRecipient(`2A0275108155 15@x.fr`.replace(' ', '')), `2A0275108155 15@x.fr`.replace(' ', ''), 'not an INS shape: 14 characters');
  assert.equal(journalRecipient(COLLEAGUE), COLLEAGUE);
  assert.equal(journalRecipient('not-an-address'), 'not-an-address');
});

test('the entries written to the journal hold no INS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-sent-record-'));
  try {
    const db = openDatabase(join(dir, 'store.db'), Buffer.alloc(32, 7));
    const journal = new Journal(db);
    const written = journal.append([
      sentRecord({ messageId: '<m@x>', accountAddress: 'a@b.fr', envelope: { from: 'a@b.fr', to: [PATIENT] }, sha256: 'b'.repeat(64), size: 10, sentAt: null }),
      ...deliveryRecords([{ messageId: '<m@x>', envelopeId: 'm@x', recipient: PATIENT, state: 'delivered', source: 'dsn' }]),
    ]);
    assert.equal(written.length, 2);
    const text = JSON.stringify(written);
    assert.doesNotMatch(text, new RegExp(INS));
    assert.match(text, /patient@patient\.mssante\.fr/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
