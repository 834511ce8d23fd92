// TLS benchmark (issue 4), wired into `npm run bench` by test/bench/run.ts:
//   (a) handshake time of our TLS 1.2 client against the bench's Dovecot (implicit TLS, mutual
//       authentication with a software key, server chain validated with CRLs), the same with a
//       pinned-CA verifier (the TLS part alone), compared with Node's native tls (OpenSSL chain
//       check, no CRL) in the same run; and a full IMAP AUTHENTICATE EXTERNAL login;
//   (b) bulk throughput (MiB/s) of our channel vs Node's native tls, both directions, against a
//       local Node TLS server (ECDHE-RSA-AES128-GCM-SHA256 forced on both so that only the
//       record layer differs).
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { openImapSession } from '../../src-main/imap/index.js';
import { connectTls, type TlsSocket } from '../../src-main/tls/index.js';
import { loadTestbed } from '../support/testbed.js';
import { benchVerifier, orgSigner } from '../support/tls-bench.js';
import { PinnedCaVerifier, makeTestPki } from '../support/tls.js';

const HANDSHAKES = Number(process.env.MSSANTE_BENCH_TLS_HANDSHAKES ?? 20);
const BULK_MIB = Number(process.env.MSSANTE_BENCH_TLS_MIB ?? 64);
const PORT = 21050;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function p95(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))] ?? NaN;
}
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function handshakesVsDovecot(out: Record<string, number | string>): Promise<void> {
  const tb = loadTestbed();
  const verifier = benchVerifier(tb); // in-memory CRL cache: the first handshake fetches the CRLs
  const signer = orgSigner(tb);
  const pinned = new PinnedCaVerifier(readFileSync(tb.pki.caBundle, 'utf8')); // no path building, no CRL: the TLS part alone
  const ours: number[] = [];
  const oursPinned: number[] = [];
  const native: number[] = [];
  const logins: number[] = [];
  const ca = readFileSync(tb.pki.caBundle);
  const cert = readFileSync(tb.pki.orgClient.chain);
  const key = readFileSync(tb.pki.orgClient.key);
  for (let i = 0; i < HANDSHAKES + 1; i++) {
    const a = await time(async () => {
      const s = connectTls({ host: '127.0.0.1', port: tb.ports.imaps, serverName: 'localhost', verifier, signer });
      await s.secured;
      s.destroy();
    });
    const p = await time(async () => {
      const s = connectTls({ host: '127.0.0.1', port: tb.ports.imaps, serverName: 'localhost', verifier: pinned, signer });
      await s.secured;
      s.destroy();
    });
    const b = await time(
      () =>
        new Promise<void>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: tb.ports.imaps, servername: 'localhost', ca, cert, key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, () => {
            s.destroy();
            resolve();
          });
          s.on('error', reject);
        }),
    );
    const c = await time(async () => {
      const client = await openImapSession({ host: 'localhost', port: tb.ports.imaps, security: 'tls' }, signer, verifier);
      await client.logout();
    });
    if (i === 0) {
      out.tls_dovecot_first_handshake_ms = round(a); // includes the CRL downloads
      continue;
    }
    ours.push(a);
    oursPinned.push(p);
    native.push(b);
    logins.push(c);
  }
  out.tls_dovecot_handshake_median_ms = round(median(ours));
  out.tls_dovecot_handshake_p95_ms = round(p95(ours));
  out.tls_dovecot_handshake_without_pki_median_ms = round(median(oursPinned));
  out.tls_dovecot_native_tls_handshake_median_ms = round(median(native));
  out.imap_external_login_median_ms = round(median(logins));
}

interface Pair {
  name: string;
  connect(): Promise<tls.TLSSocket | TlsSocket>;
}

/** MiB/s for `mib` MiB written by the client to a sink server, then sent by the server to the client. */
async function bulk(pair: Pair, mib: number, server: { setMode(m: 'sink' | 'source', bytes: number): void }): Promise<{ up: number; down: number }> {
  const total = mib * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  // up: client → server
  server.setMode('sink', total);
  let socket = await pair.connect();
  const upMs = await time(async () => {
    const acked = new Promise<void>((r) => socket.once('data', () => r())); // server says "done" after `total` bytes
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    await acked;
  });
  socket.destroy();
  // down: server → client
  server.setMode('source', total);
  socket = await pair.connect();
  const downMs = await time(
    () =>
      new Promise<void>((resolve) => {
        let got = 0;
        socket.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= total) resolve();
        });
      }),
  );
  socket.destroy();
  return { up: round(mib / (upMs / 1000), 1), down: round(mib / (downMs / 1000), 1) };
}

async function throughput(out: Record<string, number | string>): Promise<void> {
  const pki = makeTestPki();
  let mode: 'sink' | 'source' = 'sink';
  let bytes = 0;
  const server = tls.createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverChain), ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => undefined);
    if (mode === 'sink') {
      let got = 0;
      const want = bytes;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= want) s.write('k');
      });
    } else {
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes) {
          sent += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    }
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
  const control = { setMode: (m: 'sink' | 'source', b: number) => ((mode = m), (bytes = b)) };
  try {
    const verifier = new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8'));
    const ours: Pair = {
      name: 'ours',
      connect: async () => {
        const s = connectTls({ host: '127.0.0.1', port: PORT, serverName: 'localhost', verifier });
        await s.secured;
        return s;
      },
    };
    const native: Pair = {
      name: 'native',
      connect: () =>
        new Promise((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: PORT, servername: 'localhost', ca: readFileSync(pki.caCert), maxVersion: 'TLSv1.2' }, () => resolve(s));
          s.on('error', reject);
        }),
    };
    const o = await bulk(ours, BULK_MIB, control);
    const n = await bulk(native, BULK_MIB, control);
    out.tls_bulk_mib = BULK_MIB;
    out.tls_bulk_ours_up_mib_s = o.up;
    out.tls_bulk_ours_down_mib_s = o.down;
    out.tls_bulk_native_up_mib_s = n.up;
    out.tls_bulk_native_down_mib_s = n.down;
    out.tls_bulk_ours_vs_native_down = round(o.down / n.down, 2);
  } finally {
    server.close();
    pki.cleanup();
  }
}

export async function benchTls(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  try {
    await handshakesVsDovecot(out);
  } catch (err) {
    out.tls_dovecot = `not measured: ${err instanceof Error ? err.message : String(err)}`;
  }
  await throughput(out);
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  console.log(JSON.stringify(await benchTls(), null, 2));
}
