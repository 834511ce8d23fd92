// "remplace le document du …" where received IHE_XDM documents are shown: the window's mail.read
// and `mssante messages show` (JSON and text). Two CDAs share a setId; the one with the higher
// versionNumber replaces the other; a third with another setId replaces nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailApp, type MailStorePort } from '../../../src-main/app/mail-app.js';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { xdmMailParts } from '../../../src-main/xdm/send-xdm.js';
import { runMssante } from '../../support/cli.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { cdaN1 } from '../mssante/fixtures.js';

const KEY = randomBytes(32).toString('hex');
const home = mkdtempSync(join(tmpdir(), 'mssante-replacement-'));
const env = { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: KEY };
const ids: Record<'v1' | 'v2' | 'other', number> = { v1: 0, v2: 0, other: 0 };
let store: MailStore;

const v1 = cdaN1().toString('utf8');
// version 2 of the same document: its own id, the same setId, a later date
const v2 = v1
  .replace('<id root="1.3.6.1.4.1.19376.1.2.20.12345.1.1"/>', '<id root="1.3.6.1.4.1.19376.1.2.20.12345.1.2"/>')
  .replace('<versionNumber value="1"/>', '<versionNumber value="2"/>')
  .replace('<effectiveTime value="20210401134745+0100"/>', '<effectiveTime value="20210415090000+0100"/>');
// another document (another setId), version 3
const other = v2.replace('<setId root="1.3.6.1.4.1.19376.1.2.20.12345.1"/>', '<setId root="1.2.3.4.5.6"/>').replace('<versionNumber value="2"/>', '<versionNumber value="3"/>');

const xdmEml = (cda: string, subject: string, date: string) =>
  buildEml({
    subject,
    date: new Date(date),
    attachment: {
      filename: 'IHE_XDM.ZIP',
      mimeType: 'application/zip',
      content: Buffer.from(xdmMailParts({ cdaXml: Buffer.from(cda, 'utf8'), author: { lastName: 'DUBOIS', firstName: 'François' }, recipients: ['paul.durand@medecin.mssante.fr'] }).attachments[0]!.content),
    },
  });

before(async () => {
  store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await store.applyBatch({
    folderId: inbox!.id,
    newMessages: [
      { uid: 1, flags: [], raw: xdmEml(v1, 'Compte rendu v1', '2021-04-01T12:00:00Z') },
      { uid: 2, flags: [], raw: xdmEml(v2, 'Compte rendu v2', '2021-04-15T08:00:00Z') },
      { uid: 3, flags: [], raw: xdmEml(other, 'Autre document', '2021-04-16T08:00:00Z') },
    ],
  });
  for (const m of store.listMessages({ folderId: inbox!.id, limit: 10 })) {
    if (m.subject === 'Compte rendu v1') ids.v1 = m.id;
    if (m.subject === 'Compte rendu v2') ids.v2 = m.id;
    if (m.subject === 'Autre document') ids.other = m.id;
  }
});
after(() => {
  store?.close();
  rmSync(home, { recursive: true, force: true });
});

test('the window (mail.read): the higher version says which document it replaces; the others say nothing', async () => {
  const port = new Proxy(store, {
    get: (target, name) => {
      const value = (target as never)[name as never] as unknown;
      return typeof value === 'function' ? async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
    },
  }) as unknown as MailStorePort;
  const read = createMailApp(() => port).channels['mail.read'];
  const replaces = async (id: number) => (await read({ id: String(id) })).xdm!.documents.map((d) => d.replaces ?? null);
  assert.deepEqual(await replaces(ids.v2), ['remplace le document du 01/04/2021']);
  assert.deepEqual(await replaces(ids.v1), [null], 'an older version replaces nothing');
  assert.deepEqual(await replaces(ids.other), [null], 'another setId');
});

test('mssante messages show: "replaces" in the JSON and a "Remplacement" line in the text', async () => {
  store.close();
  const json = await runMssante(['--home', home, 'messages', 'show', String(ids.v2), '--json'], { env });
  assert.equal(json.code, 0, json.stderr);
  const shown = JSON.parse(json.stdout) as { message: { xdm: { documents: { replaces?: string }[] } } };
  assert.equal(shown.message.xdm.documents[0]!.replaces, 'remplace le document du 01/04/2021');
  const text = await runMssante(['--home', home, 'messages', 'show', String(ids.v2)], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {5}Remplacement : remplace le document du 01\/04\/2021$/m);
  const older = JSON.parse((await runMssante(['--home', home, 'messages', 'show', String(ids.v1), '--json'], { env })).stdout) as { message: { xdm: { documents: { replaces?: string }[] } } };
  assert.equal(older.message.xdm.documents[0]!.replaces, undefined);
  store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
});
