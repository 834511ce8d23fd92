// `mssante card …` through the real binary, on cps-sim cards of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runMssante } from '../../support/cli.js';
import { writeSimPinState } from '../../support/cps-sim.js';
import { createSimBench, type SimBench } from './sim-fixture.js';

const PIN = '2468';
let bench: SimBench;
let env: NodeJS.ProcessEnv;

before(() => {
  bench = createSimBench([
    { label: 'CLI doctor', pin: PIN, subject: '/C=FR/title=Médecin/CN=899700300016+SN=MOREAU+GN=Hélène' },
    { label: 'CLI pinpad', pin: PIN, subject: '/C=FR/title=Sage-femme/CN=899700300024+SN=SIMON+GN=Maëlle', sim: { pinpad: 1, pinpad_pin: PIN, cps3: 1 } },
  ]);
  env = { ...bench.env, MSSANTE_PKCS11_MODULE: bench.module, MSSANTE_HOME: bench.dir };
});

after(() => bench?.cleanup());

describe('mssante card', () => {
  test('status --json: the shape of issue 3 for every card', async () => {
    const r = await runMssante(['card', 'status', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { module: { path: string }; tokens: Record<string, unknown>[] };
    assert.equal(out.module.path, bench.module);
    const doctor = out.tokens.find((t) => t.label === 'CLI doctor');
    assert.ok(doctor);
    assert.equal(doctor.present, true);
    assert.deepEqual(doctor.holder, { nationalId: '899700300016', idType: 'RPPS', rpps: '99700300016', adeli: null, lastName: 'MOREAU', firstName: 'Hélène', profession: 'Médecin' });
    assert.deepEqual(doctor.pin, { locked: false, finalTry: false, countLow: false, protectedPath: false });
    assert.match((doctor.certificate as { sha256: string }).sha256, /^[0-9a-f]{64}$/);
    assert.ok((doctor.mechanisms as string[]).includes('CKM_RSA_PKCS_PSS'));
    const pinpad = out.tokens.find((t) => t.label === 'CLI pinpad');
    assert.equal((pinpad?.pin as { protectedPath: boolean }).protectedPath, true);
    assert.ok(!(pinpad?.mechanisms as string[]).some((m) => m.includes('PSS')), 'CPS3: no PSS');
  });

  test('status in French; --token selects one card', async () => {
    const r = await runMssante(['--token', 'CLI doctor', 'card', 'status'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Titulaire : Hélène MOREAU, Médecin/);
    assert.match(r.stdout, /Identifiant national : 899700300016 \(RPPS, RPPS 99700300016\)/);
    assert.doesNotMatch(r.stdout, /CLI pinpad/);
  });

  test('login with a wrong PIN: one attempt, state reported, non-zero exit; then the right PIN', async () => {
    const before = bench.pinState('CLI doctor').loginCalls;
    const r = await runMssante(['--token', 'CLI doctor', '--pin-stdin', '--json', 'card', 'login'], { env, stdin: '0000\n' });
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, 'CARD_PIN_INCORRECT');
    assert.match(r.stderr, /Code PIN incorrect/);
    assert.match(r.stderr, /reste peu/);
    assert.doesNotMatch(r.stderr + r.stdout, /0000/, 'the PIN is never echoed');
    assert.equal(bench.pinState('CLI doctor').loginCalls, before + 1);

    const r2 = await runMssante(['--token', 'CLI doctor', '--pin-stdin', 'card', 'login'], { env, stdin: '1111\n' });
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /Attention : un code PIN erroné a déjà été saisi/);
    assert.match(r2.stderr, /Il reste 1 essai/);

    const ok = await runMssante(['--token', 'CLI doctor', '--pin-stdin', '--json', 'card', 'login'], { env, stdin: `${PIN}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /dernier essai avant blocage/);
    assert.equal(JSON.parse(ok.stdout).ok, true);
    assert.equal(bench.pinState('CLI doctor').loginCalls, before + 3);
    assert.equal(bench.pinState('CLI doctor').triesLeft, 3);
  });

  test('a PIN typed with spaces around it is refused before the card: no try spent (issue 14)', async () => {
    const before = bench.pinState('CLI doctor');
    const r = await runMssante(['--token', 'CLI doctor', '--pin-stdin', '--json', 'card', 'login'], { env, stdin: ` ${PIN} \n` });
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, 'CARD_PIN_FORMAT');
    assert.match(r.stderr, /Code PIN non accepté : il doit comporter de 4 à 8 chiffres, sans espace ni autre caractère\. Il n’a pas été présenté à la carte/);
    assert.doesNotMatch(r.stderr, /Code PIN correct/);
    assert.equal(bench.pinState('CLI doctor').loginCalls, before.loginCalls, 'the card was not asked');
    assert.equal(bench.pinState('CLI doctor').triesLeft, before.triesLeft);
  });

  test('login on a pinpad reader asks to type the PIN on the reader', async () => {
    const r = await runMssante(['--token', 'CLI pinpad', 'card', 'login'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Saisissez votre code PIN sur le clavier du lecteur/);
    assert.match(r.stdout, /Code PIN correct/);
  });

  test('a locked card is reported as locked without asking for the PIN', async () => {
    const state = bench.pinState('CLI doctor');
    writeSimPinState(bench.env.CPS_SIM_CONFIG as string, 'CLI doctor', { triesLeft: 0, loginCalls: state.loginCalls });
    try {
      const r = await runMssante(['--token', 'CLI doctor', '--pin-stdin', '--json', 'card', 'login'], { env, stdin: `${PIN}\n` });
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.stdout).error.code, 'CARD_PIN_LOCKED');
      assert.match(r.stderr, /Carte bloquée/);
      assert.equal(bench.pinState('CLI doctor').loginCalls, state.loginCalls, 'no PIN sent to a locked card');
      const s = await runMssante(['--token', 'CLI doctor', 'card', 'status', '--json'], { env });
      assert.equal(JSON.parse(s.stdout).tokens[0].pin.locked, true);
    } finally {
      writeSimPinState(bench.env.CPS_SIM_CONFIG as string, 'CLI doctor', { triesLeft: 3, loginCalls: 0 });
    }
  });

  test('several cards and no --token: the user is asked to choose', async () => {
    const r = await runMssante(['--pin-stdin', 'card', 'login'], { env, stdin: `${PIN}\n` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plusieurs cartes sont présentes/);
  });

  test('a missing module names the paths tried', async () => {
    const r = await runMssante(['--pkcs11-module', '/nowhere/libcps3_pkcs11_lux.so', 'card', 'status'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/nowhere\/libcps3_pkcs11_lux\.so : fichier absent/);
    assert.match(r.stderr, /introuvable/);
  });

  test('watch prints removal and insertion as they happen', async () => {
    const bin = fileURLToPath(new URL('../../../bin/mssante.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, '--json', 'card', 'watch'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: { event: string; label: string }[] = [];
    let buffered = '';
    const seen = (pred: (e: { event: string; label: string }) => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`event not seen; got ${JSON.stringify(events)}`)), 15_000);
        const check = (): void => {
          if (events.some(pred)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      // --json: one pretty-printed object per event
      for (const m of buffered.matchAll(/\{[^{}]*\}/g)) events.push(JSON.parse(m[0]));
      buffered = buffered.replace(/\{[^{}]*\}/g, '');
    });
    try {
      await seen((e) => e.event === 'present' && e.label === 'CLI doctor');
      bench.setSim('CLI doctor', { present: 0 });
      await seen((e) => e.event === 'removed' && e.label === 'CLI doctor');
      bench.setSim('CLI doctor', { present: 1 });
      await seen((e) => e.event === 'inserted' && e.label === 'CLI doctor');
    } finally {
      bench.setSim('CLI doctor', { present: 1 });
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0);
  });

  test('--help on every verb, in French', async () => {
    for (const verb of ['status', 'login', 'watch']) {
      const r = await runMssante(['card', verb, '--help'], { env });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /afficher l’aide de la commande/);
    }
  });
});
