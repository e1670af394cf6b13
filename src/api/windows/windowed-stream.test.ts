// Inline jobs with event time: timestamps and watermarks cross a keyed exchange, windows fire, late data reaches the side output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, ContinuousEventTimeTrigger, CountTrigger, EventTimeSessionWindows, OutputTag, StreamExecutionEnvironment, TimeEvictor,
  TumblingEventTimeWindows, WatermarkStrategy, type WatermarkOutput,
} from '../../index.ts';

type Ev = { t: number; k: string; v: number };

/** Punctuated: a watermark after every record (max − bound − 1), so watermarks advance within a short bounded job. */
function punctuated(bound: number): WatermarkStrategy<Ev> {
  return WatermarkStrategy.forGenerator<Ev>(() => {
    let max = -Infinity;
    return {
      onEvent(_e: Ev, ts: number, out: WatermarkOutput) { max = Math.max(max, ts); out.emitWatermark(max - bound - 1); },
      onPeriodicEmit() {},
    };
  }).withTimestampAssigner((e) => e.t);
}

test('keyBy → tumbling windows at parallelism 2: each (window, key) once, late records to the side output', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const events: Ev[] = [];
  for (let t = 0; t < 400; t++) events.push({ t: t + ((t * 7) % 5), k: `k${t % 7}`, v: t });
  events.push({ t: 3, k: 'k1', v: 1000 }); // far behind: late
  const late = new OutputTag<Ev>('late');
  const counts = env.fromCollection(events)
    .assignTimestampsAndWatermarks(punctuated(10))
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(50))
    .sideOutputLateData(late)
    .aggregate<number[], number[], string>(
      { createAccumulator: () => [0, 0], add: (e: Ev, a: number[]) => [a[0]! + 1, a[1]! + e.v], getResult: (a: number[]) => a },
      { process: (k: string, ctx, res, out) => { for (const [n, s] of res) out.collect(`W ${ctx.window.start} ${k} ${n} ${s}`); } },
    );
  const lateLines = counts.getSideOutput(late).map((e) => `L ${e.t} ${e.k} ${e.v}`);
  const out = await counts.union(lateLines).executeAndCollect();
  assert.deepEqual(out.filter((l) => l.startsWith('L')), ['L 3 k1 1000']);
  const windows = out.filter((l) => l.startsWith('W'));
  const seen = new Set(windows.map((l) => l.split(' ').slice(1, 3).join(' ')));
  assert.equal(seen.size, windows.length, 'each (window, key) fires once');
  let total = 0;
  let sum = 0;
  for (const l of windows) { const p = l.split(' '); total += Number(p[3]); sum += Number(p[4]); }
  assert.equal(total, 400);
  assert.equal(sum, (399 * 400) / 2);
  for (const e of events.slice(0, 400)) {
    const start = Math.floor(e.t / 50) * 50;
    assert.ok(seen.has(`${start} ${e.k}`));
  }
});

test('session windows in a job; records without timestamps fail clearly at an event-time window', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const out = await env.fromCollection<Ev>([{ t: 0, k: 'a', v: 1 }, { t: 5, k: 'a', v: 2 }, { t: 40, k: 'a', v: 3 }])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.t))
    .keyBy((e) => e.k)
    .window(EventTimeSessionWindows.withGap(10))
    .reduce((a, b) => ({ ...a, v: a.v + b.v }))
    .map((e) => e.v)
    .executeAndCollect();
  assert.deepEqual(out, [3, 3]);

  const bad = StreamExecutionEnvironment.getExecutionEnvironment();
  const stream = bad.fromElements({ t: 0, k: 'a', v: 1 }).keyBy((e) => e.k).window(TumblingEventTimeWindows.of(10)).reduce((a) => a);
  await assert.rejects(stream.executeAndCollect(), /has no timestamp; call assignTimestampsAndWatermarks/);
});

test('window settings are validated when the job is built', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const keyed = env.fromElements(1).keyBy((n) => n);
  assert.throws(() => TumblingEventTimeWindows.of(0), ConfigError);
  assert.throws(() => TumblingEventTimeWindows.of(10, 10), /offset/);
  assert.throws(() => keyed.window({} as never), /window assigner/);
  assert.throws(() => keyed.window(EventTimeSessionWindows.withGap(5)).aggregate({ createAccumulator: () => 0, add: (n: number, a: number) => a + n, getResult: (a: number) => a }), /merge/);
  assert.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).allowedLateness(-1), /allowedLateness/);
  assert.throws(() => WatermarkStrategy.forBoundedOutOfOrderness(-5), /forBoundedOutOfOrderness/);
});

