// mail.read through the contract dispatcher: a message with an XDM biology
// report and one with an HPRIM attachment carry their results panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { buildXdmZip } from '../../../src-main/xdm/build-xdm.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, MessageView } from '../../../src-main/ipc/contract.js';
import { createCoreApp } from '../../../src-main/app/core-app.js';
import type { MailStorePort } from '../../../src-main/app/mail-app.js';
import { resultsFixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mssante-results-read-'));
let store: MailStore;
let handlers: ChannelHandlers;
let core: ReturnType<typeof createCoreApp>;
const changed: string[][] = [];
let onChanged: (() => void) | undefined;
const PATIENT = { ins: '279035121518989', oid: '1.2.250.1.213.1.4.10', traits: { birthName: 'PAT-TROIS', firstGivenName: 'DOMINIQUE', birthDate: '1979-03-28', sex: 'F' as const } };

function mail(n: number, attachment?: { filename: string; type: string; bytes: Uint8Array }): Buffer {
  const head = `From: Laboratoire <labo@labo.mssante.fr>\r\nTo: paul.durand@medecin.mssante.fr\r\nSubject: Résultats ${n}\r\nDate: Thu, ${10 + n} Nov 2026 09:00:00 +0100\r\nMessage-ID: <r${n}@labo.mssante.fr>\r\nMIME-Version: 1.0\r\n`;
  if (!attachment) return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n`);
  const b64 = Buffer.from(attachment.bytes).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `${head}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint\r\n` +
      `--b\r\nContent-Type: ${attachment.type}; name="${attachment.filename}"\r\nContent-Disposition: attachment; filename="${attachment.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`,
  );
}

const read = async (id: number): Promise<MessageView> => {
  const r = await dispatch(handlers, 'mail.read', { id: String(id) });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as MessageView;
};

before(async () => {
  store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider('22'.repeat(32)) });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  const xdm = buildXdmZip({ documents: [{ cdaXml: resultsFixture('BIO-CR-BIO_2024.01_TSH_1.xml') }], patient: PATIENT, author: { lastName: 'CAMPARINI', firstName: 'Marcel' }, now: new Date('2026-11-26T10:00:00Z') });
  const critical = new TextEncoder().encode('****LAB****\nRES|POTASSIUM|K|N|7.1|mmol/L|3.5|5.0|HH|F\n' + new TextDecoder().decode(resultsFixture('pipes.hpr')) + '****FIN****\n');
  await store.applyBatch({
    folderId: inbox!.id,
    newMessages: [
      { uid: 1, flags: [], raw: mail(1, { filename: 'IHE_XDM.ZIP', type: 'application/zip', bytes: xdm }) },
      { uid: 2, flags: [], raw: mail(2, { filename: 'resultats.hpr', type: 'application/octet-stream', bytes: critical }) },
      { uid: 3, flags: [], raw: mail(3) },
    ],
  });
  const port = new Proxy(store, {
    get: (target, name) => {
      const value = (target as never)[name as never] as unknown;
      return typeof value === 'function' ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
    },
  }) as unknown as MailStorePort;
  core = createCoreApp({
    emit: (event, payload) => {
      if (event !== 'mail.changed') return;
      changed.push((payload as { folderIds: string[] }).folderIds);
      onChanged?.();
    },
    settingsFile: join(dir, 'settings.json'), mail: () => port });
  core.gate.unlock();
  handlers = core.services as unknown as ChannelHandlers;
});

after(async () => {
  core.dispose();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an XDM biology report: its rows in French, its PDF first, no critical value', async () => {
  const v = await read(1);
  assert.ok(v.results);
  assert.deepEqual(v.results.summary, { total: 2, abnormal: 1, critical: 0, mismatches: 0 });
  const doc = v.results.documents[0]!;
  assert.equal(doc.laboratory, 'Laboratoire des charmes');
  assert.equal(doc.pdf?.filename, "Compte rendu d'examens biologiques-doc-1.pdf");
  const [tsh, ft4] = doc.groups[0]!.rows;
  assert.deepEqual([tsh!.label, tsh!.value, tsh!.unit, tsh!.range, tsh!.flag, tsh!.level], ['Thyréostimuline (TSH)', '1.950', 'mUI/L', '0.270 – 4.200', 'normal', 'normal']);
  assert.deepEqual([ft4!.value, ft4!.flag, ft4!.level, ft4!.computed], ['7.67', '▼ bas', 'low', false]);
  assert.match(doc.abnormalSummary, /^1 résultat anormal : Thyroxine libre \(FT4\) 7\.67 pg\/mL \(bas\)\.$/);
});

test('an HPRIM attachment: critical potassium, computed flags told apart', async () => {
  const v = await read(2);
  assert.ok(v.results);
  assert.deepEqual(v.results.summary, { total: 6, abnormal: 4, critical: 1, mismatches: 0 });
  const doc = v.results.documents[0]!;
  assert.deepEqual(doc.criticalLabels, ['POTASSIUM']);
  const glucose = doc.groups[0]!.rows.find((r) => r.label === 'GLUCOSE A JEUN')!;
  assert.deepEqual([glucose.flag, glucose.level, glucose.computed], ['▲ élevé (calculé)', 'high', true]);
  assert.equal(doc.pdf, null);
});

test('a message without results: results is null', async () => {
  assert.equal((await read(3)).results, null);
});

test('list rows: answered at once, then the counts computed in the background and mail.changed sent', async () => {
  const folders = await dispatch(handlers, 'mail.folders', {});
  assert.ok(folders.ok);
  const inbox = (folders.value as { folders: { id: string; role: string }[] }).folders.find((f) => f.role === 'inbox')!;
  const list = async () => {
    const page = await dispatch(handlers, 'mail.list', { folderId: inbox.id, offset: 0, limit: 10, sort: { by: 'date', dir: 'asc' }, threads: false });
    assert.ok(page.ok, JSON.stringify(page));
    return (page.value as { items: { subject: string; results?: { abnormal: number; critical: number } }[] }).items;
  };
  const done = new Promise<void>((resolve) => (onChanged = resolve));
  const first = await list();
  await done;
  assert.deepEqual(changed.at(-1), [inbox.id]);
  // the first answer did not wait for the attachments (the session cache may already hold some from mail.read)
  assert.equal(first.length, 3);
  const items = await list();
  assert.deepEqual(items.map((i) => [i.subject, i.results]), [
    ['Résultats 1', { abnormal: 1, critical: 0 }],
    ['Résultats 2', { abnormal: 4, critical: 1 }],
    ['Résultats 3', undefined],
  ]);
});

test('the laboratory PDF inside the XDM opens like an attachment (part "<id>/pdf/0")', async () => {
  const v = await read(1);
  const pdf = v.results!.documents[0]!.pdf!;
  assert.match(pdf.partId ?? '', /^\d+\/pdf\/0$/);
  const content = await core.services.attachmentContent({ messageId: '1', partId: pdf.partId! }, 'open');
  assert.equal(content.filename, pdf.filename);
  assert.equal(content.contentType, 'application/pdf');
  assert.equal(content.data.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal(content.data.length, pdf.size);
  await assert.rejects(core.services.attachmentContent({ messageId: '1', partId: pdf.partId!.replace(/0$/, '7') }), (e: { code?: string }) => e.code === 'NOT_FOUND');
});
