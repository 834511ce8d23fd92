// Stored sender-trust decisions computed again after a new annuaire or liste
// blanche: the store API with its hooks, and `mssante trust recompute` through
// the real binary on a real liste blanche.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailStore } from '../../../src-main/store/mail-store.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeFile } from '../../../src-main/store/home.js';
import { importListeBlanche, trustDirOf } from '../../../src-main/trust/index.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { runMssante } from '../../support/cli.js';
import { buildEml } from '../../support/mail-fixtures.js';

const KEY = randomBytes(32).toString('hex');
const SENDERS = ['Dr Jeanne Martin <jeanne.martin@medecin.mssante.fr>', 'Promo <promo@example.com>'];

async function seed(file: string, hooks = {}): Promise<MailStore> {
  const store = await MailStore.open({ file, keyProvider: staticKeyProvider(KEY), hooks });
  const account = store.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
  const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
  await store.applyBatch({ folderId: inbox!.id, newMessages: SENDERS.map((from, i) => ({ uid: i + 1, flags: [], raw: buildEml({ from, subject: `m${i}`, date: new Date(Date.UTC(2026, 10, 1 + i)) }) })) });
  return store;
}

const trustOf = (store: MailStore): unknown[] => store.listMessages({ order: 'asc' }).map((m) => m.trust);

test('recomputeTrust replaces only stale decisions, with the current provider, and says how many changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mssante-trust-'));
  try {
    let version = 'v1';
    const hooks = {
      trust: (m: { from: { address: string } | null }) => ({ level: m.from?.address.endsWith('.mssante.fr') ? 'known' : 'unknown', basis: version }),
      trustStale: (stored: unknown) => (stored as { basis?: string } | null)?.basis !== version,
    };
    const store = await seed(join(dir, 'mail.db'), hooks);
    assert.deepEqual(trustOf(store), [{ level: 'known', basis: 'v1' }, { level: 'unknown', basis: 'v1' }]);
    assert.deepEqual(await store.recomputeTrust(), { checked: 2, recomputed: 0, changed: 0 }, 'nothing stale: nothing parsed again');
    version = 'v2';
    assert.deepEqual(await store.recomputeTrust({ batchSize: 1 }), { checked: 2, recomputed: 2, changed: 2 });
    assert.deepEqual(trustOf(store), [{ level: 'known', basis: 'v2' }, { level: 'unknown', basis: 'v2' }]);
    assert.deepEqual(await store.recomputeTrust({ all: true }), { checked: 2, recomputed: 2, changed: 0 }, '--all: computed again, same result');
    store.setHooks({});
    await assert.rejects(store.recomputeTrust(), (e) => isAppError(e) && e.code === 'INTERNAL');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function listeBlanche(dir: string, domains: string[], date: string): string {
  const file = join(dir, `listeblanche-${date.slice(0, 10)}.xml`);
  writeFileSync(
    file,
    `<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>${date}</DateDeGeneration><ListeDomaines>${domains.map((d) => `<Domaine><Nom>${d}</Nom></Domaine>`).join('')}</ListeDomaines></ListeBlancheMSSante>`,
  );
  return file;
}

test('mssante trust recompute: decisions follow a new liste blanche, and a second run has nothing to do', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-trust-cli-'));
  const env = { MSSANTE_TEST: '1', MSSANTE_STORE_KEY: KEY }; // test seam: raw key
  try {
    (await seed(storeFile(home))).close(); // synced without a trust provider: no decision yet
    await importListeBlanche(listeBlanche(home, ['medecin.mssante.fr'], '2026-11-01T00:00:00Z'), { home: trustDirOf(home) });
    const first = await runMssante(['--home', home, 'trust', 'recompute', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { ...JSON.parse(first.stdout), ok: true, checked: 2, recomputed: 2, changed: 2 });
    const store = await MailStore.open({ file: storeFile(home), keyProvider: staticKeyProvider(KEY) });
    const levels = () => store.listMessages({ order: 'asc' }).map((m) => (m.trust as { level: string }).level);
    const [martin, promo] = levels();
    assert.notEqual(martin, promo, 'a domain of the liste blanche is told from one outside it');
    assert.equal(promo, 'outside_trust_space');

    const again = await runMssante(['--home', home, 'trust', 'recompute'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Confiance à jour pour les 2 message\(s\)/);

    // the domain leaves the liste blanche: the stored decision changes
    await importListeBlanche(listeBlanche(home, ['autre.mssante.fr'], '2026-11-20T00:00:00Z'), { home: trustDirOf(home) });
    const third = await runMssante(['--home', home, 'trust', 'recompute'], { env });
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /Confiance recalculée pour 2 message\(s\) sur 2/);
    assert.deepEqual(levels(), ['outside_trust_space', 'outside_trust_space']);
    store.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
