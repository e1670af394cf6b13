// Tests of the local window pre-aggregation (window-combiner.ts) through the harness, and of its global phase (api/windows/window-combine.ts) against the window operator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../../../api/windows/assigners.ts';
import type { AggregateFunction } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec, WindowSpec } from '../../../api/windows/window-spec.ts';
import { PARTIAL, PARTIAL_FLAT, globalWindowSpec, isWindowPartial, makePartial, notCombinable, partialAccumulator, partialAwareKey } from '../../../api/windows/window-combine.ts';
import type { OperatorSpec } from '../../../api/transformation.ts';
import { OperatorHarness, windowSpec, type HarnessSnapshot } from '../../../testing/index.ts';
import type { Output } from '../../operator.ts';
import { WindowCombinerOperator } from './window-combiner.ts';

type Ev = [string, number, number]; // key, timestamp, value
const key = (e: Ev): string => e[0];
const ts = (e: unknown): number => (e as Ev)[1];

/** Mutates its accumulator in place, as the windows bench does. */
const countSum: AggregateFunction<Ev, [number, number], [number, number]> = {
  createAccumulator: () => [0, 0],
  add: (e, acc) => { acc[0] += 1; acc[1] += e[2]; return acc; },
  getResult: (acc) => acc,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};
const aggregate: WindowFunctionSpec = { kind: 'aggregate', aggregate: countSum as AggregateFunction<unknown, unknown, unknown>, process: undefined };

function spec(fn: WindowFunctionSpec = aggregate, allowedLateness = 0, lateDataTag?: string): WindowSpec {
  return { assigner: TumblingEventTimeWindows.of(10), fn, allowedLateness, lateDataTag };
}

type Logged = ['record', unknown, number] | ['watermark', number] | ['idle', boolean];

async function combiner(options: { combine?: boolean; maxKeys?: number; fn?: WindowFunctionSpec; window?: WindowSpec; restore?: HarnessSnapshot[] } = {}) {
  const s: OperatorSpec = { kind: 'windowCombine', window: options.window ?? spec(options.fn), key: key as (r: unknown) => string, combine: options.combine ?? true, maxKeys: options.maxKeys ?? 1000 };
  const h = OperatorHarness.forSpec(s, { ...(options.restore ? { restore: options.restore } : {}) });
  await h.open();
  const op = h.operator as WindowCombinerOperator;
  // Everything the operator emits, in order, with each record's timestamp.
  const log: Logged[] = [];
  const inner = op.output;
  const element = op.context.element;
  op.output = {
    collect: (r) => { log.push(['record', r, element.timestamp]); inner.collect(r); },
    emitWatermark: (t) => { log.push(['watermark', t]); inner.emitWatermark(t); },
    emitWatermarkStatus: (idle) => { log.push(['idle', idle]); inner.emitWatermarkStatus(idle); },
  } satisfies Output;
  return { h, op, log, take: () => log.splice(0) };
}

test('records are folded per (key, window); a watermark sends the due partials first, stamped maxTimestamp, then itself', async () => {
  const { h, op, take } = await combiner();
  h.processElements([['a', 1, 1], ['b', 3, 10], ['a', 9, 2], ['a', 12, 4], ['a', -1, 100]], ts);
  assert.deepEqual(take(), []);
  assert.equal(op.held, 4);
  h.processWatermark(8);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 100], -1], ['watermark', 8]]);
  h.processWatermark(9);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 2, 3], 9], ['record', [PARTIAL_FLAT, 'b', 1, 10], 9], ['watermark', 9]]);
  h.processWatermark(Infinity);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 4], 19], ['watermark', Infinity]]);
  assert.equal(op.held, 0);
  assert.deepEqual([op.recordsIn, op.partialsOut, op.rawOut], [5, 4, 0]);
});

