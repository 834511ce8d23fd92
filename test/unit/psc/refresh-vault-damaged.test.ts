// The sealed Pro Santé Connect session file as a clinic's disk may leave it: cut by a full disk or
// a crash, edited, emptied, or copied from another data folder (another store key) or another
// account. Each is "nothing kept" (never an exception), and the CLI erases it and says so in
// French instead of crashing or keeping a dead file.
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRefreshToken, refreshVaultFile, sealRefreshToken } from '../../../src-main/psc/index.js';
import { refreshVaultUnreadable } from '../../../src-main/psc/refresh-vault.js';
import { runMssante } from '../../support/cli.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'mssante-vault-'));
  dirs.push(d);
  return d;
}

const ACCOUNTS_VERSION = 1;
const address = 'helene.martin@medecin.mssante.test';

describe('the sealed refresh-token file, damaged', () => {
  const key = randomBytes(32);
  const h = home();
  const file = refreshVaultFile(h, address);
  sealRefreshToken(file, key, address, { refreshToken: 'rt-1', subject: '99700100011' });
  const good = readFileSync(file, 'utf8');
  const sealed = JSON.parse(good) as Record<string, unknown>;
  const variants: Record<string, string | Buffer> = {
    'cut in half': good.slice(0, good.length / 2),
    'empty': '',
    'JSON null': 'null',
    'a JSON array': '[]',
    'no salt': JSON.stringify({ ...sealed, salt: undefined }),
    'salt of the wrong type': JSON.stringify({ ...sealed, salt: 42 }),
    'tag cut': JSON.stringify({ ...sealed, tag: String(sealed.tag).slice(0, 4) }),
    'iv of the wrong length': JSON.stringify({ ...sealed, iv: 'AAAA' }),
    'binary garbage': randomBytes(300),
    'another version': JSON.stringify({ ...sealed, v: 2 }),
  };
  for (const [name, content] of Object.entries(variants)) {
    it(`${name}: nothing kept, no exception, reported as unreadable`, () => {
      writeFileSync(file, content);
      assert.equal(openRefreshToken(file, key, address), undefined);
      assert.equal(refreshVaultUnreadable(file, key, address), true);
    });
  }

  it('from another data folder (another store key) or for another account: nothing kept', () => {
    writeFileSync(file, good);
    assert.deepEqual(openRefreshToken(file, key, address), { refreshToken: 'rt-1', subject: '99700100011' });
    assert.equal(openRefreshToken(file, randomBytes(32), address), undefined);
    assert.equal(openRefreshToken(file, key, 'francois.dubois@medecin.mssante.test'), undefined);
    assert.equal(refreshVaultUnreadable(file, randomBytes(32), address), true);
    assert.equal(refreshVaultUnreadable(join(h, 'none.sealed'), key, address), false, 'no file is not "unreadable"');
  });
});

describe('the CLI on a damaged sealed session', () => {
  it('sync erases it, says so in French, and asks to log in (no crash)', async () => {
    const h = home();
    const storeKey = randomBytes(32);
    writeFileSync(join(h, 'accounts.json'), JSON.stringify({ version: ACCOUNTS_VERSION, accounts: [{
      address, imap: { host: 'localhost', port: 1, security: 'starttls' }, smtp: { host: 'localhost', port: 1, security: 'starttls' },
      auth: { kind: 'psc', issuer: 'https://127.0.0.1:1', clientId: 'mssante-desktop', scope: 'openid scope_all', keepRefreshToken: true },
      createdAt: new Date().toISOString(),
    }] }));
    const file = refreshVaultFile(h, address);
    writeFileSync(file, 'null');
    const r = await runMssante(['--home', h, 'sync'], { env: { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: storeKey.toString('hex') } });
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /TypeError|at \w+ \(/, 'no stack trace');
    assert.match(r.stderr, /La session Pro Santé Connect gardée sur cet ordinateur était illisible .* : elle a été effacée\./);
    assert.match(r.stderr, /Vous n’êtes pas connecté à Pro Santé Connect/);
    assert.equal(existsSync(file), false);
  });
});
