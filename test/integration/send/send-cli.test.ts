// `mssante send` / `mssante outbox` through the real binary, doctor A's card (SoftHSM), Dovecot
// submission (AUTH EXTERNAL) and Postfix: what arrives in doctor B's INBOX, the Sent copy, the
// offline queue, a kill right after the server's 250, and the refusals made before any network.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { importBenchListeBlanche, saveBenchCardAccount } from '../../support/bench-home.js';
import { cliCard, recoveryCodeIn, runMssante, type CliRun } from '../../support/cli.js';
import { plainImapClient } from '../../support/imap-plain.js';
import { sendSentinel, waitForMail } from '../../support/mailbox.js';
import { freePort } from '../../support/ports.js';
import { card, loadTestbed, type TestbedCard, type TestbedState } from '../../support/testbed.js';
import { REFERENCE_FIXTURES } from '../../support/fixtures.js';
import { readXdm } from '../../../src-main/xdm/index.js';
import { openHomeStore } from '../../../src-main/store/home.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { storeKeyOfHome } from '../../support/cli.js';
import { readKeyring, unlockWithRecovery } from '../../../src-main/store/keys/keyring.js';
import { composeMessage, Outbox, type OutboxEntry } from '../../../src-main/send/index.js';

let tb: TestbedState;
let A: TestbedCard;
let B: TestbedCard;
const dirs: string[] = [];
const servers: Server[] = [];

before(() => {
  tb = loadTestbed();
  A = card(tb, 'doctorA');
  B = card(tb, 'doctorB');
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const s of servers) s.close();
});

const env = () => ({ MSSANTE_TEST: '1', MSSANTE_STORE_KEY: '', SOFTHSM2_CONF: tb.softhsm.conf });
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** A home with doctor A's card account (SMTP on `smtpPort`) and a liste blanche of the bench domains (set up in-process: fast). */
async function homeForA(smtpPort = tb.ports.submissions): Promise<string> {
  const home = tmp('mssante-send-');
  await saveBenchCardAccount(home, tb, A.address, smtpPort);
  await importBenchListeBlanche(home, tb);
  return home;
}
// The store is bound to A's card at its first unlock (whichever run comes first); the recovery code
// printed then opens the key for the in-process reads of the test.
const codes = new Map<string, string>();
function remember(home: string, r: CliRun): CliRun {
  const code = recoveryCodeIn(r.stderr);
  if (code) codes.set(home, code);
  return r;
}
async function keyOf(home: string) {
  const code = codes.get(home);
  return staticKeyProvider(code ? unlockWithRecovery(readKeyring(home)!, code) : await storeKeyOfHome(home, cliCard(tb, A)));
}

/** One home shared by the tests that need nothing special (each CLI run costs a process start). */
let shared: Promise<string> | undefined;
const sharedHome = () => (shared ??= homeForA());

/** The outbox of a home, read in-process. */
async function outboxEntries(home: string): Promise<OutboxEntry[]> {
  const store = await openHomeStore(home, { keyProvider: await keyOf(home) });
  try {
    return new Outbox(store.db).list();
  } finally {
    store.close();
  }
}

/** `mssante --json … <args>` as doctor A with the card (PIN on stdin). */
function asA(home: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runMssante(['--home', home, '--json', '--pkcs11-module', A.pkcs11Module, '--token', A.tokenLabel, '--pin-stdin', ...args], {
    env: { ...env(), ...extraEnv },
    stdin: `${A.userPin}\n`,
  }).then((r) => remember(home, r));
}

/** Same, with a card module that does not exist: any card (or network) step would fail loudly. */
function withoutCard(home: string, args: string[]): Promise<CliRun> {
  return runMssante(['--home', home, '--json', '--pkcs11-module', '/nonexistent/libpkcs11.so', '--pin-stdin', ...args], { env: env(), stdin: '0000\n' });
}

/**
 * The raw sources of the messages with this Message-ID in a mailbox folder (PLAIN tooling login),
 * once at least one is there (Dovecot announces new mail while we IDLE); with `{ now: true }`,
 * what is there right now, possibly nothing.
 */
async function findByMessageId(user: string, folder: string, messageId: string, opts: { now?: boolean } = {}): Promise<{ source: Buffer; flags: Set<string> }[]> {
  const client = plainImapClient(tb, { user, qresync: false });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const query = { header: { 'message-id': messageId } };
    let uids: number[];
    if (opts.now) {
      await client.mailboxOpen(folder);
      uids = (await client.search(query, { uid: true })) || [];
    } else {
      uids = await waitForMail(client, folder, query);
    }
    const out: { source: Buffer; flags: Set<string> }[] = [];
    if (uids.length) for await (const m of client.fetch(uids, { source: true, flags: true }, { uid: true })) out.push({ source: m.source!, flags: m.flags ?? new Set() });
    return out;
  } finally {
    await client.logout();
  }
}

