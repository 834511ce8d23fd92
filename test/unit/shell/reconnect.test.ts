import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchReconnect } from '../../../src-main/shell/reconnect.js';

function signals(initiallyOnline: boolean) {
  const listeners = new Map<string, () => void>();
  const s = {
    online: initiallyOnline,
    fire: (event: string) => listeners.get(event)?.(),
    onPower: (event: 'resume' | 'unlock-screen', listener: () => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
    isOnline: () => s.online,
    listeners,
  };
  return s;
}

test('waking up and the network coming back cause one reconnect, not one per signal', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const s = signals(false);
  const reconnects: string[] = [];
  const changes: boolean[] = [];
  const stop = watchReconnect(s, (why) => reconnects.push(why), { pollMs: 1000, debounceMs: 500, onOnlineChange: (o) => changes.push(o) });
  s.online = true;
  t.mock.timers.tick(1000);
  s.fire('resume');
  s.fire('unlock-screen');
  t.mock.timers.tick(500);
  assert.deepEqual(reconnects, ['network+resume+unlock-screen']);
  assert.deepEqual(changes, [true]);

  s.online = false;
  t.mock.timers.tick(1000);
  s.fire('resume');
  t.mock.timers.tick(500);
  assert.equal(reconnects.length, 1, 'no reconnect attempt while offline');
  assert.deepEqual(changes, [true, false]);

  stop();
  assert.equal(s.listeners.size, 0);
  s.online = true;
  t.mock.timers.tick(5000);
  assert.equal(reconnects.length, 1, 'nothing after stop');
});