test('a record whose window is at or behind the watermark passes through raw, with its own timestamp; one ahead of it is folded', async () => {
  const { h, take } = await combiner();
  h.processWatermark(19);
  take();
  // window [10, 20) has maxTimestamp 19 ≤ 19: possibly late downstream, so raw; [20, 30) is ahead.
  h.processElement(['a', 15, 1], 15);
  h.processElement(['a', 20, 2], 20);
  h.processElement(['a', 19, 3], 19);
  h.processElement(['b', Number.NaN, 3]);
  assert.deepEqual(take(), [['record', ['a', 15, 1], 15], ['record', ['a', 19, 3], 19], ['record', ['b', Number.NaN, 3], Number.NaN]]);
  h.processWatermark(29);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 2], 29], ['watermark', 29]]);
  // An older watermark (not increasing) sends nothing and is forwarded as it is.
  h.processElement(['a', 35, 1], 35);
  h.processWatermark(20);
  assert.deepEqual(take(), [['watermark', 20]]);
});

test('a checkpoint (snapshotState), end of input and idleness send every held partial (idleness ends combining); nothing is kept in state but the watermark', async () => {
  const { h, op, take } = await combiner();
  h.processElements([['a', 1, 1], ['a', 25, 2]], ts);
  const snap = await h.snapshot(1);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 1], 9], ['record', [PARTIAL_FLAT, 'a', 1, 2], 29]]);
  assert.equal(op.held, 0);
  assert.deepEqual(snap.operator['_window-combine-watermark']?.items, [Number.NEGATIVE_INFINITY]);
  h.processElements([['b', 2, 5]], ts);
  h.processWatermarkStatus(true);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'b', 1, 5], 9], ['idle', true]]);
  // After idleness the window's watermark may be anywhere ahead: records pass through raw from then on.
  h.processWatermarkStatus(false);
  h.processElements([['c', 3, 7]], ts);
  assert.deepEqual(take(), [['idle', false], ['record', ['c', 3, 7], 3]]);
  assert.equal(op.combining, false);
  const fresh = await combiner();
  fresh.h.processElements([['c', 3, 7]], ts);
  await fresh.h.finish();
  assert.deepEqual(fresh.take(), [['record', [PARTIAL_FLAT, 'c', 1, 7], 9]]);
});

test('a restore resumes at the largest checkpointed watermark of all subtasks; a restore without it combines nothing', async () => {
  const a = await combiner();
  a.h.processWatermark(50);
  const b = await combiner();
  b.h.processWatermark(30);
  const snaps = [await a.h.snapshot(1), await b.h.snapshot(1)];
  const r = await combiner({ restore: snaps });
  // 45 is in [40, 50): behind the restored 50, raw even before any watermark came.
  r.h.processElements([['a', 45, 1], ['a', 55, 1]], ts);
  assert.deepEqual(r.take(), [['record', ['a', 45, 1], 45]]);
  assert.equal(r.op.combining, true);
  const legacy = await combiner({ restore: [{ ...snaps[0]!, operator: {} }] });
  assert.equal(legacy.op.combining, false);
  legacy.h.processElements([['a', 55, 1]], ts);
  assert.deepEqual(legacy.take(), [['record', ['a', 55, 1], 55]]);
});

