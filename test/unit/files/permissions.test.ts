// Issue 14 point 4: under a umask of 022 every file of the data folder is 0600 and every folder
// 0700, including a folder that already existed as 0755 and files an older version left 0644.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { openHomeStore, storeFile } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';

const keyProvider = staticKeyProvider(randomBytes(32));
import { DiskCrlCache, crlCacheDir } from '../../../src-main/tls/pki/crl-cache.js';
import { importAnnuaire, importListeBlanche, trustDirOf } from '../../../src-main/trust/index.js';
import { prepareUserData, userDataLayout } from '../../../src-main/shell/user-data.js';
import { extractionLine, referenceHeader } from '../trust/support/extraction.js';

const posix = process.platform !== 'win32';
const dirs: string[] = [];
let previousUmask = 0;
before(() => {
  previousUmask = process.umask(0o022); // the common default that made the files world-readable
});
after(() => {
  process.umask(previousUmask);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'perm-'));
  dirs.push(d);
  return d;
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every folder 0700, every file 0600, under `root` (root included). */
function assertPrivateTree(root: string): void {
  assert.equal(mode(root), '700', root);
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    assert.equal(mode(path), entry.isDirectory() ? '700' : '600', path);
  }
}

test('store, -wal/-shm, CRL cache, annuaire and liste blanche are owner-only under umask 022; a 0755 folder is tightened', { skip: !posix }, async () => {
  assert.equal(process.umask(), 0o022);
  const home = join(tempDir(), 'home');
  mkdirSync(home, { mode: 0o755 });
  chmodSync(home, 0o755);

  const store = await openHomeStore(home, { keyProvider }); // creates mail.db (WAL)
  store.ensureAccount({ address: 'jean.kerdraon@medecin.mssante.fr' });
  for (const suffix of ['', '-wal', '-shm']) assert.equal(mode(storeFile(home) + suffix), '600', `mail.db${suffix}`);
  assert.equal(mode(home), '700', 'the existing 0755 data folder is tightened');
  store.close();

  await new DiskCrlCache(crlCacheDir(home)).put('http://crl.example/ac.crl', Buffer.from('not really a CRL'));
  const trust = trustDirOf(home);
  const extraction = join(tempDir(), 'Extraction_Correspondance_MSSante_202611260300.txt');
  writeFileSync(extraction, [referenceHeader(), extractionLine({ type: 'PER', address: 'jean.kerdraon@medecin.mssante.fr', lastName: 'KERDRAON' })].join('\n') + '\n');
  await importAnnuaire(extraction, { home: trust });
  const lb = join(tempDir(), 'listeblanche.xml');
  writeFileSync(lb, '<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.fr</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
  await importListeBlanche(lb, { home: trust });
  assertPrivateTree(home);
});

test('files and folders an older version left 0644/0755 are tightened when the store and the app open', { skip: !posix }, async () => {
  const root = join(tempDir(), 'userData');
  const layout = userDataLayout(root);
  for (const dir of [root, layout.storeDir, layout.trustDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  const store = await openHomeStore(layout.storeDir, { keyProvider });
  store.close();
  for (const dir of [root, layout.storeDir, layout.trustDir]) chmodSync(dir, 0o755);
  for (const suffix of ['', '-wal', '-shm']) {
    writeFileSync(layout.storeFile + suffix, '', { flag: 'a' });
    chmodSync(layout.storeFile + suffix, 0o644);
  }
  prepareUserData(layout);
  const reopened = await openHomeStore(layout.storeDir, { keyProvider });
  reopened.close();
  assertPrivateTree(root);
});
