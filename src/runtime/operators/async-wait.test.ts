// Async I/O operator: ordered vs unordered emission, watermarks as reordering barriers, timeouts, retries, capacity, snapshot/restore of in-flight requests, finish.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncRetryStrategies, RetryPredicates, type AsyncFunctionObject, type ResultFuture } from '../../api/async-data-stream.ts';
import { OperatorHarness, asyncWaitSpec } from '../../testing/index.ts';

interface Deferred<T> { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
}

/** An async function whose requests the test completes by hand. */
function manual<I = string>() {
  const calls: { input: I; d: Deferred<string> }[] = [];
  const pending = new Map<I, Deferred<string>>();
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = (input: I): Promise<string> => {
    const d = deferred<string>();
    calls.push({ input, d });
    pending.set(input, d);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return d.promise.finally(() => { inFlight--; });
  };
  return {
    fn, calls,
    resolve: (input: I, v = `r(${String(input)})`) => pending.get(input)!.resolve(v),
    reject: (input: I, e: unknown) => pending.get(input)!.reject(e),
    get maxInFlight() { return maxInFlight; },
  };
}

test('ordered: results leave in input order, whatever the completion order', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: true, timeoutMs: 10_000 }));
  await h.open();
  for (const x of ['a', 'b', 'c']) h.processElement(x);
  m.resolve('c');
  await h.settle();
  m.resolve('b');
  await h.settle();
  assert.deepEqual(h.output, []);
  m.resolve('a');
  await h.settle();
  assert.deepEqual(h.output, ['r(a)', 'r(b)', 'r(c)']);
});

test('unordered: results leave as they complete', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: false, timeoutMs: 10_000 }));
  await h.open();
  for (const x of ['a', 'b', 'c']) h.processElement(x);
  m.resolve('c');
  await h.settle();
  assert.deepEqual(h.output, ['r(c)']);
  m.resolve('a');
  await h.settle();
  m.resolve('b');
  await h.settle();
  assert.deepEqual(h.output, ['r(c)', 'r(a)', 'r(b)']);
});

test('unordered: a watermark is a barrier — nothing overtakes it in either direction', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: false, timeoutMs: 10_000 }));
  await h.open();
  h.processElement('a', 5);
  h.processElement('b', 8);
  h.processWatermark(10);
  h.processElement('c', 12);
  h.processWatermark(20);
  m.resolve('c');
  await h.settle();
  assert.deepEqual(h.output, [], 'c comes after watermark 10, which waits for a and b');
  assert.deepEqual(h.watermarks, []);
  m.resolve('b');
  await h.settle();
  assert.deepEqual(h.output, ['r(b)'], 'b is before the watermark: emitted as it completes');
  m.resolve('a');
  await h.settle();
  assert.deepEqual(h.output, ['r(b)', 'r(a)', 'r(c)']);
  assert.deepEqual(h.watermarks, [10, 20]);
  assert.deepEqual(h.outputTimestamps, [8, 5, 12], 'each result carries its input timestamp');
});

test('ordered: a watermark leaves after the results before it; with nothing in flight at once', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: true, timeoutMs: 10_000 }));
  await h.open();
  h.processWatermark(1);
  assert.deepEqual(h.watermarks, [1]);
  h.processElement('a', 3);
  h.processWatermark(4);
  h.processElement('b', 5);
  m.resolve('b');
  await h.settle();
  assert.deepEqual(h.watermarks, [1]);
  m.resolve('a');
  await h.settle();
  assert.deepEqual(h.output, ['r(a)', 'r(b)']);
  assert.deepEqual(h.watermarks, [1, 4]);
});

test('a synchronous result is emitted inside processElement, without a mailbox round', async () => {
  let calls = 0;
  const cache: AsyncFunctionObject<string, string> = {
    asyncInvoke(input: string, rf: ResultFuture<string>) { calls++; rf.complete([input.toUpperCase(), input]); },
  };
  for (const ordered of [true, false]) {
    const h = OperatorHarness.forSpec(asyncWaitSpec(cache, { ordered, timeoutMs: 1000 }));
    await h.open();
    h.processElement('x');
    assert.deepEqual(h.output, ['X', 'x']);
    assert.equal(h.mailboxSize, 0);
    const plain = OperatorHarness.forSpec(asyncWaitSpec((s: string) => s.length, { ordered, timeoutMs: 1000 }));
    await plain.open();
    plain.processElement('abc');
    assert.deepEqual(plain.output, [3], 'a plain function returning a value completes at once');
    assert.equal(plain.mailboxSize, 0);
  }
  assert.equal(calls, 2);
});