test('countWindow(size) and countWindow(size, slide) in a job at parallelism 2, per key', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const input = Array.from({ length: 20 }, (_, i) => ({ k: `k${i % 2}`, v: i }));
  const tumbling = env.fromCollection(input).keyBy((e) => e.k).countWindow(4).reduce((a, b) => ({ k: a.k, v: a.v + b.v })).map((e) => `${e.k}:${e.v}`);
  const sliding = env.fromCollection(input).keyBy((e) => e.k).countWindow(3, 2)
    .process<string>({ process: (k: string, _ctx, els, out) => out.collect(`${k}[${[...els].map((e) => e.v).join(',')}]`) });
  const out = await tumbling.union(sliding).executeAndCollect();
  // k0 gets 0, 2, 4, ... 18 (10 records): two windows of 4 (0+2+4+6, 8+10+12+14), 16 and 18 stay unfired.
  assert.deepEqual(out.filter((l) => l.includes(':')).sort(), ['k0:12', 'k0:44', 'k1:16', 'k1:48']);
  const k0 = out.filter((l) => l.startsWith('k0['));
  assert.deepEqual(k0, ['k0[0,2]', 'k0[2,4,6]', 'k0[6,8,10]', 'k0[10,12,14]', 'k0[14,16,18]']);
});

test('windowAll: one window operator at parallelism 1 over a parallel stream; countWindowAll', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const events: Ev[] = Array.from({ length: 100 }, (_, t) => ({ t, k: `k${t % 3}`, v: 1 }));
  const all = env.fromCollection(events).assignTimestampsAndWatermarks(punctuated(0))
    .windowAll(TumblingEventTimeWindows.of(25))
    .aggregate<number, number, string>(
      { createAccumulator: () => 0, add: (e: Ev, n: number) => n + e.v, getResult: (n: number) => n },
      { process: (ctx, res, out) => { for (const n of res) out.collect(`${ctx.window.start}:${n}`); } },
    );
  assert.equal(all.transformation.parallelism, 1);
  const counted = env.fromCollection(events).countWindowAll(40).process<string>({ process: (_ctx, els, out) => out.collect(`n=${[...els].length}`) });
  const out = await all.union(counted).executeAndCollect();
  assert.deepEqual(out.filter((l) => l.includes(':')).sort(), ['0:25', '25:25', '50:25', '75:25']);
  assert.deepEqual(out.filter((l) => l.startsWith('n=')), ['n=40', 'n=40']);
});

test('a trigger and an evictor in a job: early firings every 20 ms of event time, the last 10 ms only', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const out = await env.fromCollection<Ev>(Array.from({ length: 60 }, (_, t) => ({ t, k: 'a', v: t })))
    .assignTimestampsAndWatermarks(punctuated(0))
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(100))
    .trigger(ContinuousEventTimeTrigger.of(20))
    .evictor(TimeEvictor.of(10))
    .process<string>({ process: (_k, ctx, els, out) => out.collect(`${ctx.currentWatermark()}:${[...els].map((e) => e.v).join(',')}`) })
    .executeAndCollect();
  // Watermark t − 1 after record t: the firing at 20 happens when record 21 arrives; 10 ms = records 11..20.
  assert.deepEqual(out.slice(0, 2), ['20:11,12,13,14,15,16,17,18,19,20', '40:31,32,33,34,35,36,37,38,39,40']);
  assert.equal(out.at(-1), `${Infinity}:50,51,52,53,54,55,56,57,58,59`);
});

test('trigger and evictor settings are validated when the job is built', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const keyed = env.fromElements(1).keyBy((n) => n);
  const noMerge = { ...CountTrigger.of(2), onMerge: undefined };
  assert.throws(() => keyed.window(EventTimeSessionWindows.withGap(5)).trigger(noMerge), /onMerge/);
  keyed.window(EventTimeSessionWindows.withGap(5)).trigger(CountTrigger.of(2)); // merges its count
  assert.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).trigger({} as never), /needs a Trigger/);
  assert.throws(() => keyed.window(TumblingEventTimeWindows.of(5)).evictor({} as never), /needs an Evictor/);
  assert.throws(() => keyed.countWindow(0), /CountTrigger.of\(count\) must be an integer > 0/);
  assert.throws(() => EventTimeSessionWindows.withDynamicGap(5 as never), /withDynamicGap needs a function/);
});
