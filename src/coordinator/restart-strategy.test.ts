import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from './restart-strategy.ts';
import { defaultExecutionConfig, effectiveRestartStrategy } from '../api/config.ts';

test('none never restarts', () => {
  assert.equal(new RestartBackoff({ kind: 'none' }).next(), undefined);
});

test('fixed-delay restarts N times with the same delay', () => {
  const b = new RestartBackoff({ kind: 'fixed-delay', attempts: 2, delayMs: 50 });
  assert.deepEqual([b.next(), b.next(), b.next()], [50, 50, undefined]);
});

test('exponential-delay grows by the multiplier up to the cap', () => {
  const b = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 2000 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [1000, 1500, 2000, 2000]);
});

test('failure-rate fails once more failures than allowed fall in the interval', () => {
  const b = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: 2, intervalMs: 1000, delayMs: 10 });
  assert.equal(b.next(0), 10);
  assert.equal(b.next(100), 10);
  assert.equal(b.next(200), undefined);
  const c = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: 2, intervalMs: 1000, delayMs: 10 });
  assert.equal(c.next(0), 10);
  assert.equal(c.next(100), 10);
  assert.equal(c.next(5000), 10, 'old failures leave the window');
});

test('the default is none without checkpointing and exponential-delay (1 s, x1.5, 1 min) with it', () => {
  const config = defaultExecutionConfig();
  assert.deepEqual(effectiveRestartStrategy(config), { kind: 'none' });
  config.checkpoint.interval = 1000;
  assert.deepEqual(effectiveRestartStrategy(config), { kind: 'exponential-delay', initialDelayMs: 1000, multiplier: 1.5, maxDelayMs: 60_000 });
});

/** Calls next() until it returns undefined (at most `limit` times) and returns the delays. */
function drain(b: RestartBackoff, limit = 100, now?: (i: number) => number): number[] {
  const delays: number[] = [];
  for (let i = 0; i < limit; i++) {
    const d = b.next(now?.(i));
    if (d === undefined) return delays;
    delays.push(d);
  }
  return delays;
}

test('exponential-delay with maxAttempts restarts exactly maxAttempts times', () => {
  for (const maxAttempts of [1, 2, 3, 7]) {
    const b = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 10, multiplier: 2, maxDelayMs: 1_000_000, maxAttempts });
    const delays = drain(b);
    assert.equal(delays.length, maxAttempts, `maxAttempts ${maxAttempts}`);
    assert.deepEqual(delays, Array.from({ length: maxAttempts }, (_, i) => 10 * 2 ** i));
    assert.equal(b.next(), undefined, 'once given up, it stays given up');
  }
});

test('exponential-delay with maxAttempts 0 never restarts; without maxAttempts it never gives up', () => {
  const zero = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, maxAttempts: 0 });
  assert.equal(zero.next(), undefined);
  const unbounded = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 10, multiplier: 2, maxDelayMs: 100 });
  assert.equal(drain(unbounded, 1000).length, 1000);
});

test('exponential-delay starts at the initial delay, multiplies each attempt and stays at the cap', () => {
  const b = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 100, multiplier: 3, maxDelayMs: 2000, maxAttempts: 6 });
  assert.deepEqual(drain(b), [100, 300, 900, 2000, 2000, 2000]);
  // The cap holds even when a multiple of the delay would pass it by little.
  const c = new RestartBackoff({ kind: 'exponential-delay', initialDelayMs: 100, multiplier: 2, maxDelayMs: 150, maxAttempts: 4 });
  assert.deepEqual(drain(c), [100, 150, 150, 150]);
});

test('fixed-delay restarts exactly `attempts` times (0 means never)', () => {
  for (const attempts of [0, 1, 3, 5]) {
    const b = new RestartBackoff({ kind: 'fixed-delay', attempts, delayMs: 7 });
    assert.deepEqual(drain(b), Array.from({ length: attempts }, () => 7), `attempts ${attempts}`);
    assert.equal(b.next(), undefined);
  }
});

test('failure-rate: exactly maxFailuresPerInterval failures inside the interval are tolerated, the next one is not', () => {
  for (const max of [1, 2, 4]) {
    const b = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: max, intervalMs: 1000, delayMs: 5 });
    // All failures at distinct times within one interval.
    assert.deepEqual(drain(b, 100, (i) => i * 10), Array.from({ length: max }, () => 5), `max ${max}`);
  }
});

test('failure-rate: a failure exactly intervalMs after an earlier one no longer counts it', () => {
  const b = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: 1, intervalMs: 1000, delayMs: 5 });
  assert.equal(b.next(0), 5);
  assert.equal(b.next(999), undefined, '999 ms later the first failure is still in the interval');
  const c = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: 1, intervalMs: 1000, delayMs: 5 });
  assert.equal(c.next(0), 5);
  assert.equal(c.next(1000), 5, 'at exactly intervalMs the first failure has left the interval');
  assert.equal(c.next(1500), undefined);
  // Steady failures slower than the rate are restarted forever.
  const d = new RestartBackoff({ kind: 'failure-rate', maxFailuresPerInterval: 2, intervalMs: 1000, delayMs: 5 });
  assert.equal(drain(d, 50, (i) => i * 501).length, 50);
});
