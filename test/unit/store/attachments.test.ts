// Attachments are stored as name/type/size/SHA-256 only; their bytes are
// re-extracted from the byte-exact raw source when asked, and checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { decodeMimeBase64 } from '../../../src-main/store/mime-base64.js';
import { parseMessage, sha256Hex } from '../../../src-main/store/parse.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { buildEml } from '../../support/mail-fixtures.js';

test('base64 bodies decode as postal-mime always did: stray characters ignored, each padded unit on its own, a lone last character dropped', () => {
  assert.equal(decodeMimeBase64('YWJj\r\nZGVm\r\n').toString(), 'abcdef');
  assert.equal(decodeMimeBase64('YQ==\r\nYg==\r\n').toString(), 'ab', 'a mailer that pads every line');
  assert.equal(decodeMimeBase64('YW*Jj ZA').toString(), 'abcd');
  assert.equal(decodeMimeBase64('-_YWJj').toString(), 'abc', 'base64url characters are not part of MIME base64');
  assert.equal(decodeMimeBase64('YWJjZ').toString(), 'abc');
  assert.equal(decodeMimeBase64('').length, 0);
});

async function withStore(fn: (store: MailStore, folderId: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-att-'));
  const store = await MailStore.open({ file: join(dir, 'mail.db'), keyProvider: staticKeyProvider(randomBytes(32)) });
  try {
    const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
    const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
    await fn(store, inbox!.id);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an attachment is stored without a second copy of its bytes and read back identical from the source', async () => {
  await withStore(async (store, folderId) => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(40_000)]);
    const raw = buildEml({ subject: 'Compte rendu', attachment: { filename: 'CR échographie.pdf', mimeType: 'application/pdf', content: pdf } });
    await store.applyBatch({ folderId, newMessages: [{ uid: 1, flags: [], raw }] });
    const [m] = store.listMessages({ folderId });
    const [a] = store.getMessage(m!.id).attachments;
    assert.deepEqual({ name: a!.filename, type: a!.mimeType, size: a!.size, sha: a!.sha256 }, { name: 'CR échographie.pdf', type: 'application/pdf', size: pdf.length, sha: sha256Hex(pdf) });
    assert.equal(store.db.prepare('SELECT length(content) FROM attachments WHERE id = ?').pluck().get(a!.id), 0, 'no stored copy');
    assert.ok((await store.getAttachmentContent(a!.id)).equals(pdf));
    assert.equal((await parseMessage(raw)).attachments[0]!.sha256, sha256Hex(pdf));
  });
});

test('rows stored with their content (before) are still read from it; a source that no longer matches is STORE_CORRUPT, never wrong bytes', async () => {
  await withStore(async (store, folderId) => {
    const pdf = randomBytes(5000);
    await store.applyBatch({
      folderId,
      newMessages: [1, 2].map((uid) => ({ uid, flags: [], raw: buildEml({ subject: `m${uid}`, attachment: { filename: `f${uid}.pdf`, mimeType: 'application/pdf', content: pdf } }) })),
    });
    const [m2, m1] = store.listMessages({ folderId, order: 'asc' }).map((m) => store.getMessage(m.id));
    const kept = randomBytes(5000);
    // an older row: its own copy is authoritative
    store.db.prepare('UPDATE attachments SET content = ? WHERE id = ?').run(kept, m1!.attachments[0]!.id);
    assert.ok((await store.getAttachmentContent(m1!.attachments[0]!.id)).equals(kept));
    // a source whose attachment differs from the recorded hash
    const other = buildEml({ subject: 'm', attachment: { filename: 'f.pdf', mimeType: 'application/pdf', content: randomBytes(5000) } });
    store.db.prepare('UPDATE message_sources SET raw = ? WHERE message_id = ?').run(other, m2!.id);
    await assert.rejects(store.getAttachmentContent(m2!.attachments[0]!.id), (e) => isAppError(e) && e.code === 'STORE_CORRUPT');
    await assert.rejects(store.getAttachmentContent(999_999), (e) => isAppError(e) && e.code === 'NOT_FOUND');
  });
});
