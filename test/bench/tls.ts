// TLS benchmark (issue 4), wired into `npm run bench` by test/bench/run.ts:
//   (a) handshake time of our TLS 1.2 client against the bench's Dovecot (implicit TLS, mutual
//       authentication with a software key, server chain validated with CRLs), the same with a
//       pinned-CA verifier (the TLS part alone), compared with Node's native tls (OpenSSL chain
//       check, no CRL) in the same run; and a full IMAP AUTHENTICATE EXTERNAL login;
//   (b) bulk throughput (MiB/s, and client CPU ms per MiB) of our channel vs Node's native tls,
//       both directions, against a Node TLS server in a child process (ECDHE-RSA-AES128-GCM-SHA256
//       forced, so that only the client's record layer differs).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import tls from 'node:tls';
import { openImapSession } from '../../src-main/imap/index.js';
import { connectTls, type TlsSocket } from '../../src-main/tls/index.js';
import { loadTestbed } from '../support/testbed.js';
import { benchVerifier, orgSigner } from '../support/tls-bench.js';
import { PinnedCaVerifier, makeTestPki } from '../support/tls.js';

const HANDSHAKES = Number(process.env.MSSANTE_BENCH_TLS_HANDSHAKES ?? 20);
const BULK_MIB = Number(process.env.MSSANTE_BENCH_TLS_MIB ?? 64);

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

interface BulkResult {
  mibPerS: number;
  /** client-process CPU time per MiB (robust to a loaded machine, unlike wall time) */
  cpuMsPerMib: number;
}

type Connect = () => Promise<tls.TLSSocket | TlsSocket>;

async function measure(socket: tls.TLSSocket | TlsSocket, mib: number, run: () => Promise<void>): Promise<BulkResult> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  socket.destroy();
  return { mibPerS: round(mib / (ms / 1000), 1), cpuMsPerMib: round((cpu.user + cpu.system) / 1000 / mib, 2) };
}

async function upload(connect: Connect, mib: number): Promise<BulkResult> {
  const total = mib * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const socket = await connect();
  return measure(socket, mib, async () => {
    const acked = new Promise<void>((r) => socket.once('data', () => r()));
    socket.write('u');
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    await acked;
  });
}

async function download(connect: Connect, mib: number): Promise<BulkResult> {
  const total = mib * 1024 * 1024;
  const socket = await connect();
  return measure(
    socket,
    mib,
    () =>
      new Promise<void>((resolve) => {
        let got = 0;
        socket.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= total) resolve();
        });
        socket.write('d');
      }),
  );
}

async function throughput(out: Record<string, number | string>): Promise<void> {
  const pki = makeTestPki();
  const script = fileURLToPath(new URL(`./tls-bulk-server${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, pki.serverKey, pki.serverChain, String(BULK_MIB * 1024 * 1024)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    // the child listens on a port the OS picks and says which: "ready PORT"
    const PORT = await new Promise<number>((resolve, reject) => {
      let said = '';
      child.stdout?.on('data', (d: Buffer) => {
        said += d.toString();
        const m = /^ready (\d+)$/m.exec(said);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`bulk server exited with ${code}`)));
    });
    const verifier = new PinnedCaVerifier(readFileSync(pki.caCert, 'utf8'));
    const ours: Connect = async () => {
      const s = connectTls({ host: '127.0.0.1', port: PORT, serverName: 'localhost', verifier });
      await s.secured;
      return s;
    };
    const native: Connect = () =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: PORT, servername: 'localhost', ca: readFileSync(pki.caCert), maxVersion: 'TLSv1.2' }, () => resolve(s));
        s.on('error', reject);
      });
    const results: Record<string, BulkResult> = {
      ours_up: await upload(ours, BULK_MIB),
      native_up: await upload(native, BULK_MIB),
      ours_down: await download(ours, BULK_MIB),
      native_down: await download(native, BULK_MIB),
    };
    out.tls_bulk_mib = BULK_MIB;
    for (const [name, r] of Object.entries(results)) {
      out[`tls_bulk_${name}_mib_s`] = r.mibPerS;
      out[`tls_bulk_${name}_client_cpu_ms_per_mib`] = r.cpuMsPerMib;
    }
    out.tls_bulk_ours_vs_native_down = round((results.ours_down?.mibPerS ?? NaN) / (results.native_down?.mibPerS ?? NaN), 2);
    out.tls_bulk_ours_vs_native_up = round((results.ours_up?.mibPerS ?? NaN) / (results.native_up?.mibPerS ?? NaN), 2);
  } finally {
    child.kill();
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
