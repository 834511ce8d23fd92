// Card-bound store key benchmark (issue 21), part `storekey` of `npm run bench`:
// what unlocking the store with the card adds to the PIN login itself, on the
// bench's card (doctorA: cps-sim over SoftHSM, in the card host process):
// - PIN login alone (C_Login through the card host);
// - PIN login + card KEK (one PKCS#1 v1.5 signature of the challenge, HKDF)
//   + unwrap of the store key: what every unlock costs (target: ≤ 300 ms over the login);
// - one journal checkpoint signature (end of a sync pass, of a send, of a CLI command).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardService, CardSigner } from '../../src-main/card/index.js';
import { signSessionCheckpoint } from '../../src-main/audit/anchor.js';
import { Journal } from '../../src-main/audit/journal.js';
import { openDatabase } from '../../src-main/store/database.js';
import { createKeyring, newStoreKey, unlockWithCard } from '../../src-main/store/keys/keyring.js';
import { card, loadTestbed } from '../support/testbed.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (v: number): number => Math.round(v * 10) / 10;

export async function benchStoreKey(opts: { runs?: number } = {}): Promise<Record<string, number>> {
  const runs = opts.runs ?? 9;
  const state = loadTestbed();
  const doctor = card(state, 'doctorA');
  process.env.SOFTHSM2_CONF = state.softhsm.conf; // inherited by the card host
  const svc = new CardService({ modulePath: doctor.pkcs11Module });
  let dir: string | undefined;
  try {
    const token = await svc.selectToken(doctor.tokenLabel);
    const login = async () => svc.login(token, Buffer.from(doctor.userPin, 'utf8'));
    // set-up once (signs twice: determinism check), outside the figures
    const first = await login();
    const { keyring } = await createKeyring(new CardSigner(first), newStoreKey());
    await first.logout();

    const loginMs: number[] = [];
    const unlockMs: number[] = [];
    const kekMs: number[] = [];
    const checkpointMs: number[] = [];
    dir = mkdtempSync(join(tmpdir(), 'mssante-bench-storekey-'));
    const journal = new Journal(openDatabase(join(dir, 'mail.db'), newStoreKey()));
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      const s1 = await login();
      loginMs.push(performance.now() - t);
      await s1.logout();

      t = performance.now();
      const s2 = await login();
      const k = performance.now();
      const key = await unlockWithCard(keyring, new CardSigner(s2));
      const end = performance.now();
      unlockMs.push(end - t);
      kekMs.push(end - k);
      key.fill(0);

      journal.append([{ action: 'message.opened', data: { messageId: `<b${i}@x>`, sha256: 'a'.repeat(64) } }]);
      t = performance.now();
      await signSessionCheckpoint(journal, new CardSigner(s2));
      checkpointMs.push(performance.now() - t);
      await s2.logout();
    }
    const overhead = median(unlockMs) - median(loginMs);
    return {
      runs,
      pin_login_ms_median: round(median(loginMs)),
      pin_login_plus_store_unlock_ms_median: round(median(unlockMs)),
      store_unlock_over_login_ms: round(overhead),
      card_kek_and_unwrap_ms_median: round(median(kekMs)),
      journal_checkpoint_signature_ms_median: round(median(checkpointMs)),
      target_over_login_ms: 300,
    };
  } finally {
    svc.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
