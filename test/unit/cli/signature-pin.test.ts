// `--pin-stdin` with a key that demands the PIN for every signature
// (CKA_ALWAYS_AUTHENTICATE): the first line logs in, each further line is the
// PIN of one signature, used once; none left is CARD_PIN_REQUIRED. (The card
// side — one context-specific C_Login per signature — is tested against a
// cps-sim card in test/integration/card/card-service.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');

test('the first stdin line logs in; each later line is one signature PIN, used once', () => {
  const script = `
    const { readPinFromStdin, signaturePin } = await import(${JSON.stringify(join(repo, 'src-main/cli/card-login.ts'))});
    const login = await readPinFromStdin();
    const next = signaturePin({ pinStdin: true }, { label: 'CPS' });
    const out = [login.toString()];
    out.push((await next()).toString());
    out.push((await next()).toString());
    try { await next(); out.push('again'); } catch (e) { out.push(e.code); }
    console.log(JSON.stringify(out));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, input: '1234\r\n5678\n9012\n', encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), ['1234', '5678', '9012', 'CARD_PIN_REQUIRED']);
});
