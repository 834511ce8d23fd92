// `mssante store keychain on|off`: the clinic's keychain setting for the
// window's store (app/store-policy.ts), written by the IT person, never by the
// window; the change waits in the pending journal until the next card unlock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStorePolicy } from '../../../src-main/app/store-policy.js';
import { runMssante } from '../../support/cli.js';

test('store keychain on|off writes the clinic setting, journals it at the next unlock, refuses anything else', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-keychain-cli-'));
  // without a card: the setting needs none, and no test key seam may stand in for it
  const env = { MSSANTE_STORE_KEY: '' };
  try {
    assert.equal(readStorePolicy(home).keychain, 'card-only', 'default: card only');
    const on = await runMssante(['--home', home, 'store', 'keychain', 'on'], { env });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /trousseau du système/);
    assert.equal(readStorePolicy(home).keychain, 'keychain');
    const pending = readFileSync(join(home, 'journal-pending.jsonl'), 'utf8');
    assert.match(pending, /"settings\.changed".*"storeKeychain":"keychain"/);
    const off = await runMssante(['--home', home, 'store', 'keychain', 'off', '--json'], { env });
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout), { ok: true, keychain: 'card-only' });
    assert.equal(readStorePolicy(home).keychain, 'card-only');
    const bad = await runMssante(['--home', home, 'store', 'keychain', 'peut-être'], { env });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Paramètre invalide/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
