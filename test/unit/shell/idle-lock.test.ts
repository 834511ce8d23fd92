import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchIdle } from '../../../src-main/shell/idle-lock.js';

test('the session locks once the OS reports the chosen idle time, and only then', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let idle = 0;
  let locked = false;
  const locks: number[] = [];
  const stop = watchIdle({ idleSeconds: () => idle, limitMinutes: () => 5, isLocked: () => locked, lock: () => { locked = true; locks.push(idle); } }, 1000);
  idle = 299;
  t.mock.timers.tick(1000);
  assert.equal(locked, false);
  idle = 300;
  t.mock.timers.tick(1000);
  t.mock.timers.tick(1000);
  assert.deepEqual(locks, [300], 'locked once');
  stop();
});
