// Test-only loopback server: serves the built renderer to Chromium and bridges
// the contract to the real core. POST /ipc {channel, request} goes through the
// same dispatcher as Electron's handlers (ipc/dispatch.ts); events go out as
// server-sent events. Both need the per-run random token. Never shipped.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ChannelHandlers, EventName, EventPayload } from '../../../src-main/ipc/contract.js';
import { checkEvent, dispatch, type EventSink } from '../../../src-main/ipc/dispatch.js';
import { APP_CSP, securityHeaders } from '../../../src-main/common/csp.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

export interface HarnessServer {
  /** Page URL with the token in its fragment. */
  url: string;
  origin: string;
  emit: EventSink;
  /** Every channel called, in order (tests assert what the UI asked main to do). */
  calls: { channel: string; request: unknown }[];
  close(): Promise<void>;
}

export interface HarnessServerOptions {
  root: string;
  /** Set later (the core needs `emit` before it exists). */
  handlers: () => ChannelHandlers;
  port?: number;
}

function sameToken(given: string | undefined | null, token: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 40_000_000) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHarnessServer(options: HarnessServerOptions): Promise<HarnessServer> {
  const token = randomBytes(24).toString('hex');
  const streams = new Set<ServerResponse>();
  const calls: HarnessServer['calls'] = [];

  const emit: EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    const data = JSON.stringify({ event, payload: checkEvent(event, payload) });
    // a core still stopping after the server closed has nobody left to tell
    for (const stream of streams) if (!stream.writableEnded) stream.write(`data: ${data}\n\n`);
  };

  const serveFile = async (path: string, res: ServerResponse) => {
    const rel = normalize(decodeURIComponent(path === '/' ? '/index.html' : path)).replace(/^([/\\])+/, '');
    const file = join(options.root, rel);
    if (!file.startsWith(options.root + sep) || rel.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const data = await readFile(file);
      // The same headers as the shell's app:// protocol: the page runs under the product's CSP.
      res.writeHead(200, { ...securityHeaders(APP_CSP), 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/ipc' && req.method === 'POST') {
      if (!sameToken(req.headers['x-harness-token'] as string | undefined, token)) {
        res.writeHead(403).end();
        return;
      }
      void body(req)
        .then(async (text) => {
          const { channel, request } = JSON.parse(text) as { channel: string; request: unknown };
          calls.push({ channel, request });
          const result = await dispatch(options.handlers(), channel, request);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
        })
        .catch(() => res.writeHead(400).end());
      return;
    }
    if (url.pathname === '/events') {
      if (!sameToken(url.searchParams.get('token'), token)) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': ok\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    void serveFile(url.pathname, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    emit,
    calls,
    close: async () => {
      for (const stream of streams) stream.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