test('a window more than one window behind the newest goes out before the watermark; a record for it reopens it and doubles the lag', async () => {
  const { h, op, take } = await combiner();
  h.processElements([['a', 1, 1], ['b', 2, 2], ['a', 12, 4]], ts);
  assert.deepEqual(take(), []); // [0, 10) is one window behind [10, 20): held
  h.processElements([['a', 25, 8]], ts);
  // [20, 30) opened: [0, 10) is two behind, out now (no watermark has come), stamped its maxTimestamp.
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 1], 9], ['record', [PARTIAL_FLAT, 'b', 1, 2], 9]]);
  assert.equal(op.held, 2);
  // A straggler for [0, 10): a new entry (a second partial for that window later), and two windows are kept from now on.
  h.processElements([['a', 3, 16], ['a', 31, 32]], ts);
  assert.deepEqual(take(), []);
  h.processElements([['a', 44, 64]], ts);
  assert.deepEqual(take(), [['record', [PARTIAL_FLAT, 'a', 1, 16], 9], ['record', [PARTIAL_FLAT, 'a', 1, 4], 19]]);
  h.processWatermark(Infinity);
  assert.deepEqual(take().map((l) => l[1]), [[PARTIAL_FLAT, 'a', 1, 8], [PARTIAL_FLAT, 'a', 1, 32], [PARTIAL_FLAT, 'a', 1, 64], Infinity]);
  assert.deepEqual([op.recordsIn, op.partialsOut, op.rawOut], [7, 7, 0]);

  // Through the window operator with the global phase, the results are those of the raw records.
  const records: Ev[] = [['a', 1, 1], ['b', 2, 2], ['a', 12, 4], ['a', 25, 8], ['a', 3, 16], ['a', 31, 32], ['a', 44, 64], ['b', 5, 128]];
  const results = async (combined: boolean): Promise<string[]> => {
    const s = spec();
    const w = OperatorHarness.forSpec(windowSpec(combined ? globalWindowSpec(s) : s), { keySelector: combined ? partialAwareKey(key as (r: unknown) => string) : key });
    await w.open();
    if (combined) {
      const c = await combiner();
      c.h.processElements(records, ts);
      c.h.processWatermark(Infinity);
      for (const l of c.take()) if (l[0] === 'record') w.processElement(l[1] as Ev, l[2]);
    } else {
      for (const r of records) w.processElement(r, ts(r));
    }
    w.processWatermark(Infinity);
    return w.takeOutput().map((r) => JSON.stringify(r)).sort();
  };
  const raw = await results(false);
  assert.deepEqual(await results(true), raw);
  // [0, 10): a from two partials (1 and the straggler 16), b from one partial and one record after it; three later windows of a.
  assert.deepEqual(raw, ['[1,32]', '[1,4]', '[1,64]', '[1,8]', '[2,130]', '[2,17]']);
});

test('key budget: past maxKeys every entry goes out; a flush that folded < 2 records per entry turns combining off', async () => {
  const { h, op, take } = await combiner({ maxKeys: 3 });
  h.processElements([['a', 1, 1], ['a', 2, 1], ['a', 3, 1], ['b', 1, 1], ['b', 2, 1], ['b', 3, 1], ['c', 1, 1]], ts);
  assert.equal(take().length, 3); // 7 records folded into 3 entries: still combining
  assert.equal(op.combining, true);
  h.processElements([['d', 1, 1], ['e', 1, 1], ['f', 1, 1]], ts);
  assert.deepEqual(take().map((l) => (l[1] as unknown[])[1]), ['d', 'e', 'f']);
  assert.equal(op.combining, false);
  h.processElements([['g', 1, 1]], ts);
  assert.deepEqual(take(), [['record', ['g', 1, 1], 1]]);
});

test('combine off: a pass-through that still keeps its watermark for checkpoints', async () => {
  const { h, op, take } = await combiner({ combine: false });
  h.processElements([['a', 1, 1], ['a', 2, 1]], ts);
  h.processWatermark(40);
  assert.deepEqual(take(), [['record', ['a', 1, 1], 1], ['record', ['a', 2, 1], 2], ['watermark', 40]]);
  assert.equal(op.partialsOut, 0);
  assert.deepEqual((await h.snapshot(1)).operator['_window-combine-watermark']?.items, [40]);
});