/** Delivered to `user`'s INBOX once the sentinel is: what was submitted before it has landed too. */
async function afterSentinel(user: string): Promise<void> {
  const sentinel = await sendSentinel(tb, user);
  await findByMessageId(user, 'INBOX', sentinel);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** "The network comes back": a TCP relay from `port` to the bench's submission port. */
async function relay(port: number): Promise<void> {
  const s = createServer((down) => {
    const up = connect(tb.ports.submissions, '127.0.0.1');
    down.pipe(up).pipe(down);
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
}

describe('mssante send (doctor A → doctor B through Dovecot submission and Postfix)', () => {
  it('a PDF with an accented filename arrives byte-identical; the Sent copy exists once, seen', async () => {
    const home = await sharedHome();
    const dir = tmp('mssante-send-files-');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(150_000), Buffer.from('\n%%EOF\n')]);
    const filename = 'Compte-rendu échographie Hélène Noël.pdf';
    writeFileSync(join(dir, filename), pdf);
    const token = randomUUID().slice(0, 8);
    const res = await asA(home, ['send', '--to', B.address, '--subject', `Résultats ${token} — « confidentiel »`, '--body', 'Bonjour,\nvoici le compte-rendu.', '--attach', join(dir, filename), '--receipt']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { ok: boolean; state: string; messageId: string; smtpResponse: string; sentCopy: string };
    assert.equal(out.state, 'sent');
    assert.match(out.smtpResponse, /^250 /);
    assert.equal(out.sentCopy, 'appended');
    assert.match(out.messageId, /^<[0-9a-f-]{36}@medecin\.mssante\.test>$/);
    assert.ok(!res.stdout.includes(A.userPin) && !res.stderr.includes(A.userPin));

    const [received] = await findByMessageId(B.address, 'INBOX', out.messageId);
    assert.ok(received, 'delivered to doctor B');
    const parsed = await PostalMime.parse(received.source);
    assert.equal(parsed.subject, `Résultats ${token} — « confidentiel »`);
    assert.equal(parsed.from?.address, A.address);
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.filename, filename);
    assert.equal(sha(new Uint8Array(parsed.attachments[0]!.content as ArrayBuffer)), sha(pdf), 'PDF byte-identical');
    assert.match(received.source.toString('latin1'), /^Disposition-Notification-To: /m);

    const sent = await findByMessageId(A.address, 'Sent', out.messageId);
    assert.equal(sent.length, 1, 'one Sent copy');
    assert.ok(sent[0]!.flags.has('\\Seen'));
    // the Sent copy is the submitted message: same parts
    const sentParsed = await PostalMime.parse(sent[0]!.source);
    assert.equal(sha(new Uint8Array(sentParsed.attachments[0]!.content as ArrayBuffer)), sha(pdf));

    // a later run has nothing to redo: no second Sent copy, no second submission
    const again = await asA(home, ['outbox', 'retry']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await findByMessageId(A.address, 'Sent', out.messageId)).length, 1);

    // the server's SIZE (50 MB on the bench) was learned: a bigger message is refused before connecting
    const big = join(dir, 'imagerie.dcm');
    writeFileSync(big, randomBytes(39 * 1024 * 1024));
    const tooBig = await asA(home, ['send', '--to', B.address, '--subject', 'Imagerie', '--body', 'x', '--attach', big]);
    assert.equal(tooBig.code, 1);
    assert.equal(JSON.parse(tooBig.stdout.trim().split('\n').pop()!).error.code, 'SEND_TOO_LARGE');
    assert.match(tooBig.stderr, /limite annoncée par le serveur : 50 Mo/);
  });

  it('with the network down the message is queued, and sent once when it is back', async () => {
    const port = await freePort();
    const home = await homeForA(port);
    const token = randomUUID().slice(0, 8);
    const offline = await asA(home, ['send', '--to', B.address, '--subject', `Hors ligne ${token}`, '--body', 'Écrit sans réseau.']);
    assert.equal(offline.code, 0, offline.stderr);
    const queued = JSON.parse(offline.stdout) as { state: string; messageId: string; id: number; error: { code: string } };
    assert.equal(queued.state, 'queued');
    assert.equal(queued.error.code, 'NETWORK_UNREACHABLE');
    assert.match(offline.stderr, /Message enregistré dans la boîte d’envoi/);

    const listed = JSON.parse((await asA(home, ['outbox', 'list'])).stdout) as { entries: { id: number; state: string }[] };
    assert.deepEqual(listed.entries.map((e) => [e.id, e.state]), [[queued.id, 'queued']]);

    await relay(port);
    const retried = await asA(home, ['outbox', 'retry']);
    assert.equal(retried.code, 0, retried.stderr);
    const entries = (JSON.parse(retried.stdout) as { entries: { state: string; messageId: string }[] }).entries;
    assert.deepEqual(entries.map((e) => [e.messageId, e.state]), [[queued.messageId, 'sent']]);
    assert.equal((await findByMessageId(B.address, 'INBOX', queued.messageId)).length, 1);
  });

  it('killed right after the server accepted: no second delivery on retry, the message is marked uncertain', async () => {
    const home = await homeForA();
    const token = randomUUID().slice(0, 8);
    const killed = await asA(home, ['send', '--to', B.address, '--subject', `Coupure ${token}`, '--body', 'Une seule fois.'], { MSSANTE_TEST_SEND_CRASH: 'after-accept' });
    assert.notEqual(killed.code, 0, 'the process died');
    const messageId = /Message enregistré dans la boîte d’envoi : (<[^>]+>)/.exec(killed.stderr)?.[1];
    assert.ok(messageId, killed.stderr);
    assert.equal((await findByMessageId(B.address, 'INBOX', messageId)).length, 1, 'the server had accepted it');

    const retried = await asA(home, ['outbox', 'retry']);
    assert.equal(retried.code, 1, retried.stderr);
    const [entry] = (JSON.parse(retried.stdout) as { entries: { state: string; messageId: string; error: { message: string } }[] }).entries;
    assert.deepEqual([entry?.messageId, entry?.state], [messageId, 'uncertain']);
    assert.match(entry?.error.message ?? '', /le serveur a peut-être accepté le message/);
    // A wrong second submission by the retry would have been accepted (250) before the CLI
    // exited, so it is in Postfix's queue ahead of the sentinel: once the sentinel is in B's
    // INBOX, a second copy would be too.
    await afterSentinel(B.address);
    assert.equal((await findByMessageId(B.address, 'INBOX', messageId, { now: true })).length, 1, 'delivered once');
  });

  it('a permanent refusal (5xx) is shown with the server reason and never retried by itself', async () => {
    const home = await sharedHome();
    const refused = await asA(home, ['send', '--to', `inconnu-${randomUUID().slice(0, 8)}@medecin.mssante.test`, '--subject', 'x', '--body', 'y']);
    assert.equal(refused.code, 1, refused.stderr);
    const out = JSON.parse(refused.stdout) as { ok: boolean; state: string; error: { code: string; serverReply: string; message: string } };
    assert.deepEqual([out.ok, out.state, out.error.code], [false, 'failed', 'SMTP_REJECTED']);
    assert.match(out.error.serverReply, /^550 5\.1\.1 .*User unknown/);
    assert.match(out.error.message, /Réponse du serveur : « 550 5\.1\.1/);
    const retried = await asA(home, ['outbox', 'retry']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.deepEqual((JSON.parse(retried.stdout) as { entries: unknown[] }).entries, [], 'nothing resent');
  });

  it('send --xdm: IHE_XDM.ZIP authored by the card holder and the PDF, with the ANS subject', async () => {
    const home = await sharedHome();
    const res = await asA(home, ['send', '--to', B.address, '--body', 'Compte rendu ci-joint.', '--xdm', join(REFERENCE_FIXTURES, 'cda', 'ANS_DOC_NON_STRUCTURE_CDA-R2-N1.xml'), '--patient-ins', '279035121518989']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { state: string; messageId: string };
    assert.equal(out.state, 'sent');
    const [received] = await findByMessageId(B.address, 'INBOX', out.messageId);
    assert.ok(received);
    const parsed = await PostalMime.parse(received.source);
    assert.match(parsed.subject ?? '', /^XDM\/1\.0\/DDM\+Compte rendu d'examens biologiques PAT-TROIS DOMINIQUE 28\/03\/1979$/);
    assert.deepEqual(parsed.attachments.map((a) => a.filename), ['IHE_XDM.ZIP', "Compte rendu d'examens biologiques.pdf"]);
    const pkg = readXdm(new Uint8Array(parsed.attachments[0]!.content as ArrayBuffer));
    assert.equal(pkg.patient.qualified, true);
    assert.equal(pkg.documents[0]!.integrity, 'ok');
    assert.equal(pkg.documents[0]!.entry.authors[0]!.telecom[0], `^^Internet^${A.address}`);
  });

  it('reply to a stored message: to its author, RE : subject, threading headers, quoted text, original marked answered', async () => {
    const home = await sharedHome();
    const token = randomUUID().slice(0, 8);
    const original = await composeMessage({
      from: { address: B.address, name: 'Dr B' },
      to: [{ address: A.address }],
      subject: `Re: Bilan ${token}`,
      text: 'Ligne un\nLigne deux',
      inReplyTo: '<racine@medecin.mssante.test>',
      references: ['<racine@medecin.mssante.test>'],
    });
    const store = await openHomeStore(home, { keyProvider: await keyOf(home) });
    let id: number;
    try {
      const account = store.ensureAccount({ address: A.address });
      const [inbox] = store.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: null, selectable: true }]);
      await store.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 4_000_000_000, flags: ['\\Seen'], raw: original.raw }] });
      id = store.listMessages({ folderPath: 'INBOX', limit: 1000 }).find((m) => m.subject === `Re: Bilan ${token}`)!.id;
    } finally {
      store.close();
    }
    const res = await asA(home, ['send', '--reply-to-id', String(id), '--body', 'Merci, bien reçu.']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { state: string; messageId: string; to: string[] };
    assert.deepEqual([out.state, out.to], ['sent', [B.address]]);
    const [received] = await findByMessageId(B.address, 'INBOX', out.messageId);
    assert.ok(received);
    const parsed = await PostalMime.parse(received.source);
    assert.equal(parsed.subject, `RE : Bilan ${token}`);
    assert.equal(parsed.inReplyTo, original.messageId);
    assert.equal(parsed.references, `<racine@medecin.mssante.test> ${original.messageId}`);
    assert.match(parsed.text ?? '', /^Merci, bien reçu\.\n\nLe .* Dr B <[^>]+> a écrit :\n> Ligne un\n> Ligne deux/);
    const after = await openHomeStore(home, { keyProvider: await keyOf(home) });
    try {
      assert.equal(after.getMessage(id).flags.answered, true, 'the original shows as answered');
    } finally {
      after.close();
    }
  });

  it('a draft is saved locally and in the Drafts folder (\\Draft), not sent', async () => {
    const home = await sharedHome();
    const res = await asA(home, ['send', '--draft', '--to', B.address, '--subject', 'Brouillon', '--body', 'À finir.']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { state: string; messageId: string };
    assert.equal(out.state, 'draft');
    const [draft] = await findByMessageId(A.address, 'Drafts', out.messageId);
    assert.ok(draft?.flags.has('\\Draft'));
    assert.equal((await outboxEntries(home)).find((e) => e.messageId === out.messageId)?.state, 'draft');
    await afterSentinel(B.address); // a wrong submission of the draft would have landed by now
    assert.equal((await findByMessageId(B.address, 'INBOX', out.messageId, { now: true })).length, 0, 'not submitted');
  });

  it('an address outside the trust space is refused before any card or network use; an oversize attachment before any network use', async () => {
    const home = await sharedHome();
    const before = (await outboxEntries(home)).length;
    const outside = await withoutCard(home, ['send', '--to', B.address, '--cc', 'patient@gmail.com', '--subject', 'x', '--body', 'y']);
    assert.equal(outside.code, 1);
    assert.equal(JSON.parse(outside.stdout).error.code, 'SEND_RECIPIENT_OUTSIDE_TRUST_SPACE');
    // not confirmed with --confirm-outside (send-outside-cli.test.ts): refused, the way to confirm named
    assert.match(outside.stderr, /Envoi non fait : un destinataire est hors de l’espace de confiance MSSanté/);
    assert.match(outside.stderr, /« patient@gmail\.com » : le domaine gmail\.com n’appartient pas/);

    const dir = tmp('mssante-send-big-');
    writeFileSync(join(dir, 'scanner.pdf'), randomBytes(2 * 1024 * 1024));
    // the card opens the store (outbox); the size is refused before any network use
    const big = await asA(home, ['send', '--to', B.address, '--subject', 'x', '--body', 'y', '--attach', join(dir, 'scanner.pdf'), '--max-size', '1']);
    assert.equal(big.code, 1);
    assert.equal(JSON.parse(big.stdout).error.code, 'SEND_TOO_LARGE');
    assert.match(big.stderr, /Message trop volumineux/);
    assert.match(big.stderr, /limite fixée dans les réglages : 1 Mo/);

    assert.equal((await outboxEntries(home)).length, before, 'nothing queued');
  });
});
