// A stalled server and a cut connection, injected by a loopback TCP proxy in
// front of the bench's Dovecot (test/support/fault-proxy.ts). Faults are
// triggered on events (the first chunk committed), never on sleeps; the
// inactivity timeout is set short so the pass stays bounded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { SyncEngine } from '../../../src-main/sync/engine.js';
import { describeErrorFr, isAppError } from '../../../src-main/errors/index.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { admin, appendMessages, connector, newFolder, serverDigest, sorted, state, storeDigest, tempStore, USER } from './helpers.js';

const TIMEOUT_MS = 1500;
const created: string[] = [];
const proxies: FaultProxy[] = [];
after(async () => {
  for (const p of proxies) await p.close();
  const c = await admin();
  for (const f of created) await c.mailboxDelete(f).catch(() => undefined);
  await c.logout();
});

async function proxy(): Promise<FaultProxy> {
  const p = await startFaultProxy({ host: state.host, port: state.ports.toolingImaps });
  proxies.push(p);
  return p;
}

async function folderWith(n: number): Promise<string> {
  const c = await admin();
  const folder = await newFolder(c, 'synctest-net');
  created.push(folder);
  await appendMessages(c, folder, n);
  await c.logout();
  return folder;
}

for (const fault of ['cut', 'stall'] as const) {
  test(`a ${fault} in the middle of the download: the pass reconnects, resumes where it was, keeps what it had and converges`, async () => {
    const folder = await folderWith(30);
    const p = await proxy();
    const { store } = await tempStore();
    const engine = new SyncEngine({
      store,
      connector: connector({ port: p.port, timeoutMs: TIMEOUT_MS }),
      account: { address: USER },
      chunkSize: 5,
      firstChunkSize: 5,
      networkTimeoutMs: TIMEOUT_MS,
      reconnectBackoff: { baseMs: 50, maxMs: 200 },
    });
    let injected = false;
    engine.on('progress', (e) => {
      if (!injected && e.phase === 'initial' && e.done >= 10) {
        injected = true;
        if (fault === 'cut') p.cutNow();
        else p.stallNow();
      }
    });
    const s = await engine.syncOnce({ folders: [folder] });
    assert.equal(injected, true);
    assert.equal(p.connections, 2, 'one new connection');
    assert.equal(s.reconnects.length, 1);
    assert.equal(s.reconnects[0]!.code, fault === 'cut' ? 'NETWORK_CONNECTION_CUT' : 'NETWORK_STALLED');
    assert.equal(s.new, 30, 'every message stored once: what was committed before the fault was not fetched again');
    assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
    const said = describeErrorFr({ code: s.reconnects[0]!.code, data: s.reconnects[0]!.data });
    if (fault === 'cut') assert.match(said, /coupée après \d+ messages reçus/);
    else assert.match(said, /aucune donnée reçue pendant 2 s/);
    store.close();
  });
}

test('a server that stays silent fails the pass as "stalled" within the timeout, not "injoignable"; the next pass converges', async () => {
  const folder = await folderWith(12);
  const p = await proxy();
  const { store } = await tempStore();
  const engine = new SyncEngine({
    store,
    connector: connector({ port: p.port, timeoutMs: TIMEOUT_MS }),
    account: { address: USER },
    chunkSize: 4,
    firstChunkSize: 4,
    networkTimeoutMs: TIMEOUT_MS,
    maxReconnects: 0,
  });
  let injected = false;
  engine.on('progress', (e) => {
    if (!injected && e.phase === 'initial' && e.done >= 4) {
      injected = true;
      p.stallNow();
    }
  });
  await assert.rejects(engine.syncOnce({ folders: [folder] }), (err) => isAppError(err) && err.code === 'NETWORK_STALLED' && err.data.seconds === 2);
  const kept = storeDigest(store, folder).size;
  assert.ok(kept >= 4, 'what was committed stays');
  const s = await engine.syncOnce({ folders: [folder] });
  assert.equal(s.new, 12 - kept);
  assert.deepEqual(sorted(storeDigest(store, folder)), sorted(await serverDigest(folder)));
  store.close();
});

test('distinct failures: no TCP is "injoignable", a connection closed at once is a refusal', async () => {
  const { store } = await tempStore();
  // a port nobody listens on
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closedPort = (probe.address() as net.AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  const unreachable = new SyncEngine({ store, connector: connector({ port: closedPort, timeoutMs: TIMEOUT_MS }), account: { address: USER } });
  await assert.rejects(unreachable.syncOnce(), (err) => isAppError(err) && err.code === 'NETWORK_UNREACHABLE');
  const p = await proxy();
  p.plan = () => ({ refuse: true });
  const refused = new SyncEngine({ store, connector: connector({ port: p.port, timeoutMs: TIMEOUT_MS }), account: { address: USER } });
  await assert.rejects(refused.syncOnce(), (err) => isAppError(err) && err.code === 'IMAP_SERVER_REFUSED');
  store.close();
});
