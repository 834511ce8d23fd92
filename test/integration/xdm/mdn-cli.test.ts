// `mssante mdn status|send` through the real binary: doctor B's home syncs the
// message doctor A sent with a receipt request, `mdn send` answers it with B's
// card over SMTP, and doctor A receives a receipt pointing at the original.
// A request to a foreign address is refused until --confirm, before any PIN.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mdnStatusFr, parseMdn } from '../../../src-main/xdm/mdn.js';
import { cliCard, runMssante } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { benchMail, original } from './mail-helpers.js';

const { tb, withCard, send, fetchRaw } = benchMail();
const CONNECTOR = fileURLToPath(new URL('../../support/cli-imap-connector.ts', import.meta.url));
const homes: string[] = [];
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('mssante mdn (doctor B answers doctor A)', () => {
  it('status shows the request; send answers it with the card; A receives the receipt; a foreign request needs --confirm', async () => {
    const a = card(tb(), 'doctorA');
    const b = card(tb(), 'doctorB');
    // The receipt is asked for the clinic's secretariat: deliverable, but not the sender.
    const secretariat = tb().pki.orgClientP12.address;
    const token = randomUUID().slice(0, 8);
    const safeId = `<${randomUUID()}@medecin.mssante.test>`;
    const foreignId = `<${randomUUID()}@medecin.mssante.test>`;
    await withCard(a, async (signer) => {
      await send(signer, a.address, b.address, original(a.address, b.address, safeId, a.address).replace('Subject: ', `Subject: mdn-${token}-safe `));
      await send(signer, a.address, b.address, original(a.address, b.address, foreignId, secretariat).replace('Subject: ', `Subject: mdn-${token}-foreign `));
    });
    await withCard(b, (signer) => fetchRaw(signer, { 'message-id': foreignId })); // both delivered

    const home = mkdtempSync(join(tmpdir(), 'mssante-mdn-cli-'));
    homes.push(home);
    const env = { MSSANTE_TEST: '1', MSSANTE_TEST_IMAP_CONNECTOR: CONNECTOR, MSSANTE_STORE_KEY: '', SOFTHSM2_CONF: tb().softhsm.conf };
    const at = (port: number): string => `localhost:${port}`;
    const added = await runMssante(['--home', home, 'account', 'add', '--address', b.address, '--imap', at(tb().ports.imaps), '--smtp', at(tb().ports.submissions), '--auth', 'card', '--trust-anchors', tb().pki.caBundle], { env });
    assert.equal(added.code, 0, added.stderr);
    // the store opens only with B's card
    const bCard = cliCard(tb(), b);
    const synced = await runMssante(['--home', home, 'sync', '--account', b.address, '--folder', 'INBOX', '--json'], { env, card: bCard });
    assert.equal(synced.code, 0, synced.stderr);
    const list = JSON.parse((await runMssante(['--home', home, '--json', 'messages', 'list', '--folder', 'INBOX', '--limit', '500'], { env, card: bCard })).stdout) as { messages: { id: number; subject: string }[] };
    const idOf = (kind: string): string => String(list.messages.find((m) => m.subject.startsWith(`mdn-${token}-${kind}`))!.id);

    const status = await runMssante(['--home', home, 'mdn', 'status', idOf('safe')], { env, card: bCard });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout.trim(), `Accusé de lecture : accusé de lecture demandé par l’expéditeur (à ${a.address}).`);

    // Foreign requester: refused before any network use (the card only opened the store to read the message).
    const refused = await runMssante(['--home', home, '--json', '--pkcs11-module', b.pkcs11Module, '--token', b.tokenLabel, '--pin-stdin', 'mdn', 'send', idOf('foreign')], { env, stdin: `${b.userPin}\n` });
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).error.code, 'MDN_CONFIRMATION_REQUIRED');
    assert.match(refused.stderr, /confirmez l’envoi explicitement/);

    const sent = await runMssante(['--home', home, '--json', '--pkcs11-module', b.pkcs11Module, '--token', b.tokenLabel, '--pin-stdin', 'mdn', 'send', idOf('safe')], { env, stdin: `${b.userPin}\n` });
    assert.equal(sent.code, 0, sent.stderr);
    const out = JSON.parse(sent.stdout) as { to: string; messageId: string };
    assert.equal(out.to, a.address);
    assert.ok(!sent.stdout.includes(b.userPin) && !sent.stderr.includes(b.userPin));

    // The server now carries $MDNSent (RFC 3503): a second receipt is refused, whichever client asks.
    const again = await runMssante(['--home', home, '--json', '--pkcs11-module', b.pkcs11Module, '--token', b.tokenLabel, '--pin-stdin', 'mdn', 'send', idOf('safe')], { env, stdin: `${b.userPin}\n` });
    assert.equal(again.code, 1, again.stderr);
    assert.equal(JSON.parse(again.stdout).error.code, 'MDN_NOT_REQUESTED');

    await withCard(a, async (signer) => {
      const receipt = parseMdn(await fetchRaw(signer, { 'message-id': out.messageId }));
      assert.ok(receipt);
      assert.equal(receipt.originalMessageId, safeId);
      assert.equal(receipt.finalRecipient, b.address);
      assert.match(mdnStatusFr(receipt), /^lu le /);
    });

    const confirmed = await runMssante(['--home', home, '--json', '--pkcs11-module', b.pkcs11Module, '--token', b.tokenLabel, '--pin-stdin', 'mdn', 'send', idOf('foreign'), '--confirm'], { env, stdin: `${b.userPin}\n` });
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(JSON.parse(confirmed.stdout).to, secretariat);
  });
});