test('timeout: the default fails the job; an override emits its fallback and a late result is ignored', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: true, timeoutMs: 100 }));
  await h.open();
  h.processElement('a');
  h.advanceProcessingTime(99);
  assert.deepEqual(h.output, []);
  assert.throws(() => h.advanceProcessingTime(100), /timed out after 100 ms/);

  const timedOut: string[] = [];
  const pending = new Map<string, Deferred<string[]>>();
  const fn: AsyncFunctionObject<string, string> = {
    asyncInvoke(input) { const d = deferred<string[]>(); pending.set(input, d); return d.promise; },
    timeout(input, rf) { timedOut.push(input); rf.complete([`fallback(${input})`]); },
  };
  const h2 = OperatorHarness.forSpec(asyncWaitSpec(fn, { ordered: false, timeoutMs: 100 }));
  await h2.open();
  h2.processElement('a');
  h2.advanceProcessingTime(50);
  h2.processElement('b');
  h2.advanceProcessingTime(100);
  assert.deepEqual(timedOut, ['a']);
  assert.deepEqual(h2.output, ['fallback(a)']);
  pending.get('a')!.resolve(['late(a)']);
  pending.get('b')!.resolve(['r(b)']);
  await h2.settle();
  assert.deepEqual(h2.output, ['fallback(a)', 'r(b)'], 'the late result of a timed-out request is dropped');
  h2.advanceProcessingTime(1000);
  assert.deepEqual(timedOut, ['a'], 'b completed in time: no timeout');
});

test('retries: fixed delay on exceptions, the attempt count and the delay pinned; exhausted attempts fail the job', async () => {
  const attempts = new Map<string, number>();
  const flaky = async (input: string): Promise<string> => {
    const n = (attempts.get(input) ?? 0) + 1;
    attempts.set(input, n);
    if (input === 'ok-on-3' && n < 3) throw new Error(`transient ${n}`);
    if (input === 'never') throw new Error(`down ${n}`);
    return `${input}@${n}`;
  };
  const retry = AsyncRetryStrategies.fixedDelay<string>(3, 100).ifException(RetryPredicates.HAS_EXCEPTION).build();
  const h = OperatorHarness.forSpec(asyncWaitSpec(flaky, { ordered: true, timeoutMs: 10_000, retry }));
  await h.open();
  h.processElement('ok-on-3');
  await h.settle();
  assert.equal(attempts.get('ok-on-3'), 1);
  h.advanceProcessingTime(99);
  assert.equal(attempts.get('ok-on-3'), 1, 'no retry before the delay');
  h.advanceProcessingTime(100);
  await h.settle();
  assert.equal(attempts.get('ok-on-3'), 2);
  h.advanceProcessingTime(200);
  await h.settle();
  assert.deepEqual(h.output, ['ok-on-3@3']);

  h.processElement('never');
  await h.settle();
  h.advanceProcessingTime(300);
  await h.settle();
  h.advanceProcessingTime(400);
  await assert.rejects(h.settle(), /down 3/);
  assert.equal(attempts.get('never'), 3, 'maxAttempts counts every invocation');
});

test('retries: exponential backoff on an empty result; past maxAttempts the last result is emitted', async () => {
  const times: number[] = [];
  let now = 0;
  const empty: AsyncFunctionObject<string, string> = {
    async asyncInvoke(input) { times.push(now); return times.length < 4 ? [] : [input]; },
  };
  const retry = AsyncRetryStrategies.exponentialBackoff<string>(4, 100, 300).ifResult(RetryPredicates.EMPTY_RESULT).build();
  const h = OperatorHarness.forSpec(asyncWaitSpec(empty, { ordered: false, timeoutMs: 10_000, retry }));
  await h.open();
  h.processElement('x');
  await h.settle();
  for (const t of [100, 300, 600]) {
    now = t;
    h.advanceProcessingTime(t);
    await h.settle();
  }
  assert.deepEqual(times, [0, 100, 300, 600], 'delays 100, 200, then capped at 300');
  assert.deepEqual(h.output, ['x']);

  let calls = 0;
  const alwaysEmpty = async (): Promise<string[]> => { calls++; return []; };
  const h2 = OperatorHarness.forSpec(asyncWaitSpec({ asyncInvoke: alwaysEmpty }, {
    ordered: true, timeoutMs: 10_000, retry: AsyncRetryStrategies.fixedDelay<string>(2, 10).ifResult(RetryPredicates.EMPTY_RESULT).build(),
  }));
  await h2.open();
  h2.processElement('y');
  h2.processWatermark(7);
  await h2.settle();
  h2.advanceProcessingTime(10);
  await h2.settle();
  assert.equal(calls, 2);
  assert.deepEqual(h2.output, [], 'the last (empty) result is emitted');
  assert.deepEqual(h2.watermarks, [7], 'and the request is done');
});

