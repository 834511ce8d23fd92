// Main-thread time per user action (issue 17), part `actions` of `npm run bench`:
// the real core (createCore through the e2e harness: store thread with its hooks and
// services) while the store thread is busy committing sync batches — three 200-message
// batches are handed to the store threads and each action starts when the first one is
// committed, as during a first sync. Measured: the main event loop's active time during the action
// (performance.eventLoopUtilization, this thread only) and its wall time (which also
// counts the wait for the store thread, during which the window stays responsive).
// Baseline in the same run: a journal append through a second connection on the main
// thread (the design before the single writer), which blocks main while a batch commits.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { JsonFileAccountRepository } from '../../src-main/accounts/account-repository.js';
import { Journal } from '../../src-main/audit/journal.js';
import { openDatabase } from '../../src-main/store/database.js';
import { composeMessage } from '../../src-main/send/index.js';
import { fileKeyProvider } from '../../src-main/store/key-provider.js';
import type { SyncBatch } from '../../src-main/store/types.js';
import { prepareHome } from '../e2e/support.js';
import { startHarnessCore } from '../e2e/harness/core.js';
import { buildEml } from '../support/mail-fixtures.js';

type Figures = Record<string, number | string>;

const ADDRESS = 'helene.martin@medecin.mssante.test';
const ROUNDS = Number(process.env.MSSANTE_BENCH_ACTIONS_ROUNDS ?? 20);
const BATCH = 200;
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]): number => quantile(xs, 0.5);

function loadBatch(folderId: number, firstUid: number): SyncBatch {
  const newMessages = [];
  for (let uid = firstUid; uid < firstUid + BATCH; uid++) {
    newMessages.push({
      uid,
      flags: [],
      raw: buildEml({ from: 'Dr François Dubois <francois.dubois@medecin.mssante.test>', subject: `Compte rendu ${uid}`, body: `Bonjour,\r\n${'Texte du compte rendu. '.repeat(200)}\r\n` }),
    });
  }
  return { folderId, newMessages };
}

export async function benchActions(): Promise<Figures> {
  const home = await prepareHome();
  await JsonFileAccountRepository.inHome(home).save({
    address: ADDRESS,
    imap: { host: 'localhost', port: 1, security: 'tls' },
    smtp: { host: 'localhost', port: 1, security: 'tls' },
    auth: { kind: 'card' },
    createdAt: new Date().toISOString(),
  });
  const harness = await startHarnessCore({ home, emit: () => undefined, unlocked: true });
  const figures: Figures = { rounds: ROUNDS, load_batch_messages: BATCH };
  try {
    const api = harness.store.api;
    const account = await api.ensureAccount({ address: ADDRESS });
    const [inbox] = await api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
    let nextUid = 1;
    for (let i = 0; i < 5; i++, nextUid += BATCH) await api.applyBatch(loadBatch(inbox!.id, nextUid));
    const ids = (await api.listMessages({ folderId: inbox!.id, limit: ROUNDS * 4 })).map((m) => String(m.id));
    // Three batches handed to the store threads at once; the action starts when the first is
    // committed, so that the store thread is busy with the next ones (parsed meanwhile).
    const startLoad = (): { first: Promise<unknown>; all: Promise<unknown> } => {
      const loads = [0, 1, 2].map(() => {
        const batch = loadBatch(inbox!.id, nextUid);
        nextUid += BATCH;
        return api.applyBatch(batch);
      });
      return { first: loads[0]!, all: Promise.all(loads) };
    };
    const h = harness.handlers;
    const draft = (i: number) => ({ to: [{ address: 'francois.dubois@medecin.mssante.test', name: 'Dr François Dubois' }], cc: [], bcc: [], subject: `Bilan ${i}`, text: 'Bonjour,\nci-joint le bilan.\n', attachments: [], readReceipt: false });
    const actions: Record<string, (i: number) => Promise<unknown>> = {
      open_message: (i) => h['mail.read']({ id: ids[i]! }),
      mark_read: (i) => h['mail.setFlags']({ ids: [ids[ROUNDS + i]!], seen: true }),
      send_to_outbox: (i) => h['compose.send']({ draft: draft(i) }),
      journal_append: (i) => harness.root.journal.record([{ action: 'settings.changed', data: { changes: { bench: i } } }]),
      // the part of send_to_outbox that stays on main: building the RFC 5322 message (MailComposer)
      compose_only: (i) => composeMessage({ from: { address: ADDRESS }, to: [{ address: 'francois.dubois@medecin.mssante.test' }], subject: `Bilan ${i}`, text: 'Bonjour,\nci-joint le bilan.\n' }),
    };
    for (const [name, act] of Object.entries(actions)) {
      await act(0); // warm-up (first prepare, first DKIM cache miss)
      const active: number[] = [];
      const wall: number[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        const load = startLoad();
        await load.first; // the store thread now goes on with the next batches
        const elu = performance.eventLoopUtilization();
        const t = performance.now();
        await act(i);
        wall.push(performance.now() - t);
        active.push(performance.eventLoopUtilization(elu).active);
        await load.all;
      }
      figures[`${name}.main_thread_ms_median`] = round(median(active));
      figures[`${name}.main_thread_ms_p90`] = round(quantile(active, 0.9));
      // the max also catches a GC pause or the OS preempting main on a loaded machine
      figures[`${name}.main_thread_ms_max`] = round(Math.max(...active));
      figures[`${name}.wall_ms_median`] = round(median(wall));
    }
    // Baseline: the same journal append through a main-thread connection, while a batch commits.
    const key = await fileKeyProvider(join(home, 'store.key')).getKey();
    const mainDb = openDatabase(join(home, 'store.db'), key, { check: 'none' });
    try {
      const journal = new Journal(mainDb);
      const blocked: number[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        const load = startLoad();
        await load.first;
        const t = performance.now();
        journal.append([{ action: 'settings.changed', data: { changes: { baseline: i } } }]);
        blocked.push(performance.now() - t);
        await load.all;
      }
      figures['baseline_main_connection_journal_append.main_thread_ms_median'] = round(median(blocked));
      figures['baseline_main_connection_journal_append.main_thread_ms_p90'] = round(quantile(blocked, 0.9));
      figures['baseline_main_connection_journal_append.main_thread_ms_max'] = round(Math.max(...blocked));
    } finally {
      mainDb.close();
      key.fill(0);
    }
  } finally {
    await harness.close();
    rmSync(home, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchActions();
  for (const [k, v] of Object.entries(figures)) console.log(`actions ${k.padEnd(60)} ${v}`);
}
