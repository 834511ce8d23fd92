// The mail channels of the facade against a real encrypted store, always
// through the contract dispatcher: what the renderer would receive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { buildXdmZip } from '../../../src-main/xdm/build-xdm.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, MessagePage, MessageView, Folder } from '../../../src-main/ipc/contract.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import type { MailStorePort } from '../../../src-main/app/mail-app.js';
import { ANS_TEST_PATIENT, CDA_BIO, cdaSample } from '../xdm/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-mailapp-'));
let store: MailStore;
let handlers: ChannelHandlers;
let core: ReturnType<typeof createCoreApp>;
const ids = { inbox: 0, trash: 0 };

const verified = {
  level: 'verified_professional',
  reasons: [{ check: 'domain_in_liste_blanche', status: 'passed' }, { check: 'address_in_annuaire', status: 'passed', detail: 'PER' }],
  identity: {
    address: 'jeanne.martin@medecin.mssante.fr', type: 'PER', name: 'Jeanne MARTIN', civility: null, lastName: 'MARTIN', firstName: 'Jeanne',
    profession: 'Médecin', specialty: 'Cardiologie', nationalId: '810001234567', nationalIdType: 'RPPS', structure: 'Cabinet de cardiologie', city: 'Lyon', dematerialisation: true,
  },
  basis: { annuaire: 'x', listeBlanche: 'y' },
};

