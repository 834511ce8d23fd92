// `mssante outbox list` (like `sent --status`) lists the sent messages whose delivery is not
// confirmed N hours after their submission, through the real binary on a seeded store: one
// submitted 5 h ago and never reported, one delivered (DSN), one submitted 1 h ago.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { recordDeliveryReport, recordSubmission } from '../../../src-main/store/delivery.js';
import { runMssante } from '../../support/cli.js';

const KEY = randomBytes(32).toString('hex');
const env = { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: KEY };
const home = mkdtempSync(join(tmpdir(), 'mssante-outbox-unconfirmed-'));
const HOUR = 3600_000;
const PENDING = '<pending-5h@medecin.mssante.fr>';
const DELIVERED = '<delivered-5h@medecin.mssante.fr>';
const RECENT = '<recent-1h@medecin.mssante.fr>';
const TO = 'francois.dubois@medecin.mssante.fr';

before(async () => {
  const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const now = Date.now();
  for (const [messageId, at, sha256] of [[PENDING, now - 5 * HOUR, 'a'], [DELIVERED, now - 5 * HOUR, 'c'], [RECENT, now - HOUR, 'd']] as const) {
    recordSubmission(store.db, { messageId, sha256: sha256.repeat(64), recipients: [TO], rejected: [], response: '250 2.0.0 Ok', at });
  }
  // the report's own row is a message of the store in real life; none is needed to link it
  recordDeliveryReport(store.db, null as unknown as number, 'b'.repeat(64), {
    envelopeId: DELIVERED.slice(1, -1),
    originalMessageId: DELIVERED,
    recipients: [{ recipient: TO, action: 'delivered', status: '2.0.0', at: now - 4 * HOUR }],
  });
  store.close();
});
after(() => rmSync(home, { recursive: true, force: true }));

test('outbox list --json: "unconfirmed" holds what is still not delivered after N hours', async () => {
  const r = await runMssante(['--home', home, 'outbox', 'list', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { entries: unknown[]; hours: number; unconfirmed: { messageId: string; delivery: { recipient: string; state: string; code: string }[] }[] };
  assert.deepEqual(out.entries, []);
  assert.equal(out.hours, 4);
  assert.deepEqual(out.unconfirmed.map((m) => m.messageId), [PENDING], 'delivered and recent ones are not listed');
  assert.deepEqual(out.unconfirmed[0]!.delivery.map((d) => [d.recipient, d.state, d.code]), [[TO, 'remis au serveur', 'submitted']]);

  const zero = JSON.parse((await runMssante(['--home', home, 'outbox', 'list', '--hours', '0', '--json'], { env })).stdout) as { unconfirmed: { messageId: string }[] };
  assert.deepEqual(zero.unconfirmed.map((m) => m.messageId).sort(), [PENDING, RECENT].sort());
  // the same list as sent --status
  const status = JSON.parse((await runMssante(['--home', home, 'sent', '--status', '--json'], { env })).stdout) as { messages: { messageId: string }[] };
  assert.deepEqual(status.messages.map((m) => m.messageId), [PENDING]);
});

test('outbox list (text): the queue, then the unconfirmed sent messages in French; a bad --hours is refused', async () => {
  const r = await runMssante(['--home', home, 'outbox', 'list', '--hours', '2'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^La boîte d’envoi est vide\.\n\nEnvoyés sans distribution confirmée après 2 h :\n<pending-5h@medecin\.mssante\.fr> — envoyé le .*\n {2}francois\.dubois@medecin\.mssante\.fr : remis au serveur\n$/);
  const none = await runMssante(['--home', home, 'outbox', 'list', '--hours', '6'], { env });
  assert.match(none.stdout, /Tous les messages envoyés depuis plus de 6 h ont une distribution confirmée/);
  const bad = await runMssante(['--home', home, 'outbox', 'list', '--hours', 'demain'], { env });
  assert.notEqual(bad.code, 0);
});
