// Tests of barrier alignment: exactly-once blocking, completion, aborts by newer barriers, stale barriers, at-least-once counting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarrierAligner } from './barrier-aligner.ts';
import type { CheckpointBarrier } from './events.ts';

const barrier = (checkpointId: number): CheckpointBarrier => ({ type: 'barrier', checkpointId, timestamp: 0, kind: 'checkpoint' });

function blocked(a: BarrierAligner, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => a.isBlocked(i));
}

test('exactly-once: the first barrier blocks only its channel; the last one completes and unblocks all', () => {
  const a = new BarrierAligner(3, 'exactly-once');
  assert.deepEqual(blocked(a, 3), [false, false, false]);
  assert.equal(a.onBarrier(0, barrier(1)), false);
  assert.deepEqual(blocked(a, 3), [true, false, false]);
  assert.equal(a.aligning, true);
  assert.ok(a.alignmentStartedAt > 0);
  assert.equal(a.onBarrier(2, barrier(1)), false);
  assert.deepEqual(blocked(a, 3), [true, false, true]);
  assert.equal(a.onBarrier(1, barrier(1)), true);
  assert.deepEqual(blocked(a, 3), [false, false, false]);
  assert.equal(a.aligning, false);
  // The next checkpoint aligns the same way.
  assert.equal(a.onBarrier(1, barrier(2)), false);
  assert.deepEqual(blocked(a, 3), [false, true, false]);
  assert.equal(a.onBarrier(0, barrier(2)), false);
  assert.equal(a.onBarrier(2, barrier(2)), true);
  assert.deepEqual(blocked(a, 3), [false, false, false]);
});

test('a single input channel completes on its barrier without blocking', () => {
  const a = new BarrierAligner(1, 'exactly-once');
  assert.equal(a.onBarrier(0, barrier(4)), true);
  assert.equal(a.isBlocked(0), false);
});

test('a newer barrier aborts the alignment of an older one and starts its own', () => {
  const a = new BarrierAligner(3, 'exactly-once');
  a.onBarrier(0, barrier(1));
  a.onBarrier(1, barrier(1));
  assert.equal(a.onBarrier(2, barrier(2)), false);
  assert.deepEqual(blocked(a, 3), [false, false, true], 'channels blocked for checkpoint 1 are released');
  assert.equal(a.onBarrier(0, barrier(2)), false);
  assert.equal(a.onBarrier(1, barrier(2)), true, 'checkpoint 2 needs all three of its own barriers');
  assert.deepEqual(blocked(a, 3), [false, false, false]);
});

test('stale barriers (older, or of a completed checkpoint) are ignored and never block', () => {
  const a = new BarrierAligner(2, 'exactly-once');
  a.onBarrier(0, barrier(3));
  assert.equal(a.onBarrier(1, barrier(2)), false, 'older than the one aligning');
  assert.deepEqual(blocked(a, 2), [true, false]);
  assert.equal(a.onBarrier(1, barrier(3)), true);
  assert.equal(a.onBarrier(0, barrier(3)), false, 'checkpoint 3 is already done');
  assert.equal(a.onBarrier(1, barrier(1)), false);
  assert.deepEqual(blocked(a, 2), [false, false]);
  assert.equal(a.aligning, false);
  // And they do not disturb the next alignment.
  assert.equal(a.onBarrier(0, barrier(4)), false);
  assert.equal(a.onBarrier(1, barrier(4)), true);
});

test('a repeated barrier on one channel counts once', () => {
  const a = new BarrierAligner(2, 'exactly-once');
  a.onBarrier(0, barrier(1));
  assert.equal(a.onBarrier(0, barrier(1)), false);
  assert.deepEqual(blocked(a, 2), [true, false]);
  assert.equal(a.onBarrier(1, barrier(1)), true);
});

test('at-least-once never blocks and completes when the last channel delivers the barrier', () => {
  const a = new BarrierAligner(3, 'at-least-once');
  assert.equal(a.onBarrier(1, barrier(1)), false);
  assert.deepEqual(blocked(a, 3), [false, false, false]);
  assert.equal(a.aligning, true);
  assert.equal(a.onBarrier(0, barrier(1)), false);
  assert.deepEqual(blocked(a, 3), [false, false, false]);
  assert.equal(a.onBarrier(2, barrier(1)), true);
  assert.equal(a.aligning, false);
  assert.equal(a.onBarrier(2, barrier(1)), false, 'a late duplicate does not complete it twice');
});
