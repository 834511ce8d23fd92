// MSSanté-conformant sending through the real binary, doctor A's card, Dovecot submission (DSN
// relayed) and Postfix (DSN on, a patients' domain whose mailboxes accept, bounce and defer):
// the X-MSS headers read back from the file Postfix delivered, and the delivery state of each
// recipient learnt from the delivery status notifications synced back into A's INBOX.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBenchListeBlanche, saveBenchCardAccount } from '../../support/bench-home.js';
import { runMssante, type CliRun } from '../../support/cli.js';
import { card, loadTestbed, type TestbedCard, type TestbedState } from '../../support/testbed.js';
import { CDA_N1_FILE } from '../../unit/mssante/fixtures.js';
import { deliveredFile, headerValues } from '../../support/mailbox.js';
import { waitUntil } from '../../support/wait.js';

const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
let tb: TestbedState;
let A: TestbedCard;
let B: TestbedCard;
const homes: string[] = [];
before(() => {
  tb = loadTestbed();
  A = card(tb, 'doctorA');
  B = card(tb, 'doctorB');
});
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

const env = () => ({ MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '', SOFTHSM2_CONF: tb.softhsm.conf });

async function homeForA(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'mssante-delivery-'));
  homes.push(home);
  await saveBenchCardAccount(home, tb, A.address);
  await importBenchListeBlanche(home, tb);
  return home;
}

const asA = (home: string, args: string[]): Promise<CliRun> =>
  runMssante(['--home', home, '--json', '--pkcs11-module', A.pkcs11Module, '--token', A.tokenLabel, '--pin-stdin', ...args], { env: env(), stdin: `${A.userPin}\n` });
// every verb that reads the store needs the card (the store is bound to it)
const cli = asA;


interface Delivery {
  recipient: string;
  state: string;
  code: string;
  at: string | null;
  detail: string | null;
  explanation?: string | null;
}

/** Syncs A's INBOX and Sent until the Sent copy of `messageId` shows `want(delivery)`; returns its delivery. */
async function syncUntilDelivery(home: string, messageId: string, want: (d: Delivery[]) => boolean): Promise<Delivery[]> {
  let last: Delivery[] = [];
  // each round is a real sync (seconds): the DSN's arrival is seen through the CLI, as a user would
  return waitUntil(
    `the delivery of ${messageId} to reach the expected state`,
    async () => {
      const synced = await cli(home, ['sync', '--account', A.address, '--folder', 'INBOX', '--folder', 'Sent']);
      assert.equal(synced.code, 0, synced.stderr);
      const list = JSON.parse((await cli(home, ['messages', 'list', '--folder', 'Sent', '--limit', '500'])).stdout) as { messages: { id: number }[] };
      for (const m of list.messages) {
        const shown = JSON.parse((await cli(home, ['messages', 'show', String(m.id)])).stdout) as { message: { messageId: string; delivery: Delivery[] } };
        if (shown.message.messageId !== messageId) continue;
        last = shown.message.delivery;
        if (want(last)) return last;
      }
      return undefined;
    },
    { timeoutMs: 180_000, everyMs: 250, detail: () => JSON.stringify(last) },
  );
}