test('reduce: the first record of a (key, window) is its accumulator; the global phase unwraps partials', async () => {
  const reduce: WindowFunctionSpec = { kind: 'reduce', reduce: (x, y) => [(x as Ev)[0], (y as Ev)[1], (x as Ev)[2] + (y as Ev)[2]], process: undefined };
  const { h, take } = await combiner({ fn: reduce });
  h.processElements([['a', 1, 1], ['a', 3, 2], ['b', 4, 3]], ts);
  h.processWatermark(9);
  // [key, timestamp, value] has a string and numbers: a flat partial.
  assert.deepEqual(take().slice(0, 2), [['record', [PARTIAL_FLAT, 'a', 'a', 3, 3], 9], ['record', [PARTIAL_FLAT, 'b', 'b', 4, 3], 9]]);
});

test('partials: flat for arrays of primitives, nested otherwise; isWindowPartial, partialAwareKey', () => {
  assert.deepEqual(makePartial('k', [1, 'x', true]), [PARTIAL_FLAT, 'k', 1, 'x', true]);
  assert.deepEqual(makePartial(['k', 1], { n: 1 }), [PARTIAL, ['k', 1], { n: 1 }]);
  assert.deepEqual(makePartial(2, [[1]]), [PARTIAL, 2, [[1]]]);
  assert.deepEqual(makePartial(2, 7), [PARTIAL, 2, 7]);
  const extra = Object.assign([1, 2], { total: 3 });
  assert.equal(makePartial('k', extra)[0], PARTIAL);
  assert.deepEqual(partialAccumulator(makePartial('k', [1, 2])), [1, 2]);
  assert.deepEqual(partialAccumulator(makePartial('k', { n: 1 })), { n: 1 });
  assert.equal(isWindowPartial(['a', 1, 2]), false);
  assert.equal(isWindowPartial([PARTIAL]), false);
  const k = partialAwareKey((r) => (r as Ev)[0]);
  assert.equal(k(['a', 1, 2]), 'a');
  assert.equal(k(makePartial('z', [1])), 'z');
});

test('notCombinable names what keeps a window from pre-aggregation', () => {
  assert.equal(notCombinable(spec()), undefined);
  assert.equal(notCombinable({ ...spec(), fn: { kind: 'process', process: { process: () => {} } } }), 'a ProcessWindowFunction alone (it needs every element)');
  const noMerge = { ...countSum, merge: undefined };
  assert.equal(notCombinable({ ...spec(), fn: { kind: 'aggregate', aggregate: noMerge as AggregateFunction<unknown, unknown, unknown>, process: undefined } }), 'an AggregateFunction without merge');
  assert.equal(notCombinable({ ...spec(), evictor: { evictBefore: () => {}, evictAfter: () => {} } as never }), 'an evictor');
});

test('sliding windows are folded per pane of one slide; with the global phase the window results equal those of the raw records', async () => {
  const sliding: WindowSpec = { assigner: SlidingEventTimeWindows.of(10, 5), fn: aggregate, allowedLateness: 0, lateDataTag: 'late' };
  const c = await combiner({ window: sliding });
  c.h.processElements([['a', 1, 1], ['a', 4, 2], ['a', 6, 4], ['a', 12, 8]], ts);
  c.h.processWatermark(4);
  assert.deepEqual(c.take(), [['record', [PARTIAL_FLAT, 'a', 2, 3], 4], ['watermark', 4]]);
  // Pane [5, 10) is due at 9; a record of pane [0, 5) is now behind the watermark: raw.
  c.h.processWatermark(9);
  c.h.processElement(['a', 3, 16], 3);
  assert.deepEqual(c.take(), [['record', [PARTIAL_FLAT, 'a', 1, 4], 9], ['watermark', 9], ['record', ['a', 3, 16], 3]]);
  for (const fn of [aggregate, { kind: 'reduce', reduce: (x: unknown, y: unknown) => [(x as Ev)[0], 0, (x as Ev)[2] + (y as Ev)[2]], process: undefined } satisfies WindowFunctionSpec]) {
    const s: WindowSpec = { ...sliding, fn, allowedLateness: 3 };
    const input: Ev[] = [['a', 1, 1], ['a', 4, 2], ['a', 6, 4], ['a', 12, 8], ['b', 7, 32], ['a', 14, 64]];
    const run = async (combined: boolean) => {
      const w = OperatorHarness.forSpec(windowSpec(combined ? globalWindowSpec(s) : s), { keySelector: combined ? partialAwareKey(key as (r: unknown) => string) : key });
      await w.open();
      const feed = (r: unknown, t: number): void => w.processElement(r as Ev, t);
      const local = await combiner({ window: s });
      const through = (records: Ev[], watermark: number): void => {
        if (!combined) { for (const r of records) feed(r, ts(r)); w.processWatermark(watermark); return; }
        local.h.processElements(records, ts);
        local.h.processWatermark(watermark);
        for (const l of local.take()) if (l[0] === 'record') feed(l[1], l[2]); else if (l[0] === 'watermark') w.processWatermark(l[1]);
      };
      through(input.slice(0, 3), 9);
      through([['a', 2, 128], ['a', 8, 256]], 12); // [0, 10) fired at 9, re-fires within lateness 3; [−5, 5) is past it (late for it only)
      through(input.slice(3), Infinity);
      return { out: w.takeOutput().map((r) => JSON.stringify(r)).sort(), late: w.sideOutput.get('late') ?? [] };
    };
    const raw = await run(false);
    assert.deepEqual(await run(true), raw);
    assert.ok(raw.out.length > 4);
  }
});

