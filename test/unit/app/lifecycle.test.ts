import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src-main/errors/index.js';
import { startInOrder } from '../../../src-main/app/lifecycle.js';
import type { Startable } from '../../../src-main/app/services.js';

function service(name: string, journal: string[], opts: { failStart?: boolean; failStop?: boolean; hangStop?: boolean } = {}): Startable {
  return {
    name,
    start: async () => {
      if (opts.failStart) throw new AppError('STORE_BAD_KEY', 'bad key');
      journal.push(`start ${name}`);
    },
    stop: async () => {
      if (opts.hangStop) return new Promise(() => {});
      journal.push(`stop ${name}`);
      if (opts.failStop) throw new Error('stop failed');
    },
  };
}

test('services start in order (store → card host → sync → window) and stop in reverse, once', async () => {
  const journal: string[] = [];
  const names = ['store', 'card host', 'sync', 'window'];
  const app = await startInOrder(names.map((n) => service(n, journal)));
  assert.deepEqual(app.started, names);
  await Promise.all([app.stop(), app.stop()]);
  assert.deepEqual(journal, [...names.map((n) => `start ${n}`), ...[...names].reverse().map((n) => `stop ${n}`)]);
});

test('a failed start stops what already started, in reverse, and reports the error', async () => {
  const journal: string[] = [];
  await assert.rejects(
    startInOrder([service('store', journal), service('card host', journal), service('sync', journal, { failStart: true }), service('window', journal)]),
    (e: unknown) => e instanceof AppError && e.code === 'STORE_BAD_KEY',
  );
  assert.deepEqual(journal, ['start store', 'start card host', 'stop card host', 'stop store']);
});

test('a failing or hung stop does not prevent the store from closing', async () => {
  const journal: string[] = [];
  const logs: string[] = [];
  const app = await startInOrder([service('store', journal), service('card host', journal, { hangStop: true }), service('sync', journal, { failStop: true })], { stopTimeoutMs: 50, log: (l) => logs.push(l) });
  await app.stop();
  assert.deepEqual(journal.slice(3), ['stop sync', 'stop store']);
  assert.ok(logs.includes('stop of card host timed out'));
  assert.ok(logs.includes('stop of sync failed: INTERNAL'));
});