describe('conformant MSSanté messages and delivery tracking (CLI, bench)', () => {
  it('send --xdm: X-MSS-CODECDA and X-MSS-INS in the delivered file; the DSN makes the recipient "distribué"', async () => {
    const home = await homeForA();
    const res = await asA(home, ['send', '--to', B.address, '--body', 'Compte rendu ci-joint.', '--xdm', CDA_N1_FILE]);
    assert.equal(res.code, 0, res.stderr);
    const { messageId, state } = JSON.parse(res.stdout) as { messageId: string; state: string };
    assert.equal(state, 'sent');

    const delivered = await deliveredFile(tb, B.address, `Message-ID: ${messageId}`, 10_000);
    assert.deepEqual(headerValues(delivered, 'X-MSS-CODECDA'), ['11502-2']);
    assert.deepEqual(headerValues(delivered, 'X-MSS-INS'), ['O']);
    assert.deepEqual(headerValues(delivered, 'X-MSS-NIL'), [], 'no product reference configured: no X-MSS-NIL');
    assert.deepEqual(headerValues(delivered, 'X-MSS-MES'), []);

    const delivery = await syncUntilDelivery(home, messageId, (d) => d.some((x) => x.code === 'delivered'));
    assert.equal(delivery.length, 1);
    assert.equal(delivery[0]!.recipient, B.address);
    assert.equal(delivery[0]!.state, 'distribué');
    assert.ok(delivery[0]!.at);

    // the journal has the state changes, without subject nor body
    const journal = await cli(home, ['audit', 'export', '--format', 'jsonl']).catch(() => null);
    if (journal && journal.code === 0) {
      assert.match(journal.stdout, /message\.delivery/);
      assert.doesNotMatch(journal.stdout, /Compte rendu/);
    }
  });

  it('a plain message carries no X-MSS-CODECDA / X-MSS-INS', async () => {
    const home = await homeForA();
    const res = await asA(home, ['send', '--to', B.address, '--subject', 'Sans document', '--body', 'Bonjour']);
    assert.equal(res.code, 0, res.stderr);
    const { messageId } = JSON.parse(res.stdout) as { messageId: string };
    const delivered = await deliveredFile(tb, B.address, `Message-ID: ${messageId}`, 10_000);
    assert.deepEqual(headerValues(delivered, 'X-MSS-CODECDA'), []);
    assert.deepEqual(headerValues(delivered, 'X-MSS-INS'), []);
  });

  it('writing to the patient of the XDM: delivered to <INS>@patient domain, with X-MSS-MES: FIN', async () => {
    const home = await homeForA();
    const res = await asA(home, ['send', '--to-patient', '--patient-domain', tb.patients.domain, '--end-of-treatment', '--body', 'Votre compte rendu.', '--xdm', CDA_N1_FILE]);
    assert.equal(res.code, 0, res.stderr);
    const { messageId } = JSON.parse(res.stdout) as { messageId: string };
    const delivered = await deliveredFile(tb, tb.patients.accept, `Message-ID: ${messageId}`, 10_000);
    assert.deepEqual(headerValues(delivered, 'X-MSS-MES'), ['FIN']);
    assert.deepEqual(headerValues(delivered, 'X-MSS-INS'), ['O']);
    const delivery = await syncUntilDelivery(home, messageId, (d) => d.some((x) => x.code === 'delivered'));
    assert.deepEqual(delivery.map((d) => [d.recipient, d.code]), [[tb.patients.accept, 'delivered']]);

    // the journal names the patient "patient@<domain>": never the INS the address carries
    const file = join(home, 'journal.jsonl');
    const exported = await asA(home, ['audit', 'export', file]);
    assert.equal(exported.code, 0, exported.stderr);
    const text = readFileSync(file, 'utf8');
    const entries = text.trim().split('\n').map((l) => JSON.parse(l) as { action: string; data: Record<string, unknown> });
    const sent = entries.find((e) => e.action === 'message.sent' && e.data.messageId === messageId);
    assert.deepEqual(sent?.data.recipients, [`patient@${tb.patients.domain}`]);
    assert.ok(entries.some((e) => e.action === 'message.delivery' && e.data.recipient === `patient@${tb.patients.domain}`));
    assert.ok(!text.includes(tb.patients.accept.split('@')[0]!), 'no INS in the journal');
  });

  it('a patient address from a non-qualified identity is refused before any card or network use', async () => {
    const home = await homeForA();
    const res = await runMssante(
      ['--home', home, '--json', '--pkcs11-module', '/nonexistent/libpkcs11.so', '--pin-stdin', 'send', '--to-patient', '--patient-domain', tb.patients.domain, '--patient-ins', '279035121518989', '--patient-oid', '1.2.250.1.213.1.4.10', '--patient-traits', 'PAT-TROIS,DOMINIQUE', '--body', 'x', '--subject', 'x'],
      { env: env(), stdin: '0000\n' },
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stdout + res.stderr, /SEND_PATIENT_NOT_QUALIFIED/);
  });

  it('a bounce from the patient domain is linked to the right recipient and explained in French; a deferred one stays unconfirmed', async () => {
    const home = await homeForA();
    const traits = 'PATIENT,TEST,1980-01-01,M';
    const bounced = await asA(home, ['send', '--to-patient', '--patient-domain', tb.patients.domain, '--patient-ins', tb.patients.bounce.split('@')[0]!, '--patient-oid', '1.2.250.1.213.1.4.10', '--patient-traits', traits, '--subject', 'Message', '--body', 'Bonjour']);
    assert.equal(bounced.code, 0, bounced.stderr);
    const bouncedId = (JSON.parse(bounced.stdout) as { messageId: string }).messageId;
    const deferred = await asA(home, ['send', '--to-patient', '--patient-domain', tb.patients.domain, '--patient-ins', tb.patients.defer.split('@')[0]!, '--patient-oid', '1.2.250.1.213.1.4.10', '--patient-traits', 'PATIENTE,TEST,1985-01-01,F', '--subject', 'Message', '--body', 'Bonjour']);
    assert.equal(deferred.code, 0, deferred.stderr);
    const deferredId = (JSON.parse(deferred.stdout) as { messageId: string }).messageId;

    const delivery = await syncUntilDelivery(home, bouncedId, (d) => d.some((x) => x.code === 'failed'));
    assert.equal(delivery[0]!.recipient, tb.patients.bounce);
    assert.equal(delivery[0]!.state, 'échec');
    assert.match(delivery[0]!.explanation ?? '', /^Message au patient non distribué : la messagerie du patient est inconnue ou fermée .*\(code 5\.1\.1\)\.$/);

    const status = JSON.parse((await cli(home, ['sent', '--status', '--hours', '0'])).stdout) as { messages: { messageId: string; delivery: Delivery[] }[] };
    const ids = status.messages.map((m) => m.messageId);
    assert.ok(ids.includes(deferredId), 'the deferred message is unconfirmed');
    assert.ok(!ids.includes(bouncedId), 'a failure is an answer');
    assert.equal(status.messages.find((m) => m.messageId === deferredId)!.delivery[0]!.state, 'remis au serveur');
  });
});
