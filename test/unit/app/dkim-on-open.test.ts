// DKIM is checked when a message is opened (mail.read through the core of
// createCore), with the signer's key from DNS; the answer is cached so a message
// opened offline is still checked, and without a cached key the badge says
// "non vérifiable hors ligne". Real mailauth signatures; DNS is the env's stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { createCore } from '../../../src-main/app/core.js';
import { startInOrder } from '../../../src-main/app/lifecycle.js';
import { dispatch } from '../../../src-main/ipc/dispatch.js';
import type { ChannelHandlers, MessageView } from '../../../src-main/ipc/contract.js';
import { staticKeyProvider } from '../../../src-main/store/key-provider.js';
import { cachingResolver } from '../../../src-main/trust/dkim-cache.js';
import type { DnsResolver } from '../../../src-main/trust/dkim.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_NAME = 'mss._domainkey.medecin.mssante.fr';
const TXT = [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]];
const online: DnsResolver = async (name, type) => {
  if (name === KEY_NAME && type === 'TXT') return TXT;
  throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' });
};
const offline: DnsResolver = async () => {
  throw Object.assign(new Error('no route'), { code: 'ECONNREFUSED' });
};

async function signedMessage(): Promise<Buffer> {
  const message =
    'From: Jean Dupont <jean.dupont@medecin.mssante.fr>\r\nTo: paul.durand@medecin.mssante.fr\r\nSubject: CR\r\n' +
    'Date: Thu, 26 Nov 2026 10:00:00 +0100\r\nMessage-ID: <dkim-1@medecin.mssante.fr>\r\n\r\nBonjour\r\n';
  const key = { signingDomain: 'medecin.mssante.fr', selector: 'mss', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  const signed = await dkimSign(message, { ...key, signatureData: [key] });
  return Buffer.from(signed.signatures + message);
}

/** Opens the one message of a store in `home` through mail.read, with `dns` as the core's DNS. */
async function openWith(home: string, dns: DnsResolver, raw?: Buffer): Promise<MessageView['trust']> {
  const root = createCore({
    home,
    storeFile: join(home, 'mail.db'),
    settingsFile: join(home, 'settings.json'),
    trustDir: join(home, 'trust'),
    keyProvider: staticKeyProvider('44'.repeat(32)),
    emit: () => undefined,
    dns,
  });
  const lifecycle = await startInOrder(root.startables);
  try {
    const api = root.store().api;
    if (raw) {
      const account = await api.ensureAccount({ address: 'paul.durand@medecin.mssante.fr' });
      const [inbox] = await api.upsertFolders(account.id, [{ path: 'INBOX', name: 'INBOX', delimiter: '/', specialUse: '\\Inbox', selectable: true }]);
      await api.applyBatch({ folderId: inbox!.id, newMessages: [{ uid: 1, flags: [], raw }] });
    }
    const [m] = await api.listMessages();
    root.app.gate.unlock(); // the session gate is not what this test is about
    // through the contract, as the window asks (shell channels are not part of this core)
    const read = await dispatch(root.app.services as unknown as ChannelHandlers, 'mail.read', { id: String(m!.id) });
    assert.ok(read.ok, JSON.stringify(read));
    return (read.value as MessageView).trust;
  } finally {
    await lifecycle.stop();
  }
}

test('opened online: the signature is checked and the badge explanation says so', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-dkim-'));
  try {
    const badge = await openWith(home, online, await signedMessage());
    assert.ok(badge.reasons.includes('Signature DKIM valide du domaine expéditeur'), badge.reasons.join(' | '));
    assert.match(badge.explanation, /Signature DKIM du domaine expéditeur vérifiée à l’ouverture/);
    // opened again without network: the key seen online was cached in the data folder
    const again = await openWith(home, offline);
    assert.match(again.explanation, /vérifiée à l’ouverture/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('opened offline with no key seen before: "non vérifiable hors ligne", the level unchanged', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-dkim-'));
  try {
    const badge = await openWith(home, offline, await signedMessage());
    assert.ok(badge.reasons.some((r) => r.includes('non vérifiable hors ligne')), badge.reasons.join(' | '));
    assert.match(badge.explanation, /Signature DKIM non vérifiable hors ligne/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an altered body fails the signature on open: the badge says the message may have been modified', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mssante-dkim-'));
  try {
    const altered = Buffer.from((await signedMessage()).toString('latin1').replace('Bonjour', 'Bonjour, virement urgent'), 'latin1');
    const badge = await openWith(home, online, altered);
    assert.match(badge.explanation, /invalide à l’ouverture : le message a pu être modifié ou usurpé/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the caching resolver: a definite "no such key" is never masked by the cache; the OS saying offline skips the network', async () => {
  let calls = 0;
  let answer: 'key' | 'nxdomain' | 'down' = 'key';
  const network: DnsResolver = async (name, type) => {
    calls++;
    if (answer === 'key') return online(name, type);
    throw Object.assign(new Error(answer), { code: answer === 'nxdomain' ? 'ENOTFOUND' : 'ETIMEOUT' });
  };
  let up = true;
  const resolve = cachingResolver({ resolve: network, isOnline: () => up });
  assert.deepEqual(await resolve(KEY_NAME, 'TXT'), TXT);
  answer = 'down';
  assert.deepEqual(await resolve(KEY_NAME, 'TXT'), TXT, 'network failure: the cached key');
  answer = 'nxdomain';
  await assert.rejects(resolve(KEY_NAME, 'TXT'), (e: { code?: string }) => e.code === 'ENOTFOUND', 'the key was withdrawn: say so');
  answer = 'key';
  assert.deepEqual(await resolve(KEY_NAME, 'TXT'), TXT);
  up = false;
  const before = calls;
  assert.deepEqual(await resolve(KEY_NAME, 'TXT'), TXT);
  await assert.rejects(resolve('other._domainkey.example.fr', 'TXT'), (e: { code?: string }) => e.code === 'EAI_AGAIN');
  assert.equal(calls, before, 'offline: no network query');
});
