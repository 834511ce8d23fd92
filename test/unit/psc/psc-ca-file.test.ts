// IT's PSC anchors file (`account add --psc-ca`, `caFile` of the window's psc.json) moved or
// deleted: `psc login` (and the window's login) name the file, instead of « Erreur interne inattendue ».
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, messageFr } from '../../../src-main/errors/index.js';
import { readPscCaFile } from '../../../src-main/psc/index.js';
import { runMssante } from '../../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'mssante-psc-ca-'));
after(() => rmSync(home, { recursive: true, force: true }));

it('an unreadable PSC anchors file is IO_FAILED naming it (core) and the CLI says so in French', async () => {
  const missing = join(home, 'absent', 'psc-ca.pem');
  assert.throws(() => readPscCaFile(missing), (err: unknown) => err instanceof AppError && err.code === 'IO_FAILED' && /autorités de confiance de Pro Santé Connect/.test(messageFr(err.code, err.data)));
  writeFileSync(join(home, 'accounts.json'), JSON.stringify({ version: 1, accounts: [{
    address: 'a@medecin.mssante.test', imap: { host: 'localhost', port: 1, security: 'starttls' }, smtp: { host: 'localhost', port: 1, security: 'starttls' },
    auth: { kind: 'psc', issuer: 'https://127.0.0.1:1', clientId: 'mssante-desktop', scope: 'openid', caFile: missing }, createdAt: new Date().toISOString(),
  }] }));
  const r = await runMssante(['--home', home, 'psc', 'login', '--rpps', '99700100011'], { env: { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: randomBytes(32).toString('hex') } });
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr, /Erreur interne/);
  // the CLI names the file (cli/error-text.ts); the window's text names what it is for (messages-fr.ts)
  assert.match(r.stderr, /Fichier introuvable : .*absent\/psc-ca\.pem\./);
});
