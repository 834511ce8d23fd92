// Read receipts: the ANS MDN examples are recognised (quirks included), the
// policy never allows an automatic receipt to an address other than
// Return-Path, and built MDNs have the three RFC 8098 parts and the ANS subject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import PostalMime from 'postal-mime';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildMdn, mdnPolicy, mdnStatusFr, parseMdn } from '../../../src-main/xdm/mdn.js';
import { multipartParts, parseContentType, splitEntity, header } from '../../../src-main/xdm/mime-lite.js';
import { mailSample } from './fixtures.js';

const ORIGINAL = [
  'Return-Path: <a.martin@hopital-a.mssante.fr>',
  'From: "Dr Anne Martin" <a.martin@hopital-a.mssante.fr>',
  'To: Dr Bernard <b.bernard@cabinet-b.mssante.fr>',
  'Subject: =?UTF-8?B?UsOpc3VsdGF0cyBkZSBiaW9sb2dpZQ==?=',
  'Date: Thu, 26 Nov 2026 09:00:00 +0000',
  'Message-ID: <orig-1@hopital-a.mssante.fr>',
  'Original-Recipient: rfc822;b.bernard@cabinet-b.mssante.fr',
  'Disposition-Notification-To: Dr Anne Martin <a.martin@hopital-a.mssante.fr>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Bonjour, voici les résultats.',
  '',
].join('\r\n');

const withHeaders = (extra: Record<string, string | undefined>): string => {
  const lines = ORIGINAL.split('\r\n').filter((l) => {
    const name = l.slice(0, l.indexOf(':'));
    return !(name in extra);
  });
  const add = Object.entries(extra).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
  return [...add, ...lines].join('\r\n');
};

for (const name of ['ANS_exemple_MDN_erreur_902.eml', 'ANS_exemple_MDN_erreur_902_corrige.eml', 'ANS_exemple_MDN_erreur_902_v1.1.3-style.eml']) {
  test(`ANS example ${name} is recognised as an MDN with its error 902`, () => {
    const mdn = parseMdn(Buffer.from(mailSample(name), 'latin1'));
    assert.ok(mdn);
    assert.match(mdn.originalMessageId!, /^<(199509192301\.23456|20240219230100\.23456@chb\.mssante\.fr)>$/);
    assert.equal(mdn.disposition.actionMode, 'automatic-action');
    assert.equal(mdn.disposition.sendingMode, 'MDN-sent-automatically');
    assert.equal(mdn.disposition.type, 'processed');
    assert.deepEqual(mdn.disposition.error, { code: '902', label: 'Identifiant de patient inconnu' });
    assert.equal(mdn.finalRecipient, 'serviceY_auto@chb.mssante.fr');
    assert.equal(mdn.originalRecipient, 'serviceY_auto@chb.mssante.fr');
    assert.match(mdnStatusFr(mdn), /^erreur d’intégration 902 : Identifiant de patient inconnu le 20\/02\/2024 à \d\d:19$/);
  });
}

test('the ANS "standard" error notification (multipart/mixed) is not an MDN', () => {
  assert.equal(parseMdn(Buffer.from(mailSample('ANS_exemple_courriel_notification_erreur.eml'), 'latin1')), undefined);
  assert.equal(parseMdn(ORIGINAL), undefined);
});

test('a multipart/report without a disposition is refused as an invalid MDN', () => {
  const broken = 'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n';
  assert.throws(() => parseMdn(broken), (e: unknown) => isAppError(e) && e.code === 'MDN_INVALID');
  const noDisposition = broken.replace('--b--', '--b\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;x@y\r\n--b--');
  assert.throws(() => parseMdn(noDisposition), (e: unknown) => isAppError(e) && e.code === 'MDN_INVALID');
});

test('policy: no Disposition-Notification-To, no receipt', () => {
  const p = mdnPolicy(withHeaders({ 'Disposition-Notification-To': undefined }));
  assert.deepEqual([p.offer, p.automaticAllowed, p.reason], [false, false, 'not-requested']);
});