test('capacity: never more than capacity requests in flight; the operator blocks input until one completes', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: true, timeoutMs: 10_000, capacity: 2 }));
  await h.open();
  h.processElement('a');
  assert.equal(h.inputBlocked, false);
  h.processElement('b');
  assert.equal(h.inputBlocked, true, 'at capacity: the task stops pulling input');
  // A task may still hand over the rest of a buffer: those wait un-invoked.
  h.processElement('c');
  h.processElement('d');
  assert.deepEqual(m.calls.map((c) => c.input), ['a', 'b']);
  m.resolve('b');
  await h.settle();
  assert.deepEqual(m.calls.map((c) => c.input), ['a', 'b'], 'ordered: b waits for a, so it still takes a slot');
  m.resolve('a');
  await h.settle();
  assert.deepEqual(m.calls.map((c) => c.input), ['a', 'b', 'c', 'd']);
  assert.equal(h.inputBlocked, true);
  m.resolve('c');
  m.resolve('d');
  await h.settle();
  assert.equal(h.inputBlocked, false);
  assert.deepEqual(h.output, ['r(a)', 'r(b)', 'r(c)', 'r(d)']);
  assert.equal(m.maxInFlight, 2);
});

test('snapshot holds the inputs of unfinished requests; a restore issues them again (at another parallelism too)', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: true, timeoutMs: 10_000, capacity: 2 }), { checkpointing: true });
  await h.open();
  h.processElement('a', 1);
  h.processElement('b', 2);
  h.processElement('c', 3); // waits for capacity
  m.resolve('b'); // done, but held behind a
  await h.settle();
  const snap = await h.snapshot(1);
  assert.deepEqual(snap.operator['async-wait-inputs']?.items, [{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }, { value: 'c', timestamp: 3 }]);
  m.resolve('a');
  await h.settle();
  assert.deepEqual(h.output, ['r(a)', 'r(b)']);

  for (const parallelism of [1, 2]) {
    const outputs: string[] = [];
    const timestamps: number[] = [];
    for (let subtask = 0; subtask < parallelism; subtask++) {
      const m2 = manual();
      const r = OperatorHarness.forSpec(asyncWaitSpec(m2.fn, { ordered: true, timeoutMs: 10_000 }), { restore: snap, parallelism, subtaskIndex: subtask });
      await r.open();
      for (const c of m2.calls) c.d.resolve(`again(${c.input})`);
      await r.settle();
      outputs.push(...r.output);
      timestamps.push(...r.outputTimestamps);
    }
    assert.deepEqual(outputs, ['again(a)', 'again(b)', 'again(c)'], `parallelism ${parallelism}`);
    assert.deepEqual(timestamps, [1, 2, 3]);
  }
});

test('finish waits for every request in flight, timeouts included', async () => {
  const m = manual();
  const h = OperatorHarness.forSpec(asyncWaitSpec(m.fn, { ordered: false, timeoutMs: 10_000 }));
  await h.open();
  h.processElement('a');
  h.processElement('b');
  h.processWatermark(Number.POSITIVE_INFINITY);
  let finished = false;
  const done = h.finish().then(() => { finished = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(finished, false);
  m.resolve('b');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.output, ['r(b)'], 'emitted while finishing, without the mailbox');
  assert.equal(finished, false);
  m.resolve('a');
  await done;
  assert.deepEqual(h.output, ['r(b)', 'r(a)']);
  assert.deepEqual(h.watermarks, [Number.POSITIVE_INFINITY]);

  const never = OperatorHarness.forSpec(asyncWaitSpec(() => new Promise<string>(() => {}), { ordered: true, timeoutMs: 100 }));
  await never.open();
  never.processElement('x');
  const failed = assert.rejects(never.finish(), /timed out/);
  assert.throws(() => never.advanceProcessingTime(100), /timed out/);
  await failed;
});

test('an exception fails the job, naming the operator and the record', async () => {
  const h = OperatorHarness.forSpec(asyncWaitSpec(async (s: string) => { throw new Error(`no ${s}`); }, { ordered: false, timeoutMs: 1000 }));
  await h.open();
  h.processElement('rec-1');
  await assert.rejects(h.settle(), (e: Error) => /Async Wait \(unordered\)/.test(e.message) && /rec-1/.test(e.message) && /no rec-1/.test(e.message));
});
