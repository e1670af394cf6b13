// Tests of the watermark valve: minimum over channels, idle channels excluded, re-activation without going backwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatermarkValve } from './watermark-valve.ts';

function valve(n: number): { v: WatermarkValve; out: (number | 'idle' | 'active')[] } {
  const out: (number | 'idle' | 'active')[] = [];
  const v = new WatermarkValve(n, { emitWatermark: (t) => out.push(t), emitWatermarkStatus: (idle) => out.push(idle ? 'idle' : 'active') });
  return { v, out };
}

test('the output watermark is the minimum over channels and never goes back', () => {
  const { v, out } = valve(2);
  v.inputWatermark(0, 10);
  assert.deepEqual(out, []);
  v.inputWatermark(1, 5);
  v.inputWatermark(1, 20);
  v.inputWatermark(0, 8); // older than channel 0's own: ignored
  v.inputWatermark(0, 30);
  assert.deepEqual(out, [5, 10, 20]);
});

test('an idle channel does not hold the watermark back; it counts again once it caught up', () => {
  const { v, out } = valve(2);
  v.inputWatermark(0, 10);
  v.inputWatermark(1, 3);
  assert.deepEqual(out, [3]);
  v.inputStatus(1, true);
  assert.deepEqual(out, [3, 10]);
  v.inputWatermark(0, 15);
  v.inputWatermark(1, 100); // on an idle channel: ignored
  assert.deepEqual(out, [3, 10, 15]);
  v.inputStatus(1, false); // back, behind the output (watermark 3 < 15): not aligned yet
  v.inputWatermark(0, 40);
  assert.deepEqual(out, [3, 10, 15, 40]);
  v.inputWatermark(1, 20); // not caught up with 40: still does not count
  v.inputWatermark(1, 50); // caught up: the minimum is min(40, 50)
  v.inputWatermark(0, 60);
  assert.deepEqual(out, [3, 10, 15, 40, 50]);
});

test('when every channel is idle the task goes idle, after releasing the highest watermark', () => {
  const { v, out } = valve(2);
  v.inputWatermark(0, 10);
  v.inputWatermark(1, 4);
  v.inputStatus(0, true);
  v.inputStatus(1, true);
  assert.deepEqual(out, [4, 10, 'idle']);
  assert.equal(v.idle, true);
  v.inputStatus(1, false);
  assert.deepEqual(out, [4, 10, 'idle', 'active']);
  v.inputWatermark(1, 12);
  assert.deepEqual(out, [4, 10, 'idle', 'active', 12]);
});
