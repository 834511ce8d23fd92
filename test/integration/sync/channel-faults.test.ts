// The product channel (our TLS 1.2 client, SASL EXTERNAL with the ORG
// software key) behind the fault proxy: a stall mid-download resumes on a new
// connection, a handshake that stalls is "ne répond plus" (not
// "injoignable"), a port with nobody listening is "injoignable".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { imapConnector } from '../../../src-main/imap/index.js';
import { isAppError } from '../../../src-main/errors/index.js';
import { SyncEngine } from '../../../src-main/sync/engine.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { benchVerifier, orgSigner } from '../../support/tls-bench.js';
import { buildEml } from '../../support/mail-fixtures.js';
import { admin, newFolder, serverDigest, sorted, state, storeDigest, tempStore } from './helpers.js';

const TIMEOUT_MS = 1500;
const ORG = state.pki.orgClientP12.address;
const created: string[] = [];
let proxy: FaultProxy | undefined;
after(async () => {
  await proxy?.close();
  const c = await admin(ORG);
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

function engineVia(port: number, store: Awaited<ReturnType<typeof tempStore>>['store']): SyncEngine {
  const connector = imapConnector({ host: 'localhost', port, security: 'tls' }, orgSigner(state), benchVerifier(state), { timeoutMs: TIMEOUT_MS });
  return new SyncEngine({ store, connector, account: { address: ORG }, networkTimeoutMs: TIMEOUT_MS, chunkSize: 10, firstChunkSize: 10, reconnectBackoff: { baseMs: 50, maxMs: 200 } });
}

test('card channel: a stall in the middle of a download is detected by the inactivity timeout and the pass resumes on a new connection', async () => {
  const c = await admin(ORG);
  const folder = await newFolder(c, 'synctest-chan');
  created.push(folder);
  for (let i = 0; i < 40; i++) await c.append(folder, buildEml({ subject: `Imagerie ${i}`, attachment: { filename: `cr-${i}.pdf`, mimeType: 'application/pdf', content: randomBytes(16 * 1024) } }), []);
  await c.logout();
  proxy = await startFaultProxy({ host: state.host, port: state.ports.imaps });
  const first = proxy.connections;
  proxy.plan = (i) => (i === first ? { stallAfterBytes: 400_000 } : {});
  const { store } = await tempStore();
  const s = await engineVia(proxy.port, store).syncOnce({ folders: [folder] });
  assert.deepEqual(s.reconnects.map((r) => r.code), ['NETWORK_STALLED']);
  assert.equal(s.new, 40);
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder, ORG)));
  store.close();
});

test('card channel: a TLS handshake or a login that stalls is "stalled"; closed at once is not "unreachable"; no TCP listener is "unreachable"', async () => {
  proxy ??= await startFaultProxy({ host: state.host, port: state.ports.imaps });
  proxy.plan = () => ({ stallAfterBytes: 0 });
  const { store } = await tempStore();
  await assert.rejects(engineVia(proxy.port, store).syncOnce(), (err) => isAppError(err) && err.code === 'NETWORK_STALLED' && err.data.seconds === 2);
  // greeted, then silence under the login: stalled as well
  proxy.plan = () => ({ stallAfterTlsRecords: 1 });
  await assert.rejects(engineVia(proxy.port, store).syncOnce(), (err) => isAppError(err) && err.code === 'NETWORK_STALLED' && err.data.seconds === 2);
  // closed before the handshake (implicit TLS): a TLS failure, never "unreachable"
  proxy.plan = () => ({ refuse: true });
  await assert.rejects(engineVia(proxy.port, store).syncOnce(), (err) => isAppError(err) && err.code === 'TLS_HANDSHAKE_FAILED');
  proxy.plan = () => ({});
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closedPort = (probe.address() as net.AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  await assert.rejects(engineVia(closedPort, store).syncOnce(), (err) => isAppError(err) && err.code === 'NETWORK_UNREACHABLE');
  store.close();
});
