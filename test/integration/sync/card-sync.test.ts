// The product path: `mssante sync` over the card channel (our TLS 1.2 client,
// SoftHSM CPS card, SASL EXTERNAL) into the encrypted store, then reading
// offline. The PIN never appears in any output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliCard, runMssante } from '../../support/cli.js';
import { card } from '../../support/testbed.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { appendMessages, serverDigest, state } from './helpers.js';

const doctor = card(state, 'doctorA');
const folder = `synctest-card-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
after(async () => {
  const c = plainImapClient(state, { user: doctor.address });
  c.on('error', () => undefined);
  await c.connect();
  await c.mailboxDelete(folder).catch(() => undefined);
  await c.logout();
});

test('mssante sync with the CPS card (EXTERNAL over our TLS client) stores exactly the server messages', async () => {
  const admin = plainImapClient(state, { user: doctor.address });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.mailboxCreate(folder);
  await appendMessages(admin, folder, 5, { subject: (i) => `Échographie carte ${i}` });
  await admin.logout();
  const home = mkdtempSync(join(tmpdir(), 'mssante-card-sync-'));
  try {
    const add = await runMssante(['--home', home, 'account', 'add', '--address', doctor.address, '--imap', `localhost:${state.ports.imap}`, '--imap-starttls', '--smtp', `localhost:${state.ports.submissions}`, '--auth', 'card', '--trust-anchors', state.pki.caBundle]);
    assert.equal(add.code, 0, add.stderr);
    // the sender's domain is in this home's liste blanche (unsigned copy: signature "absent")
    const listeBlanche = join(home, 'listeblanche.xml');
    writeFileSync(listeBlanche, '<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-01T00:00:00Z</DateDeGeneration><ListeDomaines><Domaine><Nom>medecin.mssante.fr</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>');
    const lb = await runMssante(['--home', home, 'listeblanche', 'import', listeBlanche]);
    assert.equal(lb.code, 0, lb.stderr);
    const env = { SOFTHSM2_CONF: state.softhsm.conf, MSSANTE_TEST: '' };
    const r = await runMssante(['--home', home, '--pkcs11-module', doctor.pkcs11Module, '--token', doctor.tokenLabel, '--pin-stdin', '--json', 'sync', '--folder', folder], { stdin: `${doctor.userPin}\n`, env });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.account, doctor.address);
    assert.equal(summary.new, 5);
    assert.ok(!r.stdout.includes(doctor.userPin) && !r.stderr.includes(doctor.userPin), 'the PIN is never printed');
    // offline from here (a network namespace with no route): the store alone, opened with the card and its PIN
    const withCard = { card: cliCard(state, doctor), offline: true, env };
    const list = await runMssante(['--home', home, '--json', 'messages', 'list', '--folder', folder], withCard);
    const messages = JSON.parse(list.stdout).messages as { id: number; uid: number; trust: { level: string; reasons: unknown[] } | null }[];
    assert.equal(messages.length, 5);
    // sync decided each sender's trust with this home's liste blanche (no annuaire imported), and says why
    for (const m of messages) {
      assert.equal(m.trust?.level, 'trusted_domain_unknown_address', JSON.stringify(m.trust));
      assert.ok(Array.isArray(m.trust.reasons) && m.trust.reasons.length > 0);
    }
    const server = await serverDigest(folder, doctor.address);
    for (const m of messages) {
      const show = await runMssante(['--home', home, '--json', 'messages', 'show', String(m.id)], withCard);
      assert.equal(JSON.parse(show.stdout).message.sha256, server.get(m.uid));
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