function mail(n: number, opts: { subject: string; from?: string; body?: string; headers?: string; xdm?: Uint8Array }): Buffer {
  const from = opts.from ?? 'Jeanne MARTIN <jeanne.martin@medecin.mssante.fr>';
  const head = `Return-Path: <jeanne.martin@medecin.mssante.fr>\r\nFrom: ${from}\r\nTo: Paul DURAND <paul.durand@medecin.mssante.fr>\r\nSubject: ${opts.subject}\r\nDate: Thu, ${10 + n} Nov 2026 09:00:00 +0100\r\nMessage-ID: <m${n}@medecin.mssante.fr>\r\nMIME-Version: 1.0\r\n${opts.headers ?? ''}`;
  if (!opts.xdm) return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${opts.body ?? 'Bonjour'}\r\n`);
  const b64 = Buffer.from(opts.xdm).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `${head}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${opts.body ?? 'Ci-joint'}\r\n` +
      `--b\r\nContent-Type: application/zip; name="IHE_XDM.ZIP"\r\nContent-Disposition: attachment; filename="IHE_XDM.ZIP"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`,
  );
}

before(async () => {
  store = await MailStore.open({
    file: join(dir, 'mail.db'),
    keyProvider: staticKeyProvider('11'.repeat(32)),
    hooks: { trust: (m) => (m.from?.address === 'jeanne.martin@medecin.mssante.fr' ? verified : null) },
  });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const folders = store.upsertFolders(account.id, [
    { path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true },
    { path: 'Corbeille', name: 'Corbeille', delimiter: '/', specialUse: '\\Trash', selectable: true },
    { path: 'INBOX/Laboratoire', name: 'Laboratoire', delimiter: '/', specialUse: null, selectable: true },
    { path: 'Sent', name: 'Sent', delimiter: '/', specialUse: '\\Sent', selectable: true },
    { path: 'Drafts', name: 'Drafts', delimiter: '/', specialUse: '\\Drafts', selectable: true },
  ]);
  ids.inbox = folders.find((f) => f.path === 'INBOX')!.id;
  ids.trash = folders.find((f) => f.path === 'Corbeille')!.id;
  const xdm = buildXdmZip({
    documents: [{ cdaXml: cdaSample(CDA_BIO) }],
    patient: ANS_TEST_PATIENT,
    author: { lastName: 'MARTIN', firstName: 'Jeanne', idNat: '810001234567', address: 'jeanne.martin@medecin.mssante.fr' } as never,
    now: new Date('2026-11-26T10:00:00Z'),
  });
  await store.applyBatch({
    folderId: ids.inbox,
    newMessages: [
      { uid: 1, flags: ['\\Seen'], raw: mail(1, { subject: 'Échographie cardiaque de Mme X', body: 'Résultats de l’échographie.' }) },
      { uid: 2, flags: [], raw: mail(2, { subject: 'Bilan biologique', xdm, headers: 'Disposition-Notification-To: secretariat@clinique.example\r\n' }) },
      { uid: 3, flags: [], raw: mail(3, { subject: 'Offre promotionnelle', from: 'Promo <promo@example.com>' }) },
    ],
  });
  const port = new Proxy(store, {
    get: (target, name) => {
      const value = (target as never)[name as never] as unknown;
      return typeof value === 'function' ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
    },
  }) as unknown as MailStorePort;
  core = createCoreApp({ emit: () => {}, settingsFile: join(dir, 'settings.json'), mail: () => port });
  core.gate.unlock();
  handlers = core.services as unknown as ChannelHandlers;
});

after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok<T>(channel: string, request: unknown): Promise<T> {
  const r = await dispatch(handlers, channel, request);
  assert.ok(r.ok, `${channel}: ${JSON.stringify(r)}`);
  return r.value as T;
}

const page = (folderId: number, offset = 0, limit = 50) => ({ folderId: String(folderId), offset, limit, sort: { by: 'date', dir: 'desc' }, threads: false });

test('folders come with roles, hierarchy and unread counts', async () => {
  const { folders } = await ok<{ folders: Folder[] }>('mail.folders', {});
  const inbox = folders.find((f) => f.role === 'inbox')!;
  assert.deepEqual({ name: inbox.name, unread: inbox.unread, total: inbox.total }, { name: 'Boîte de réception', unread: 2, total: 3 });
  assert.equal(folders.find((f) => f.name === 'Laboratoire')!.parentId, inbox.id);
  assert.equal(folders.find((f) => f.name === 'Corbeille')!.role, 'trash');
  // special-use folders carry their French name, whatever the server calls them (list titles use it too)
  assert.equal(folders.find((f) => f.role === 'sent')!.name, 'Envoyés');
  assert.equal(folders.find((f) => f.role === 'drafts')!.name, 'Brouillons');
});

test('message pages: newest first, offset/limit, sender trust level on each row', async () => {
  const all = await ok<MessagePage>('mail.list', page(ids.inbox));
  assert.equal(all.total, 3);
  assert.deepEqual(all.items.map((m) => m.subject), ['Offre promotionnelle', 'Bilan biologique', 'Échographie cardiaque de Mme X']);
  assert.deepEqual(all.items.map((m) => m.fromTrust), ['unknown', 'verified_professional', 'verified_professional']);
  assert.equal(all.items[1]!.hasAttachments, true);
  // rows carry the recipients (the Sent and Drafts lists show them instead of the sender)
  assert.deepEqual(all.items[0]!.to, [{ address: 'paul.durand@medecin.mssante.fr', name: 'Paul DURAND' }]);
  const second = await ok<MessagePage>('mail.list', page(ids.inbox, 1, 1));
  assert.deepEqual(second.items.map((m) => m.subject), ['Bilan biologique']);
  const oldest = await ok<MessagePage>('mail.list', { ...page(ids.inbox), sort: { by: 'date', dir: 'asc' } });
  assert.deepEqual(oldest.items.map((m) => m.subject), ['Échographie cardiaque de Mme X', 'Bilan biologique', 'Offre promotionnelle']);
  const threads = await ok<MessagePage>('mail.list', { ...page(ids.inbox), threads: true });
  assert.equal(threads.total, 3, 'three conversations of one message each');
  assert.deepEqual(threads.items.map((m) => m.threadSize), [1, 1, 1]);
  const other = await dispatch(handlers, 'mail.list', { ...page(ids.inbox), sort: { by: 'subject', dir: 'asc' } });
  assert.equal(!other.ok && other.error.code, 'SERVICE_UNAVAILABLE', 'an order the store cannot give is refused, not faked');
});

test('reading: headers, badge with its French explanation, XDM summary, read-receipt policy', async () => {
  const list = await ok<MessagePage>('mail.list', page(ids.inbox));
  const bilan = await ok<MessageView>('mail.read', { id: list.items[1]!.id });
  assert.equal(bilan.headers.subject, 'Bilan biologique');
  assert.equal(bilan.headers.from.address, 'jeanne.martin@medecin.mssante.fr');
  assert.equal(bilan.trust.label, 'Professionnel vérifié');
  assert.equal(bilan.trust.tone, 'ok');
  assert.deepEqual(bilan.trust.identity, { kind: 'PER', name: 'Jeanne MARTIN', profession: 'Médecin', specialty: 'Cardiologie', nationalId: '10001234567', nationalIdType: 'RPPS', structure: 'Cabinet de cardiologie', city: 'Lyon' });
  assert.ok(bilan.trust.reasons.includes('Domaine présent dans la liste blanche MSSanté'));
  assert.equal(bilan.attachments[0]!.kind, 'xdm');
  assert.equal(bilan.xdm!.documents[0]!.title, "Compte rendu d'examens biologiques");
  assert.equal(bilan.xdm!.documents[0]!.integrity, 'ok');
  assert.match(bilan.xdm!.patient.statusText, /INS/);
  assert.deepEqual(bilan.readReceipt, { requested: true, safeToSend: false }, 'receipt address differs from Return-Path: ask first');

  const promo = await ok<MessageView>('mail.read', { id: list.items[0]!.id });
  assert.equal(promo.trust.level, 'unknown');
  assert.equal(promo.xdm, null);
  assert.deepEqual(promo.readReceipt, { requested: false, safeToSend: false });

  const view = await ok<{ documents: { html: string | null }[] }>('xdm.view', { messageId: bilan.id, partId: bilan.xdm!.partId });
  assert.match(view.documents[0]!.html ?? '', /<article/);
  const bytes = await core.services.attachmentContent({ messageId: bilan.id, partId: bilan.attachments[0]!.partId });
  assert.equal(bytes.filename, 'IHE_XDM.ZIP');
  assert.equal(bytes.data.subarray(0, 2).toString('latin1'), 'PK');
});

test('unknown or malformed ids are NOT_FOUND', async () => {
  for (const id of ['999999', 'abc', '0', '1 OR 1=1']) {
    const r = await dispatch(handlers, 'mail.read', { id });
    assert.equal(!r.ok && r.error.code, 'NOT_FOUND', id);
  }
});

test('flags, search without accents, delete to the trash', async () => {
  const list = await ok<MessagePage>('mail.list', page(ids.inbox));
  const promo = list.items[0]!;
  assert.deepEqual(await ok('mail.setFlags', { ids: [promo.id], seen: true, flagged: true }), { updated: 1 });
  const { folders } = await ok<{ folders: Folder[] }>('mail.folders', {});
  assert.equal(folders.find((f) => f.role === 'inbox')!.unread, 1);

  const found = await ok<MessagePage>('mail.search', { query: 'echographie', offset: 0, limit: 10 });
  assert.deepEqual(found.items.map((m) => m.subject), ['Échographie cardiaque de Mme X']);
  assert.equal(found.total, 1);

  assert.deepEqual(await ok('mail.delete', { ids: [promo.id] }), { deleted: 1 });
  const after = await ok<MessagePage>('mail.list', page(ids.inbox));
  assert.ok(!after.items.some((m) => m.id === promo.id), 'gone from the inbox at once');
  assert.deepEqual(store.pendingOps().map((o) => [o.kind, o.kind === 'move' ? o.payload.target : '']).at(-1), ['move', 'Corbeille']);
});

test('compose templates: reply to the sender with the quote and threading; forward carries the original whole', async () => {
  const list = await ok<MessagePage>('mail.list', page(ids.inbox));
  const echo = list.items.find((m) => m.subject.startsWith('Échographie'))!;
  const reply = await ok<{ to: { address: string }[]; subject: string; text: string; inReplyTo?: string; replyTo?: string }>('compose.template', { messageId: echo.id, mode: 'reply' });
  assert.deepEqual(reply.to.map((a) => a.address), ['jeanne.martin@medecin.mssante.fr']);
  assert.equal(reply.subject, 'RE : Échographie cardiaque de Mme X');
  assert.match(reply.text, /a écrit :\n> Résultats de l’échographie\./);
  assert.match(reply.inReplyTo ?? '', /m1@medecin\.mssante\.fr/);
  assert.equal(reply.replyTo, echo.id, 'the answered message is marked once sent');
  const forward = await ok<{ to: unknown[]; subject: string; text: string; attachments: { filename: string; contentType: string; attachmentId: string }[] }>('compose.template', { messageId: echo.id, mode: 'forward' });
  assert.deepEqual(forward.to, []);
  assert.equal(forward.subject, 'TR : Échographie cardiaque de Mme X');
  assert.match(forward.text, /-------- Message transféré --------\nDe : Jeanne MARTIN <jeanne\.martin@medecin\.mssante\.fr>/);
  assert.deepEqual(forward.attachments.map((a) => [a.filename, a.contentType]), [['Échographie cardiaque de Mme X.eml', 'message/rfc822']]);
  assert.match(core.compose!.attachment(forward.attachments[0]!.attachmentId)!.data.toString('latin1'), /^Return-Path:/);
});

test('attachments dropped on compose are held by main, typed, size-limited, and wiped at lock', async () => {
  const pdf = Buffer.from('%PDF-1.7 ordonnance');
  const held = await ok<{ attachmentId: string; filename: string; contentType: string; size: number }>('compose.attachData', { filename: 'ordonnance.pdf', contentType: '', dataBase64: pdf.toString('base64') });
  assert.deepEqual({ ...held, attachmentId: 'x' }, { attachmentId: 'x', filename: 'ordonnance.pdf', contentType: 'application/pdf', size: pdf.length });
  const bad = await dispatch(handlers, 'compose.attachData', { filename: 'x.pdf', contentType: 'application/pdf', dataBase64: 'not base64!' });
  assert.equal(!bad.ok && bad.error.code, 'INVALID_ARGUMENT');
  assert.deepEqual(core.compose!.attachment(held.attachmentId)?.data, pdf);
  core.gate.lock('user');
  assert.equal(core.compose!.attachment(held.attachmentId), undefined, 'wiped at lock');
  const locked = await dispatch(handlers, 'compose.attachData', { filename: 'a.pdf', contentType: 'application/pdf', dataBase64: pdf.toString('base64') });
  assert.equal(!locked.ok && locked.error.code, 'SESSION_LOCKED');
  core.gate.unlock();
});

test('mail.source gives the message as received, as text (windows-1252 bytes readable)', async () => {
  const list = await ok<MessagePage>('mail.list', page(ids.inbox));
  const id = list.items.find((m) => m.subject === 'Échographie cardiaque de Mme X')!.id;
  const { text, truncated } = await ok<{ text: string; truncated: boolean }>('mail.source', { id });
  assert.equal(truncated, false);
  assert.match(text, /^Return-Path: <jeanne\.martin@medecin\.mssante\.fr>\r\n/);
  assert.match(text, /Subject: Échographie cardiaque de Mme X/);
  const { sourceText } = await import('../../../src-main/app/mail-app.js');
  assert.equal(sourceText(new Uint8Array(Buffer.from('Subject: R\xe9sultat\r\n', 'latin1'))).text, 'Subject: Résultat\r\n');
});
