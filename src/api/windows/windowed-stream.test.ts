// Inline jobs with event time: timestamps and watermarks cross a keyed exchange, windows fire, late data reaches the side output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, EventTimeSessionWindows, OutputTag, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy,
  type WatermarkOutput,
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
