// Issue 15 point 7 in the CLI: `mssante send` to a recipient outside the MSSanté trust space is the
// same deliberate act as in the window: one --confirm-outside per outside recipient (each missing
// one named in French), refused outright under the clinic rule outsideTrustSpace: block (here as an older
// settings.json still carries it: app/settings-policy.ts keeps such values until the clinic sets its own), and
// journalled (message.outside_trust_space). Doctor A's card (SoftHSM), Dovecot submission, Postfix;
// the bench's centre-sante.mssante.test domain is left out of this home's liste blanche.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBenchListeBlanche, saveBenchCardAccount } from '../../support/bench-home.js';
import { cliCard, recoveryCodeIn, runMssante, storeKeyOfHome, type CliRun } from '../../support/cli.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { waitForMail } from '../../support/mailbox.js';
import { card, loadTestbed, type TestbedCard, type TestbedState } from '../../support/testbed.js';
import { openHomeStore } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { Journal } from '../../../src-main/audit/journal.js';
import { Outbox } from '../../../src-main/send/index.js';

let tb: TestbedState;
let A: TestbedCard;
let B: TestbedCard;
const OUTSIDE_DOMAIN = 'centre-sante.mssante.test';
let SECRETARIAT: string;
const dirs: string[] = [];

before(() => {
  tb = loadTestbed();
  A = card(tb, 'doctorA');
  B = card(tb, 'doctorB');
  SECRETARIAT = tb.mailboxes.find((m) => m.endsWith(`@${OUTSIDE_DOMAIN}`))!;
  assert.ok(SECRETARIAT, 'the bench has a mailbox on centre-sante.mssante.test');
});
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const env = () => ({ MSSANTE_TEST: '1', MSSANTE_STORE_KEY: '', SOFTHSM2_CONF: tb.softhsm.conf });

async function homeForA(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-send-outside-'));
  dirs.push(home);
  await saveBenchCardAccount(home, tb, A.address);
  await importBenchListeBlanche(home, tb, [OUTSIDE_DOMAIN]);
  return home;
}

const codes = new Map<string, string>();
function asA(home: string, args: string[]): Promise<CliRun> {
  return runMssante(['--home', home, '--json', '--pkcs11-module', A.pkcs11Module, '--token', A.tokenLabel, '--pin-stdin', ...args], {
    env: env(),
    stdin: `${A.userPin}\n`,
  }).then((r) => {
    const code = recoveryCodeIn(r.stderr);
    if (code) codes.set(home, code);
    return r;
  });
}

/** With a card module that does not exist: any card (or network) step would fail loudly. */
function withoutCard(home: string, args: string[]): Promise<CliRun> {
  return runMssante(['--home', home, '--json', '--pkcs11-module', '/nonexistent/libpkcs11.so', '--pin-stdin', ...args], { env: env(), stdin: '0000\n' });
}

async function withStore<T>(home: string, fn: (db: ConstructorParameters<typeof Journal>[0]) => T): Promise<T> {
  const code = codes.get(home);
  const key = code ? unlockWithRecovery(readKeyring(home)!, code) : await storeKeyOfHome(home, cliCard(tb, A));
  const store = await openHomeStore(home, { keyProvider: staticKeyProvider(key) });
  try {
    return fn(store.db);
  } finally {
    store.close();
  }
}

/** How many messages with this Message-ID the mailbox's INBOX holds, waiting for delivery on Dovecot's EXISTS. */
async function delivered(user: string, messageId: string): Promise<number> {
  const client = plainImapClient(tb, { user, qresync: false });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await waitForMail(client, 'INBOX', { header: { 'message-id': messageId } })).length;
  } finally {
    await client.logout();
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout);

describe('mssante send to recipients outside the trust space (clinic setting outsideTrustSpace)', () => {
  it('without a confirmation per outside recipient the send is refused before the card, naming each missing one', async () => {
    const home = await homeForA();
    const gmail = 'confrere.cardio@gmail.com';
    const none = await withoutCard(home, ['send', '--to', B.address, '--cc', SECRETARIAT, '--bcc', gmail, '--subject', 'x', '--body', 'y']);
    assert.equal(none.code, 1, none.stderr);
    assert.equal(lastJson(none.stdout).error.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    assert.match(none.stderr, /son envoi n’a pas été confirmé/);
    assert.match(none.stderr, new RegExp(`--confirm-outside ${SECRETARIAT.replace(/\./g, '\\.')}`));
    assert.match(none.stderr, /--confirm-outside confrere\.cardio@gmail\.com/);

    // one of the two confirmed: only the other is named
    const one = await withoutCard(home, ['send', '--to', B.address, '--cc', SECRETARIAT, '--bcc', gmail, '--confirm-outside', SECRETARIAT, '--subject', 'x', '--body', 'y']);
    assert.equal(one.code, 1, one.stderr);
    assert.match(one.stderr, /--confirm-outside confrere\.cardio@gmail\.com/);
    assert.doesNotMatch(one.stderr, /centre-sante/, 'the confirmed one is not named again');
    // a confirmation is for its own command only: nothing was queued, nothing is remembered
    assert.equal(existsOutbox(home), false);
  });

  it('with one --confirm-outside per outside recipient the message is sent through Postfix and the override journalled', async () => {
    const home = await homeForA();
    const token = randomUUID().slice(0, 8);
    const res = await asA(home, ['send', '--to', B.address, '--cc', SECRETARIAT.toUpperCase(), '--confirm-outside', SECRETARIAT, '--subject', `Hors espace ${token}`, '--body', 'Bonjour.']);
    assert.equal(res.code, 0, res.stderr);
    const out = lastJson(res.stdout) as { state: string; messageId: string; cc: string[] };
    assert.equal(out.state, 'sent');
    assert.equal(await delivered(SECRETARIAT, out.messageId), 1, 'delivered to the outside mailbox');
    assert.equal(await delivered(B.address, out.messageId), 1, 'and to doctor B');

    const entries = await withStore(home, (db) => [...new Journal(db).entries()].filter((e) => e.action === 'message.outside_trust_space'));
    assert.equal(entries.length, 1);
    const data = JSON.parse(entries[0]!.data) as { messageId: string; recipients: string[]; sha256: string };
    assert.equal(data.messageId, out.messageId);
    assert.deepEqual(data.recipients, [SECRETARIAT]);
    assert.match(data.sha256, /^[0-9a-f]{64}$/);

    // the next command needs its own confirmation again
    const again = await withoutCard(home, ['send', '--to', SECRETARIAT, '--subject', 'x', '--body', 'y']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /--confirm-outside/);
    assert.equal(await withStore(home, (db) => new Outbox(db).list().length), 1, 'only the confirmed message was queued');
  });

  it('the clinic setting outsideTrustSpace: block forbids it even when confirmed', async () => {
    const home = await homeForA();
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ outsideTrustSpace: 'block' }));
    const res = await withoutCard(home, ['send', '--to', SECRETARIAT, '--confirm-outside', SECRETARIAT, '--subject', 'x', '--body', 'y']);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(lastJson(res.stdout).error.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    assert.match(res.stderr, /le réglage du cabinet interdit d’écrire hors de l’espace de confiance MSSanté/);
    assert.doesNotMatch(res.stderr, /--confirm-outside/);
  });
});

function existsOutbox(home: string): boolean {
  // the store is created at the first unlock: a send refused before the card never made one
  return readKeyring(home) !== null;
}
