// TEST TOOLING ONLY: a loopback TCP proxy in front of a bench server that
// injects the network faults real links have: a stall (the server's bytes
// stop flowing, the connection stays open), a cut after N bytes from the
// server, or a connection closed at once. Each accepted connection asks
// `plan(index)` what to do, so a test can fault the first connection and let
// the reconnection through. It listens on a free port (port 0).
import net from 'node:net';
import { once } from 'node:events';

export interface FaultPlan {
  /** forward this many bytes from the server, then stop forwarding (nothing more reaches the client) */
  stallAfterBytes?: number;
  /** forward this many bytes from the server, then close both sides (RST to the client) */
  cutAfterBytes?: number;
  /** close the client's connection at once, without reaching the server */
  refuse?: boolean;
  /**
   * over TLS: forward this many application-data records from the server
   * (1 = the IMAP greeting), then stop forwarding. Lets a test stall a server
   * after a healthy handshake and greeting, whatever the certificate sizes.
   */
  stallAfterTlsRecords?: number;
}

export interface FaultProxy {
  port: number;
  /** connections accepted so far */
  readonly connections: number;
  /** what each new connection does (by its 0-based index); default: a clean pass-through */
  plan: (index: number) => FaultPlan;
  /** stops forwarding the server's bytes on every open connection (they stay open, silent) */
  stallNow(): void;
  /** cuts every open connection at once */
  cutNow(): void;
  /** resolves when a fault has fired on some connection (stall reached or cut done) */
  faulted(): Promise<{ index: number; kind: 'stall' | 'cut' | 'refuse' }>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const waiters: ((f: { index: number; kind: 'stall' | 'cut' | 'refuse' }) => void)[] = [];
  const fired = (f: { index: number; kind: 'stall' | 'cut' | 'refuse' }): void => {
    for (const w of waiters.splice(0)) w(f);
  };
  let count = 0;
  const live = new Set<{ stall: () => void; cut: () => void }>();
  const proxy: FaultProxy = {
    port: 0,
    get connections() {
      return count;
    },
    plan: () => ({}),
    faulted: () => new Promise((resolve) => waiters.push(resolve)),
    stallNow: () => {
      for (const l of live) l.stall();
    },
    cutNow: () => {
      for (const l of live) l.cut();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
  const server = net.createServer((client) => {
    const index = count++;
    const plan = proxy.plan(index);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (plan.refuse) {
      client.destroy();
      fired({ index, kind: 'refuse' });
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    let forwarded = 0;
    let stalled = false;
    const control = {
      stall: () => {
        stalled = true;
        fired({ index, kind: 'stall' });
      },
      cut: () => {
        client.resetAndDestroy();
        upstream.destroy();
        fired({ index, kind: 'cut' });
      },
    };
    live.add(control);
    client.on('close', () => live.delete(control));
    // TLS record framing (5-byte header: type, version, length), for stallAfterTlsRecords
    let framing = Buffer.alloc(0);
    let appRecords = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return; // swallowed: the client sees silence
      if (plan.stallAfterTlsRecords !== undefined) {
        framing = Buffer.concat([framing, chunk]);
        while (!stalled && framing.length >= 5) {
          const size = 5 + framing.readUInt16BE(3);
          if (framing.length < size) break;
          client.write(framing.subarray(0, size));
          if (framing[0] === 23 && ++appRecords >= plan.stallAfterTlsRecords) control.stall();
          framing = framing.subarray(size);
        }
        return;
      }
      const limit = plan.cutAfterBytes ?? plan.stallAfterBytes;
      if (limit === undefined || forwarded + chunk.length <= limit) {
        forwarded += chunk.length;
        client.write(chunk);
        return;
      }
      const head = chunk.subarray(0, Math.max(0, limit - forwarded));
      forwarded += head.length;
      if (head.length) client.write(head);
      if (plan.cutAfterBytes !== undefined) {
        client.resetAndDestroy();
        upstream.destroy();
        fired({ index, kind: 'cut' });
      } else {
        stalled = true;
        fired({ index, kind: 'stall' });
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as net.AddressInfo).port;
  return proxy;
}
