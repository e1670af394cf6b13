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
