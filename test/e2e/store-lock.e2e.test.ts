// The window over the card-bound store (issue 21), on a throwaway simulated CPS
// card (cps-sim over its own SoftHSM token): the PIN opens the card session and
// the store at once; locking by hand, idle, card removal and « Se déconnecter »
// close the store in main and unmount the renderer's mailbox — no message
// content is then reachable through ANY channel of the contract, nor in the
// page; the PIN brings it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AppError } from '../../src-main/errors/index.js';
import { CHANNEL_NAMES } from '../../src-main/ipc/contract.js';
import { readKeyring } from '../../src-main/store/keys/keyring.js';
import { buildEml } from '../support/mail-fixtures.js';
import { createSimBench, type SimBench } from '../integration/card/sim-fixture.js';
import { openBrowser, prepareHome, saveUnreachableCardAccount, screenshot, startHarness, type Browsing, type Harness } from './support.js';

const PIN = '8642';
const DOCTOR = 'E2E store doctor';
const SUBJECT = 'Bilan préopératoire de Mme Lefèvre';
const BODY = 'Kaliémie à 5,9 mmol/L ce matin';
let bench: SimBench;
let home: string;
let harness: Harness;
let browsing: Browsing;
let page: Page;
let messageId = '';
let folderId = '';

before(async () => {
  bench = createSimBench([{ label: DOCTOR, pin: PIN, subject: '/C=FR/title=Médecin/CN=899700600059+SN=FABRE+GN=Anaïs' }]);
  Object.assign(process.env, bench.env);
  home = await prepareHome();
  // the lock screen needs an account (a data folder without one opens on the first-run screen)
  await saveUnreachableCardAccount(home, 'anais.fabre@medecin.mssante.fr');
  harness = await startHarness({ home, cardModule: bench.module, tokenRef: DOCTOR });
  browsing = await openBrowser();
  page = browsing.page;
  await page.clock.install(); // the idle test jumps ahead
  await page.goto(harness.server.url);
});

