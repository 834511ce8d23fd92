// Checks made before any network work: recipients (liste blanche), sender, size; reply fields.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, isAppError } from '../../../src-main/errors/index.js';
import { TrustContext } from '../../../src-main/trust/index.js';
import { ListeBlancheIndex } from '../../../src-main/trust/listeblanche/store.js';
import {
  assertMessageSize,
  assertRecipients,
  assertRecipientsExcept,
  assertSender,
  confirmedOutsideRecipients,
  classifySendFailure,
  effectiveSizeLimit,
  DEFAULT_MAX_MESSAGE_BYTES,
  recipientPolicyOf,
  recipientProblemsFr,
  replyFields,
  retryDelayMs,
  subjectFor,
} from '../../../src-main/send/index.js';
import type { MessageDetail } from '../../../src-main/store/types.js';

const version = { sourceName: 'lb.xml', sha256: 'ab'.repeat(32), generatedAt: null, importedAt: '2026-11-01T00:00:00Z', signature: 'absent' as const };
const trust = TrustContext.from(null, ListeBlancheIndex.fromDomains(['medecin.mssante.test', 'hôpital-sud.mssante.fr'], version));
const policy = recipientPolicyOf(trust);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(isAppError(err));
    return err as AppError;
  }
  return assert.fail('expected an error');
};