test('policy: requester = Return-Path (any case of domain) may be answered automatically', () => {
  const p = mdnPolicy(withHeaders({ 'Return-Path': '<a.martin@HOPITAL-A.mssante.fr>' }));
  assert.deepEqual([p.offer, p.automaticAllowed, p.reason], [true, true, 'ok']);
  assert.equal(p.notificationTo, 'a.martin@hopital-a.mssante.fr');
});

test('policy: never automatic when Disposition-Notification-To differs from Return-Path, or Return-Path is missing', () => {
  const other = mdnPolicy(withHeaders({ 'Return-Path': '<bounces@relay.example>' }));
  assert.deepEqual([other.offer, other.automaticAllowed, other.reason], [true, false, 'return-path-mismatch']);
  const none = mdnPolicy(withHeaders({ 'Return-Path': undefined }));
  assert.deepEqual([none.offer, none.automaticAllowed, none.reason], [true, false, 'no-return-path']);
  const two = mdnPolicy(withHeaders({ 'Disposition-Notification-To': 'a.martin@hopital-a.mssante.fr, spy@example.org' }));
  assert.deepEqual([two.offer, two.automaticAllowed, two.reason], [true, false, 'several-addresses']);
});

test('policy: no receipt for a receipt, nor twice for the same message', () => {
  const report = mdnPolicy(withHeaders({ 'Content-Type': 'multipart/report; report-type=disposition-notification; boundary=x' }));
  assert.deepEqual([report.offer, report.reason], [false, 'is-report']);
  const again = mdnPolicy(ORIGINAL, { alreadySent: true });
  assert.deepEqual([again.offer, again.reason], [false, 'already-sent']);
});

test('built MDN: multipart/report with text, disposition-notification and the original message, in that order', async () => {
  const built = buildMdn(ORIGINAL, {
    disposition: { type: 'displayed' },
    reporter: { address: 'b.bernard@cabinet-b.mssante.fr', name: 'Dr Béatrice Bernard' },
    date: new Date('2026-11-26T10:30:00Z'),
  });
  assert.equal(built.to, 'a.martin@hopital-a.mssante.fr');
  assert.equal(built.subject, 'Accusé de lecture : Résultats de biologie');
  const raw = Buffer.from(built.raw).toString('latin1');
  assert.doesNotMatch(raw.replace(/\r\n/g, ''), /\n/, 'CRLF line ends only');
  const top = splitEntity(raw);
  const ct = parseContentType(header(top.headers, 'Content-Type'));
  assert.equal(ct.type, 'multipart/report');
  assert.equal(ct.params['report-type'], 'disposition-notification');
  assert.equal(header(top.headers, 'In-Reply-To'), '<orig-1@hopital-a.mssante.fr>');
  assert.equal(header(top.headers, 'Auto-Submitted'), undefined, 'a manual receipt is not auto-submitted');
  const parts = multipartParts(top.body, ct.params.boundary!);
  assert.deepEqual(
    parts.map((p) => parseContentType(header(p.headers, 'Content-Type')).type),
    ['text/plain', 'message/disposition-notification', 'message/rfc822'],
  );
  const dn = parts[1]!.body;
  assert.match(dn, /^Final-Recipient: rfc822;b\.bernard@cabinet-b\.mssante\.fr$/m);
  assert.match(dn, /^Original-Recipient: rfc822;b\.bernard@cabinet-b\.mssante\.fr$/m);
  assert.match(dn, /^Original-Message-ID: <orig-1@hopital-a\.mssante\.fr>$/m);
  assert.match(dn, /^Disposition: manual-action\/MDN-sent-manually; displayed$/m);
  const originalBytes = Buffer.from(ORIGINAL, 'utf8').toString('latin1');
  assert.equal(parts[2]!.body.replace(/\r\n$/, ''), originalBytes.replace(/\r\n$/, ''), 'original kept byte for byte');
  assert.match(raw, /^Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n/m);

  // An independent MIME parser reads it the same way.
  const e = await PostalMime.parse(built.raw);
  assert.equal(e.subject, 'Accusé de lecture : Résultats de biologie');
  assert.deepEqual(e.from, { address: 'b.bernard@cabinet-b.mssante.fr', name: 'Dr Béatrice Bernard' });
  assert.match(e.text ?? '', /Le message « Résultats de biologie » envoyé le 26\/11\/2026 à 10:00 à b\.bernard@cabinet-b\.mssante\.fr a été affiché \(lu\) le 26\/11\/2026 à 11:30\./);

  // And our own reader links it back to the original.
  const back = parseMdn(built.raw)!;
  assert.equal(back.originalMessageId, '<orig-1@hopital-a.mssante.fr>');
  assert.equal(back.disposition.type, 'displayed');
  assert.equal(mdnStatusFr(back), 'lu le 26/11/2026 à 11:30');
});

