// Source watermarks: one generator per split, the minimum over active splits, idle splits excluded, released splits no longer holding it back; and through a job, per-split watermarks keep a slow split's records on time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatermarkStrategy } from '../api/watermark-strategy.ts';
import { OutputTag, StreamExecutionEnvironment, TumblingEventTimeWindows, type Collector, type ReaderOutput, type Source, type SourceReader, type SourceSplit } from '../index.ts';
import type { OperatorContext, Output } from './operator.ts';
import { SourceOutput } from './source-output.ts';

interface Ev { readonly ts: number }

function fixture(strategy: WatermarkStrategy<Ev>) {
  let now = 0;
  const scheduled: number[] = [];
  const events: (string | number)[] = [];
  const records: [Ev, number][] = [];
  const element = { timestamp: Number.NaN };
  const context = {
    subtaskIndex: 0, parallelism: 1, element, autoWatermarkInterval: 100,
    currentProcessingTime: () => now,
    scheduleProcessingTime: (t: number) => { scheduled.push(t); },
  } as unknown as OperatorContext;
  const output: Output = {
    collect: (r) => { records.push([r as Ev, element.timestamp]); },
    emitWatermark: (t) => { events.push(t); },
    emitWatermarkStatus: (idle) => { events.push(idle ? 'idle' : 'active'); },
  };
  const out = new SourceOutput(output, context, strategy as WatermarkStrategy<unknown>);
  out.start();
  const tick = (t: number): void => { now = t; out.onProcessingTime(t); };
  return { out: out as ReaderOutput<Ev> & SourceOutput, events, records, scheduled, tick };
}

const bounded = (): WatermarkStrategy<Ev> => WatermarkStrategy.forBoundedOutOfOrderness<Ev>(10).withTimestampAssigner((e) => e.ts);

test('the watermark is the minimum over the splits; a released split stops holding it back', () => {
  const f = fixture(bounded());
  const a = f.out.forSplit('a');
  const b = f.out.forSplit('b');
  a.collect({ ts: 1000 });
  a.collect({ ts: 1100 });
  b.collect({ ts: 100 });
  assert.deepEqual(f.records.map((r) => r[1]), [1000, 1100, 100], 'records are stamped by the assigner');
  assert.equal(f.out.forSplit('a'), a, 'one output per split');
  f.tick(100);
  assert.deepEqual(f.events, [89], 'min(1100 - 11, 100 - 11)');
  b.collect({ ts: 500 });
  f.tick(200);
  assert.deepEqual(f.events, [89, 489]);
  f.out.releaseSplit('b');
  assert.deepEqual(f.events, [89, 489, 1089], 'released at once, not at the next period');
  f.out.forSplit('c');
  f.tick(300);
  assert.deepEqual(f.events, [89, 489, 1089], 'a new split at −∞ holds the watermark; it never goes back');
  f.out.emitFinalWatermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(f.events.at(-1), Number.POSITIVE_INFINITY);
});

test('withIdleness: an idle split does not hold the watermark; all idle makes the source idle; a record makes it active again', () => {
  const f = fixture(bounded().withIdleness(250));
  const a = f.out.forSplit('a');
  const b = f.out.forSplit('b');
  a.collect({ ts: 100 });
  b.collect({ ts: 50 });
  f.tick(100);
  assert.deepEqual(f.events, [39]);
  for (const t of [200, 300, 400]) { a.collect({ ts: t * 10 }); f.tick(t); }
  assert.deepEqual(f.events, [39, 3989], 'b idle after 250 ms without records: the watermark follows a');
  f.tick(500);
  f.tick(600);
  f.tick(700);
  assert.deepEqual(f.events.slice(2), ['idle'], 'then a too: the source is idle');
  b.collect({ ts: 6000 });
  assert.deepEqual(f.events.slice(2), ['idle', 'active']);
  f.tick(800);
  assert.deepEqual(f.events.slice(2), ['idle', 'active', 5989]);
});

test('records a reader emits through collect() share one generator; a source without a strategy only counts', () => {
  const f = fixture(bounded());
  f.out.collect({ ts: 30 });
  f.out.collect({ ts: 20 });
  f.tick(100);
  assert.deepEqual(f.events, [19]);
  assert.equal(f.out.count, 2);
  assert.throws(() => fixture(WatermarkStrategy.forMonotonousTimestamps<Ev>()).out.forSplit('x').collect({ ts: 1 }), /timestamp assigner/);
});

/** Two splits: "fast" (event times 1000..1999) read before "slow" (0..999), 50 records per poll each. */
class TwoSplitSource implements Source<Ev> {
  readonly bounded = true;
  readonly #perSplit: boolean;
  constructor(perSplit: boolean) { this.#perSplit = perSplit; }
  enumerateSplits(): SourceSplit[] { return [{ splitId: 'fast' }, { splitId: 'slow' }]; }
  createReader(): SourceReader<Ev, SourceSplit> {
    const perSplit = this.#perSplit;
    const held = new Set<string>();
    const next = new Map([['fast', 1000], ['slow', 0]]);
    let wake: (() => void) | undefined;
    return {
      addSplits(splits) { for (const s of splits) held.add(s.splitId); wake?.(); },
      pollNext(output: Collector<Ev>, _max: number) {
        if (held.size < 2 && [...next.values()].some((v) => v >= 0)) return 'wait';
        const ro = output as ReaderOutput<Ev>;
        const id = next.get('fast')! < 2000 ? 'fast' : 'slow';
        const end = id === 'fast' ? 2000 : 1000;
        if (perSplit) for (const s of held) ro.forSplit(s);
        const o = perSplit ? ro.forSplit(id) : output;
        let t = next.get(id)!;
        for (let i = 0; i < 50 && t < end; i++) o.collect({ ts: t++ });
        next.set(id, t);
        if (id === 'slow' && t >= end) return 'end';
        return 'more';
      },
      available: () => new Promise<void>((resolve) => { wake = resolve; }),
      pendingSplits: () => 0,
      snapshotState: () => [],
      close() {},
    } as SourceReader<Ev, SourceSplit>;
  }
}

async function runWindows(perSplit: boolean): Promise<{ windows: string[]; late: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  // Punctuated: a watermark right after each record, so the order of reading decides what is late.
  const strategy = WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(ts - 1),
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);
  const late = new OutputTag<Ev>('late');
  const windows = env.fromSource(new TwoSplitSource(perSplit), strategy, 'Two splits')
    .keyBy(() => 'all')
    .window(TumblingEventTimeWindows.of(500))
    .sideOutputLateData(late)
    .aggregate<number, number, string>(
      { createAccumulator: () => 0, add: (_e, n) => n + 1, getResult: (n) => n, merge: (x, y) => x + y },
      { process(_k: string, ctx, results: Iterable<number>, out: Collector<string>) { for (const n of results) out.collect(`${ctx.window.start}:${n}`); } },
    );
  const all = await windows.union(windows.getSideOutput(late).map(() => 'late')).executeAndCollect();
  return { windows: all.filter((s) => s !== 'late').sort(), late: all.filter((s) => s === 'late').length };
}

test('fromSource with a strategy: per-split watermarks keep the slow split on time; one generator for the reader makes it late', async () => {
  const split = await runWindows(true);
  assert.equal(split.late, 0);
  assert.deepEqual(split.windows, ['0:500', '1000:500', '1500:500', '500:500']);
  const shared = await runWindows(false);
  assert.equal(shared.late, 1000, 'control: the fast split moved the shared watermark past every slow record');
});