after(async () => {
  await browsing?.close();
  await harness?.close();
  bench?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function unlockWithPin(): Promise<void> {
  await page.getByTestId('pin-input').fill(PIN);
  await page.getByTestId('pin-submit').click();
  await page.getByTestId('sync-status').waitFor();
}

function storeIsClosed(): boolean {
  try {
    void harness.core.store;
    return false;
  } catch (err) {
    return err instanceof AppError && err.code === 'SERVICE_UNAVAILABLE';
  }
}

/** Calls EVERY channel of the contract from the page (as a hostile page could), with requests naming the stored message. */
async function everyChannelFromThePage(): Promise<Record<string, { ok: boolean; error?: { code: string } }>> {
  const ref = { messageId, partId: '1' };
  const requests: Record<string, unknown> = {
    'mail.list': { folderId, offset: 0, limit: 50, sort: { by: 'date', dir: 'desc' }, threads: false },
    'mail.read': { id: messageId },
    'mail.source': { id: messageId },
    'mail.search': { query: 'Kaliémie', offset: 0, limit: 50 },
    'mail.setFlags': { ids: [messageId], seen: true },
    'xdm.view': ref,
    'attachment.open': ref,
    'attachment.save': ref,
    'print.pdf': { messageId, view: 'message' },
    'compose.template': { messageId, mode: 'forward' },
    'session.lock': { reason: 'user' },
  };
  const channels = CHANNEL_NAMES.filter((c) => c !== 'session.unlock'); // no PIN try spent here
  return page.evaluate(async ({ channels, requests }) => {
    const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
    const out: Record<string, { ok: boolean; error?: { code: string } }> = {};
    for (const channel of channels) {
      const res = await fetch('/ipc', { method: 'POST', headers: { 'content-type': 'application/json', 'x-harness-token': token }, body: JSON.stringify({ channel, request: requests[channel] ?? {} }) });
      out[channel] = JSON.parse(await res.text());
    }
    return out;
  }, { channels, requests });
}

/** After a lock: store closed in main, mailbox unmounted, nothing of the message anywhere. */
async function assertNothingReadable(label: string): Promise<void> {
  await page.getByTestId('lock-screen').waitFor();
  await harness.core.root.storeSettled();
  assert.ok(storeIsClosed(), `${label}: the store is closed in main, not only hidden`);
  assert.equal(harness.core.root.active().journal, false);
  const text = await page.evaluate(() => document.documentElement.outerHTML);
  assert.ok(!text.includes(SUBJECT) && !text.includes(BODY), `${label}: the page holds no message content`);
  const answers = await everyChannelFromThePage();
  const leaked = Object.entries(answers).filter(([, r]) => JSON.stringify(r).includes(SUBJECT) || JSON.stringify(r).includes(BODY) || JSON.stringify(r).includes('Lefèvre'));
  assert.deepEqual(leaked.map(([c]) => c), [], `${label}: no channel answers with content`);
  for (const channel of ['mail.folders', 'mail.list', 'mail.read', 'mail.source', 'mail.search', 'xdm.view', 'attachment.open', 'attachment.save', 'print.pdf', 'compose.template', 'outbox.list']) {
    assert.equal(answers[channel]?.error?.code, 'SESSION_LOCKED', `${label}: ${channel}`);
  }
}

async function assertMessageBack(): Promise<void> {
  await page.getByTestId('message-row').filter({ hasText: SUBJECT }).click();
  await page.getByTestId('message-text').filter({ hasText: BODY }).waitFor();
}

test('the PIN opens the card session and the card-bound store at once; no key file in the data folder', async () => {
  await page.getByTestId('pin-input').waitFor();
  assert.ok(storeIsClosed(), 'nothing open before the PIN');
  await unlockWithPin();
  assert.equal(bench.pinState(DOCTOR).loginCalls, 1, 'one PIN entry');
  assert.equal(harness.core.recoveryCodes.length, 1, 'the recovery code is shown once');
  assert.equal(readKeyring(home)?.cards.length, 1);
  assert.equal(existsSync(join(home, 'store.key')), false);
  // a message arrives in the open store (as a sync would put it)
  const api = harness.core.store.api;
  const account = await api.ensureAccount({ address: 'anais.fabre@medecin.mssante.fr' });
  const [inbox] = await api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
  await api.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw: buildEml({ subject: SUBJECT, body: BODY }) }] });
  folderId = String(inbox!.id);
  messageId = String((await api.listMessages())[0]!.id);
});

test('locked by hand: the store closes, nothing readable through any channel; the PIN reopens it', async () => {
  await page.getByRole('button', { name: 'Verrouiller la session' }).click();
  await assertNothingReadable('by hand');
  await unlockWithPin();
  await assertMessageBack();
});

test('idle lock (renderer timer): the store closes with the message open on screen; the PIN reopens it', async () => {
  await page.getByTestId('message-text').filter({ hasText: BODY }).waitFor();
  await page.clock.fastForward('11:00');
  await assertNothingReadable('idle');
  await screenshot(page, '30-verrouille-base-fermee');
  await unlockWithPin();
  await assertMessageBack();
});

test('card removal: the store closes; card back and PIN reopen it', async () => {
  bench.setSim(DOCTOR, { present: 0 });
  await page.getByText('la carte CPS a été retirée').waitFor({ timeout: 10_000 });
  await assertNothingReadable('card removed');
  bench.setSim(DOCTOR, { present: 1 });
  await page.getByTestId('pin-input').waitFor({ timeout: 10_000 });
  await unlockWithPin();
  await assertMessageBack();
});

test('« Se déconnecter »: card session ended, store closed, renderer state gone; the PIN brings the message back', async () => {
  await page.getByTestId('logout').click();
  await page.getByText('Vous êtes déconnecté : la session de la carte CPS est fermée.').waitFor();
  await assertNothingReadable('logout');
  assert.equal(harness.core.core.card?.currentSession(), undefined, 'no card session left');
  await unlockWithPin();
  await assertMessageBack();
  assert.equal(harness.core.recoveryCodes.length, 1, 'the same store all along');
});