test('ANS subject convention: an XDM subject is kept; an integration error gets "[KO Intégration système !][code]"', () => {
  const xdm = withHeaders({ Subject: 'XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988' });
  const ok = buildMdn(xdm, { disposition: { type: 'displayed' }, reporter: { address: 'b.bernard@cabinet-b.mssante.fr' } });
  assert.equal(ok.subject, 'XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988');
  const ko = buildMdn(xdm, {
    disposition: { actionMode: 'automatic-action', type: 'processed', error: { code: '902', label: 'Identifiant de patient inconnu' } },
    reporter: { address: 'serviceY_auto@chb.mssante.fr' },
  });
  assert.equal(ko.subject, '[KO Intégration système !][902] XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988');
  const raw = Buffer.from(ko.raw).toString('latin1');
  assert.match(raw, /^Disposition: automatic-action\/MDN-sent-automatically; processed\/Error: 902\^Identifiant de patient inconnu$/m);
  assert.match(raw, /^Auto-Submitted: auto-replied$/m);
  const parsed = parseMdn(ko.raw)!;
  assert.deepEqual(parsed.disposition.error, { code: '902', label: 'Identifiant de patient inconnu' });
});

test('no receipt can be built when none was asked; header injection through names is neutralised', () => {
  assert.throws(
    () => buildMdn(withHeaders({ 'Disposition-Notification-To': undefined }), { disposition: { type: 'displayed' }, reporter: { address: 'b@x.fr' } }),
    (e: unknown) => isAppError(e) && e.code === 'MDN_NOT_REQUESTED',
  );
  const built = buildMdn(ORIGINAL, { disposition: { type: 'displayed' }, reporter: { address: 'b@x.fr', name: 'Evil\r\nBcc: victim@example.org' } });
  const head = splitEntity(Buffer.from(built.raw).toString('latin1')).headers;
  assert.equal(header(head, 'Bcc'), undefined);
});

test('prepareMdnSend: refuses without request, asks confirmation on a Return-Path mismatch, then builds with its envelope', async () => {
  const { prepareMdnSend } = await import('../../../src-main/xdm/mdn.js');
  const reporter = { address: 'b.bernard@cabinet-b.mssante.fr' };
  assert.throws(
    () => prepareMdnSend(withHeaders({ 'Disposition-Notification-To': undefined }), { disposition: { type: 'displayed' }, reporter }),
    (e: unknown) => isAppError(e) && e.code === 'MDN_NOT_REQUESTED',
  );
  const mismatch = withHeaders({ 'Return-Path': '<bounces@relay.example>' });
  assert.throws(
    () => prepareMdnSend(mismatch, { disposition: { type: 'displayed' }, reporter }),
    (e: unknown) => isAppError(e) && e.code === 'MDN_CONFIRMATION_REQUIRED' && e.data.notificationTo === 'a.martin@hopital-a.mssante.fr',
  );
  const confirmed = prepareMdnSend(mismatch, { disposition: { type: 'displayed' }, reporter, confirmed: true });
  assert.deepEqual(confirmed.envelope, { from: 'b.bernard@cabinet-b.mssante.fr', to: ['a.martin@hopital-a.mssante.fr'] });
  assert.throws(
    () => prepareMdnSend(ORIGINAL, { disposition: { type: 'displayed' }, reporter, alreadySent: true, confirmed: true }),
    (e: unknown) => isAppError(e) && e.code === 'MDN_NOT_REQUESTED',
  );
});
