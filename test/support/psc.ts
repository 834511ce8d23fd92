// The bench's Pro Santé Connect from a test's side: the professional's "phone" (CIBA
// approve/refuse hooks, account disable/enable) and the system browser played by an
// HTTP client that follows the provider's pages (redirects, cookies, the RPPS form)
// down to the loopback redirect of the app.
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { httpsFetch } from '../../src-main/psc/index.js';
import type { TestbedState } from './testbed.js';
import { waitUntil } from './wait.js';

const caOf = (tb: TestbedState): string => readFileSync(tb.pki.caBundle, 'utf8');

/** The professional's phone: approve or refuse the pending CIBA request, disable/enable the account. */
export async function phone(tb: TestbedState, action: 'approve' | 'refuse' | 'disable' | 'enable', rpps: string): Promise<void> {
  const res = await httpsFetch({ ca: caOf(tb) })(`${tb.psc.issuer}/__test/${action}/${rpps}`, { method: 'POST', headers: {} });
  assert.equal(res.status, 200, `${action} ${rpps}: ${await res.text()}`);
}

/** Waits until a CIBA request reached this RPPS's phone (polling the bench hook), then answers it. */
export async function answerWhenPending(tb: TestbedState, rpps: string, answer: 'approve' | 'refuse', stop: { ended: boolean } = { ended: false }): Promise<void> {
  const fetchFn = httpsFetch({ ca: caOf(tb) });
  // the provider announces nothing to the phone: its test hook is polled (waitUntil); a request that
  // never comes fails the test after 60 s instead of hanging it
  const seen = await waitUntil(
    `a CIBA request on the phone of ${rpps}`,
    async () => {
      if (stop.ended) return 'stopped';
      const res = await fetchFn(`${tb.psc.issuer}/__test/pending/${rpps}`, { method: 'POST', headers: {} });
      const { pending } = (await res.json()) as { pending: number };
      return pending > 0 ? 'pending' : undefined;
    },
    { timeoutMs: 60_000, everyMs: 100 },
  );
  if (seen === 'stopped') return;
  await phone(tb, answer, rpps);
}

function get(tb: TestbedState, url: string, jar: Map<string, string>, method = 'GET', body?: string): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}) };
    const handler = (res: IncomingMessage) => {
      for (const c of res.headers['set-cookie'] ?? []) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: new URL(res.headers.location, url).href } : {}), text }));
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, { method, headers, ca: caOf(tb) }, handler) : httpRequest(u, { method, headers }, handler);
    req.on('error', reject);
    req.end(body);
  });
}

/** The system browser: from the authorization URL through the provider's login form (RPPS) to the loopback redirect. */
export async function browse(tb: TestbedState, start: string, rpps: string): Promise<void> {
  const jar = new Map<string, string>();
  let res = await get(tb, start, jar);
  for (let hops = 0; hops < 10; hops++) {
    if (res.location) {
      if (res.location.startsWith('http://127.0.0.1')) {
        await get(tb, res.location, jar);
        return;
      }
      res = await get(tb, res.location, jar);
      continue;
    }
    const action = /<form method="post" action="([^"]+)"/.exec(res.text)?.[1];
    assert.ok(action, `no login form: ${res.status} ${res.text.slice(0, 200)}`);
    res = await get(tb, new URL(action, tb.psc.issuer).href, jar, 'POST', `rpps=${rpps}`);
  }
  assert.fail('too many redirects');
}