describe('recipient checks', () => {
  it('accepts liste blanche domains (IDN included) and returns canonical addresses', () => {
    const ok = assertRecipients([{ address: 'Dr.B@Medecin.MSSante.test' }, { address: 'x@xn--hpital-sud-rbb.mssante.fr' }, { address: 'y@Hôpital-Sud.mssante.fr' }], policy);
    assert.deepEqual(ok.map((a) => a.address), ['dr.b@medecin.mssante.test', 'x@xn--hpital-sud-rbb.mssante.fr', 'y@xn--hpital-sud-rbb.mssante.fr']);
  });

  it('blocks an address outside the trust space, with a French explanation naming the domain', () => {
    const err = code(() => assertRecipients([{ address: 'dr.b@medecin.mssante.test' }, { address: 'patient@gmail.com' }], policy));
    assert.equal(err.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    const lines = recipientProblemsFr(err.data.problems as never);
    assert.deepEqual(lines, ['« patient@gmail.com » : le domaine gmail.com n’appartient pas à l’espace de confiance MSSanté (absent de la liste blanche).']);
  });

  it('syntax first; no recipient; no liste blanche imported', () => {
    assert.equal(code(() => assertRecipients([{ address: 'dr b@medecin.mssante.test' }, { address: 'a@gmail.com' }], policy)).code, 'SEND_RECIPIENT_INVALID');
    assert.equal(code(() => assertRecipients([], policy)).code, 'SEND_NO_RECIPIENT');
    const none = recipientPolicyOf(TrustContext.from(null, ListeBlancheIndex.empty()));
    assert.equal(code(() => assertRecipients([{ address: 'dr.b@medecin.mssante.test' }], none)).code, 'SEND_LISTE_BLANCHE_MISSING');
  });

  it('the sender is the card holder mailbox', () => {
    assertSender('Dr.A@medecin.mssante.test', 'dr.a@medecin.mssante.test', ['dr.a@medecin.mssante.test']);
    assert.equal(code(() => assertSender('other@medecin.mssante.test', 'dr.a@medecin.mssante.test')).code, 'SEND_SENDER_MISMATCH');
    assert.equal(code(() => assertSender('dr.a@medecin.mssante.test', 'dr.a@medecin.mssante.test', ['dr.z@medecin.mssante.test'])).code, 'SEND_SENDER_MISMATCH');
  });
});

describe('size limit', () => {
  it('the smallest known limit applies: setting, server SIZE, else the default', () => {
    assert.deepEqual(effectiveSizeLimit({}), { maxBytes: DEFAULT_MAX_MESSAGE_BYTES, source: 'default' });
    assert.deepEqual(effectiveSizeLimit({ serverBytes: 10_000_000 }), { maxBytes: 10_000_000, source: 'server' });
    assert.deepEqual(effectiveSizeLimit({ serverBytes: 10_000_000, settingBytes: 2_000_000 }), { maxBytes: 2_000_000, source: 'setting' });
    const err = code(() => assertMessageSize(3 * 1024 * 1024, { maxBytes: 2 * 1024 * 1024, source: 'server' }));
    assert.equal(err.code, 'SEND_TOO_LARGE');
    assert.equal(err.data.detailFr, 'Taille du message encodé : 3 Mo ; limite annoncée par le serveur : 2 Mo (les pièces jointes grossissent d’environ un tiers une fois encodées).');
  });
});

describe('failure policy', () => {
  it('5xx permanent, 4xx transient, silence after the mark unknown; any failure before the mark transient', () => {
    assert.equal(classifySendFailure({ responseCode: 554 }, true), 'permanent');
    assert.equal(classifySendFailure({ code: 'EAUTH', responseCode: 535 }, false), 'transient');
    assert.equal(classifySendFailure({ responseCode: 451 }, true), 'transient');
    assert.equal(classifySendFailure({ code: 'EMESSAGE' }, true), 'permanent');
    assert.equal(classifySendFailure({ code: 'ECONNREFUSED' }, false), 'transient');
    assert.equal(classifySendFailure({ code: 'ECONNECTION' }, true), 'unknown-outcome');
    assert.deepEqual([1, 2, 3, 20].map(retryDelayMs), [30_000, 60_000, 120_000, 3_600_000]);
  });
});

describe('reply fields', () => {
  const original = {
    messageId: '<m3@medecin.mssante.test>',
    inReplyTo: '<m2@x>',
    references: ['<m1@x>', '<m2@x>'],
    subject: 'Re: TR : Bilan sanguin',
    from: { name: 'Dr B', address: 'dr.b@medecin.mssante.test' },
    replyTo: [],
    to: [{ name: '', address: 'dr.a@medecin.mssante.test' }, { name: 'Secrétariat', address: 'sec@centre-sante.mssante.test' }],
    cc: [{ name: '', address: 'dr.b@medecin.mssante.test' }],
    date: Date.UTC(2026, 10, 20, 9, 30),
    text: 'Bonjour,\n> ancien\nCordialement',
  } as unknown as MessageDetail;

  it('reply: author, threading, French prefix once, quoted text', () => {
    const r = replyFields(original, 'reply', 'dr.a@medecin.mssante.test');
    assert.deepEqual(r.to, [{ address: 'dr.b@medecin.mssante.test', name: 'Dr B' }]);
    assert.deepEqual(r.cc, []);
    assert.equal(r.subject, 'RE : Bilan sanguin');
    assert.equal(r.inReplyTo, '<m3@medecin.mssante.test>');
    assert.deepEqual(r.references, ['<m1@x>', '<m2@x>', '<m3@medecin.mssante.test>']);
    assert.equal(r.quoted.split('\n').slice(1).join('\n'), '> Bonjour,\n>> ancien\n> Cordialement');
    assert.match(r.quoted, /^Le 20 novembre 2026 .*, Dr B <dr\.b@medecin\.mssante\.test> a écrit :/);
  });

  it('reply-all leaves me and duplicates out; forward has no recipient and no threading', () => {
    const all = replyFields(original, 'reply-all', 'DR.A@medecin.mssante.test');
    assert.deepEqual(all.cc, [{ address: 'sec@centre-sante.mssante.test', name: 'Secrétariat' }]);
    const fwd = replyFields(original, 'forward', 'dr.a@medecin.mssante.test');
    assert.deepEqual([fwd.to, fwd.references, fwd.inReplyTo], [[], [], undefined]);
    assert.equal(fwd.subject, 'TR : Bilan sanguin');
    assert.equal(subjectFor(null, 'reply'), 'RE : ');
  });
});

describe('sending outside the trust space (issue 15): a deliberate act per recipient, or forbidden by the clinic', () => {
  const list = [{ address: 'dr.b@medecin.mssante.test' }, { address: 'Patient@Gmail.com' }, { address: 'autre@exemple.fr' }];
  it('refuses until every outside recipient is confirmed, naming the unconfirmed ones', () => {
    const e = code(() => confirmedOutsideRecipients(list, policy, ['patient@gmail.com'], 'confirm'));
    assert.equal(e.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    assert.deepEqual((e.data.problems as { address: string }[]).map((p) => p.address), ['autre@exemple.fr']);
    assert.deepEqual(confirmedOutsideRecipients(list, policy, ['patient@gmail.com', 'autre@exemple.fr'], 'confirm'), ['Patient@Gmail.com', 'autre@exemple.fr']);
    assert.deepEqual(confirmedOutsideRecipients([{ address: 'dr.b@medecin.mssante.test' }], policy, [], 'confirm'), []);
  });
  it('the clinic setting "block" forbids it even when confirmed', () => {
    const e = code(() => confirmedOutsideRecipients(list, policy, ['patient@gmail.com', 'autre@exemple.fr'], 'block'));
    assert.equal(e.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    assert.equal(e.data.setting, 'block');
  });
  it('the other recipients are still checked, order kept', () => {
    const ok = assertRecipientsExcept(list, policy, ['Patient@Gmail.com', 'autre@exemple.fr']);
    assert.deepEqual(ok.map((a) => a.address), ['dr.b@medecin.mssante.test', 'patient@gmail.com', 'autre@exemple.fr']);
    assert.equal(code(() => assertRecipientsExcept([...list, { address: 'x@ailleurs.fr' }], policy, ['Patient@Gmail.com', 'autre@exemple.fr'])).code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
  });
});