test('the window operator with the global phase: partials and raw (late) records give the results and late output of raw records alone', async () => {
  // Two producers' worth of input through combiners, then one window operator; against the same records raw.
  const input: Ev[][] = [
    [['a', 1, 1], ['a', 4, 2], ['b', 12, 3], ['a', 11, 5]],
    [['a', 2, 7], ['b', 13, 1], ['b', 3, 4]],
  ];
  const late: Ev[] = [['a', 5, 100], ['b', 8, 200]]; // behind every watermark below, within allowed lateness 5 for [0, 10) up to 14
  const tooLate: Ev[] = [['a', 1, 1000]];
  const results = async (combined: boolean) => {
    const s = spec(aggregate, 5, 'late');
    const w = OperatorHarness.forSpec(windowSpec(combined ? globalWindowSpec(s) : s), { keySelector: combined ? partialAwareKey(key as (r: unknown) => string) : key });
    await w.open();
    const feed = (r: unknown, t: number): void => w.processElement(r as Ev, t);
    if (combined) {
      for (const records of input) {
        const c = await combiner();
        c.h.processElements(records, ts);
        c.h.processWatermark(10);
        for (const l of c.take()) if (l[0] === 'record') feed(l[1], l[2]);
        await c.h.finish();
        for (const l of c.take()) if (l[0] === 'record') feed(l[1], l[2]);
      }
    } else {
      for (const records of input) for (const r of records) feed(r, ts(r as unknown));
    }
    w.processWatermark(10);
    // Late records go through a combiner at the same watermark: they must come out raw.
    const through = async (records: Ev[], watermark: number): Promise<void> => {
      if (!combined) { for (const r of records) feed(r, ts(r)); return; }
      const c = await combiner();
      c.h.processWatermark(watermark);
      c.h.processElements(records, ts);
      for (const l of c.take()) if (l[0] === 'record') { assert.equal(isWindowPartial(l[1]), false); feed(l[1], l[2]); }
    };
    await through(late, 10);
    w.processWatermark(16);
    await through(tooLate, 16);
    w.processWatermark(Infinity);
    return { out: w.takeOutput().map((r) => JSON.stringify(r)).sort(), late: w.sideOutput.get('late') ?? [] };
  };
  const raw = await results(false);
  const combined = await results(true);
  assert.deepEqual(combined, raw);
  assert.deepEqual(raw.late, [['a', 1, 1000]]);
  // [0, 10) of a fired at 10 with 3 records, again for each of the 1 late record: (4, 110).
  assert.ok(raw.out.includes(JSON.stringify([4, 110])), raw.out.join(' '));
});
