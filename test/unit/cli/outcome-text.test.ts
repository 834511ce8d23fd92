// Issue 14 point 7: French result lines are whole sentences ("incertain" outbox line with its full
// stop) and `account test` never prints "TLSv1.2, ?".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultFr } from '../../../src-main/cli/commands/account.js';
import { outcomeTextFr } from '../../../src-main/cli/commands/outbox.js';
import type { OutboxEntry } from '../../../src-main/send/outbox-store.js';
import type { ProbeResult } from '../../../src-main/accounts/login-probe.js';
import { AppError } from '../../../src-main/errors/index.js';

const entry = (over: Partial<OutboxEntry>): OutboxEntry => ({
  id: 7, accountAddress: 'a@medecin.mssante.fr', messageId: '<x@medecin.mssante.fr>', state: 'uncertain', envelope: { from: 'a@medecin.mssante.fr', to: [] },
  subject: null, recipients: { to: [], cc: [], bcc: [] }, size: 1, sha256: '', replyToRow: null, createdAt: 0, updatedAt: 0, attempts: 1,
  nextAttemptAt: null, sendingOwner: null, sendingAt: null, sentAt: null, smtpResponse: null, rejected: [], lastErrorCode: null, lastError: null,
  sentCopy: null, draftUid: null, ...over,
});

test('the "incertain" outbox line ends each sentence with a full stop', () => {
  const text = outcomeTextFr(entry({ state: 'uncertain', lastErrorCode: 'SEND_OUTCOME_UNKNOWN' }));
  assert.match(text, /^Envoi incertain : <x@medecin\.mssante\.fr> \(n° 7 de la boîte d’envoi\)\. La connexion a été interrompue pendant l’envoi : le serveur a peut-être accepté le message\. Il n’est pas renvoyé automatiquement/);
  const failed = outcomeTextFr(entry({ state: 'failed', lastErrorCode: 'SEND_RECIPIENT_INVALID', lastError: '550 5.1.1 inconnu' }));
  assert.match(failed, /Réponse du serveur : « 550 5\.1\.1 inconnu »\. Il ne sera pas renvoyé/);
  for (const t of [text, failed]) assert.doesNotMatch(t, /[^.!?»] Il /, 'no sentence without its full stop');
});

test('account test names an unreported cipher suite instead of printing "?"', () => {
  const chain = { subjects: ['CN=imap.mssante.test'], revocation: 'good' } as unknown as NonNullable<ProbeResult['tls']>['chain'];
  const r: ProbeResult = { protocol: 'imap', endpoint: { host: 'imap.mssante.test', port: 143, security: 'starttls' } as ProbeResult['endpoint'], ok: false, tls: { protocol: 'TLSv1.2', suite: null, chain }, error: new AppError('IMAP_AUTH_FAILED') };
  const text = resultFr(r);
  assert.doesNotMatch(text, /\?/);
  assert.match(text, /TLSv1\.2, suite de chiffrement non communiquée par la connexion/);
  assert.match(resultFr({ ...r, ok: true, tls: { protocol: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', chain } }), /TLSv1\.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);
});
