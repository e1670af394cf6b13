// Runtime mode BATCH against STREAMING on inline jobs: final values equal the last running value per key (sum, reduce, windows, timers, interval join); refusals before the job runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, StreamExecutionEnvironment, TumblingEventTimeWindows, TumblingProcessingTimeWindows, ValueStateDescriptor, WatermarkStrategy,
  type Collector, type KeyedProcessContext, type OnTimerContext, type RuntimeContext, type RuntimeMode, type ValueState,
} from '../index.ts';
import { parseRunArgs } from '../cli/options.ts';

/** Each test runs BATCH with both keyed inputs: 'state' (default) and 'grouped' (key by key). */
const KEYED_INPUTS = ['state', 'grouped'] as const;
let keyedInput: (typeof KEYED_INPUTS)[number] = 'state';

function envFor(mode: RuntimeMode, parallelism: number): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  return env.setRuntimeMode(mode).setBatchKeyedInput(keyedInput);
}

type Word = [string, number];
const WORDS: Word[] = Array.from({ length: 5000 }, (_, i) => [`w${(i * 7919) % 97}`, 1 + (i % 3)]);

/** The last value emitted per key (STREAMING's running results reduced to their final values). */
function lastPerKey<T>(records: readonly T[], key: (r: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const r of records) m.set(key(r), r);
  return m;
}

async function wordSums(mode: RuntimeMode, parallelism: number): Promise<Word[]> {
  const env = envFor(mode, parallelism);
  return env.fromCollection(WORDS).rebalance().keyBy(0).sum(1).executeAndCollect();
}

for (const input of KEYED_INPUTS) {
test(`[${input}] keyBy().sum() in BATCH emits one final count per key, equal to STREAMING's last running count (p=1 and p=2)`, async () => {
  keyedInput = input;
  const expected = new Map<string, number>();
  for (const [w, n] of WORDS) expected.set(w, (expected.get(w) ?? 0) + n);
  for (const p of [1, 2]) {
    const streaming = await wordSums('STREAMING', p);
    assert.equal(streaming.length, WORDS.length, 'STREAMING: one running count per record');
    const batch = await wordSums('BATCH', p);
    assert.equal(batch.length, expected.size, `p=${p}: BATCH emits one record per key`);
    const finals = new Map(batch.map(([w, n]) => [w, n]));
    assert.deepEqual(finals, expected, `p=${p}: BATCH final counts`);
    assert.deepEqual(new Map([...lastPerKey(streaming, (r) => r[0])].map(([k, r]) => [k, r[1]])), finals, `p=${p}: STREAMING's last running count per key`);
  }
});
}

for (const input of KEYED_INPUTS) {
test(`[${input}] reduce, min, maxBy and aggregate(AggregateFunction) in BATCH: one final value per key, equal to STREAMING's last`, async () => {
  keyedInput = input;
  type R = { k: string; v: number; i: number };
  const data: R[] = Array.from({ length: 2000 }, (_, i) => ({ k: `k${i % 13}`, v: (i * 37) % 101, i }));
  const run = async (mode: RuntimeMode, which: 'reduce' | 'min' | 'maxBy' | 'aggregate'): Promise<R[]> => {
    const env = envFor(mode, 2);
    const keyed = env.fromCollection(data).keyBy((r) => r.k);
    const s = which === 'reduce' ? keyed.reduce((a, b) => ({ k: a.k, v: a.v + b.v, i: Math.max(a.i, b.i) }))
      : which === 'min' ? keyed.min('v') : which === 'maxBy' ? keyed.maxBy('v')
        : keyed.aggregate({
          createAccumulator: () => ({ k: '', v: 0, i: 0 }),
          add: (r: R, acc: R) => { acc.k = r.k; acc.v += r.v; acc.i++; return acc; },
          getResult: (acc: R) => acc,
        });
    return s.executeAndCollect();
  };
  for (const which of ['reduce', 'min', 'maxBy', 'aggregate'] as const) {
    const streaming = lastPerKey(await run('STREAMING', which), (r) => r.k);
    const batch = await run('BATCH', which);
    assert.equal(batch.length, 13, which);
    assert.deepEqual(lastPerKey(batch, (r) => r.k), streaming, which);
  }
});
}

type Ev = { k: string; t: number; v: number };
// Out of order by up to 50 ms; the strategy allows 100, so STREAMING drops nothing as late.
const EVENTS: Ev[] = Array.from({ length: 3000 }, (_, i) => ({ k: `k${i % 11}`, t: i * 10 + ((i * 31) % 6) * 10, v: i % 5 }));
// Punctuated: a watermark of max timestamp − 100 after every record, so STREAMING sees watermarks however fast it runs.
const byTime = WatermarkStrategy.forGenerator<Ev>(() => {
  let max = Number.NEGATIVE_INFINITY;
  return {
    onEvent(_e, t, out) { if (t > max) { max = t; out.emitWatermark(max - 101); } },
    onPeriodicEmit() {},
  };
}).withTimestampAssigner((e) => e.t);

for (const input of KEYED_INPUTS) {
test(`[${input}] tumbling event-time windows in BATCH: the same window results as STREAMING, without any watermark flowing`, async () => {
  keyedInput = input;
  const run = async (mode: RuntimeMode): Promise<string[]> => {
    const env = envFor(mode, 2);
    return env.fromCollection(EVENTS).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(1000))
      .process({
        process(key: string, ctx, elements: Iterable<Ev>, out: Collector<string>) {
          let sum = 0;
          let n = 0;
          for (const e of elements) { sum += e.v; n++; }
          out.collect(`${key}@${ctx.window.start}: ${n} ${sum}`);
        },
      })
      .executeAndCollect();
  };
  const streaming = (await run('STREAMING')).sort();
  const batch = (await run('BATCH')).sort();
  assert.ok(streaming.length > 11 * 25, `windows fired: ${streaming.length}`);
  assert.deepEqual(batch, streaming);
});
}

for (const input of KEYED_INPUTS) {
test(`[${input}] keyed process with event-time timers and state in BATCH: timers fire once per key after all its records; equal to STREAMING`, async () => {
  keyedInput = input;
  let maxWatermarkSeen = Number.NEGATIVE_INFINITY;
  const run = async (mode: RuntimeMode): Promise<string[]> => {
    const env = envFor(mode, 2);
    maxWatermarkSeen = Number.NEGATIVE_INFINITY;
    return env.fromCollection(EVENTS).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k)
      .process(() => {
        let sum!: ValueState<number>;
        return {
          open(ctx: RuntimeContext) { sum = ctx.getState(new ValueStateDescriptor<number>('sum')); },
          processElement(e: Ev, ctx: KeyedProcessContext<string>) {
            sum.update((sum.value() ?? 0) + e.v);
            maxWatermarkSeen = Math.max(maxWatermarkSeen, ctx.timerService().currentWatermark());
            // One timer per key at the end of its time range: fires after every record of the key.
            ctx.timerService().registerEventTimeTimer(100_000);
          },
          onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>) {
            out.collect(`${ctx.getCurrentKey()} ${time} ${sum.value()}`);
          },
        };
      })
      .executeAndCollect();
  };
  const streaming = (await run('STREAMING')).sort();
  assert.ok(maxWatermarkSeen > 0, 'STREAMING: watermarks reach the operator');
  const batch = (await run('BATCH')).sort();
  assert.equal(maxWatermarkSeen, Number.NEGATIVE_INFINITY, 'BATCH: no watermark before a key ends');
  assert.equal(streaming.length, 11);
  assert.deepEqual(batch, streaming);
});
}

for (const input of KEYED_INPUTS) {
test(`[${input}] interval join in BATCH (a two-input keyed head, not grouped): the same pairs as STREAMING`, async () => {
  keyedInput = input;
  const run = async (mode: RuntimeMode): Promise<string[]> => {
    const env = envFor(mode, 2);
    const left = env.fromCollection(EVENTS.filter((e) => e.v === 0)).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k);
    const right = env.fromCollection(EVENTS.filter((e) => e.v === 1)).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k);
    return left.intervalJoin(right).between(-200, 200)
      .process({ processElement(a: Ev, b: Ev, _ctx, out: Collector<string>) { out.collect(`${a.k} ${a.t} ${b.t}`); } })
      .executeAndCollect();
  };
  const streaming = (await run('STREAMING')).sort();
  assert.ok(streaming.length > 100, `pairs: ${streaming.length}`);
  assert.deepEqual((await run('BATCH')).sort(), streaming);
});
}

for (const input of KEYED_INPUTS) {
test(`[${input}] AUTOMATIC picks BATCH when every source is bounded, STREAMING otherwise`, async () => {
  keyedInput = input;
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.setRuntimeMode('AUTOMATIC');
  const out = await env.fromCollection(WORDS).keyBy(0).sum(1).executeAndCollect();
  assert.equal(out.length, 97, 'final counts only');
  const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
  env2.setRuntimeMode('automatic' as RuntimeMode);
  assert.equal(env2.getRuntimeMode(), 'AUTOMATIC');
});
}

test('a job that cannot run in BATCH fails before it runs, naming why', async () => {
  const unbounded = StreamExecutionEnvironment.getExecutionEnvironment();
  unbounded.setRuntimeMode('BATCH');
  unbounded.fromGenerator((i) => i).name('Endless').keyBy((n) => n % 3).sum(0).discard();
  await assert.rejects(unbounded.execute(), (e: unknown) => e instanceof ConfigError && /source "Endless" is unbounded/.test(e.message));

  const ptime = StreamExecutionEnvironment.getExecutionEnvironment();
  ptime.setRuntimeMode('AUTOMATIC');
  ptime.fromCollection([1, 2, 3]).keyBy((n) => n % 2).window(TumblingProcessingTimeWindows.of(1000)).reduce((a, b) => a + b).name('PT window').discard();
  await assert.rejects(ptime.execute(), (e: unknown) => e instanceof ConfigError && /AUTOMATIC picked BATCH.*window "PT window" uses processing-time windows/.test(e.message));

  const checkpointed = StreamExecutionEnvironment.getExecutionEnvironment();
  checkpointed.setRuntimeMode('BATCH').enableCheckpointing(1000).configureCheckpointing({ dir: '/tmp/never-used' });
  checkpointed.fromCollection([1]).discard();
  await assert.rejects(checkpointed.execute(), (e: unknown) => e instanceof ConfigError && /checkpointing is on/.test(e.message));

  assert.throws(() => StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode('BATCHY' as RuntimeMode), /STREAMING, BATCH or AUTOMATIC/);
});

test('weir run --runtime-mode sets the default runtime mode (any case); a wrong value is refused', () => {
  assert.equal(parseRunArgs(['job.ts', '--runtime-mode', 'batch']).defaults.runtimeMode, 'BATCH');
  assert.equal(parseRunArgs(['job.ts', '--runtime-mode=AUTOMATIC']).defaults.runtimeMode, 'AUTOMATIC');
  assert.equal(parseRunArgs(['job.ts']).defaults.runtimeMode, undefined);
  assert.throws(() => parseRunArgs(['job.ts', '--runtime-mode', 'fast']), /--runtime-mode must be STREAMING, BATCH or AUTOMATIC/);
});

for (const input of KEYED_INPUTS) {
  test(`[${input}] two keyed stages in BATCH: the second sees only the first's final values (STREAMING would feed it every running count)`, async () => {
    keyedInput = input;
    const run = async (mode: RuntimeMode): Promise<[number, number][]> => {
      const env = envFor(mode, 2);
      // Words → final count per word → number of words per count bucket (count mod 5).
      return env.fromCollection(WORDS).keyBy(0).sum(1)
        .map(([, n]: Word) => [n % 5, 1] as [number, number]).keyBy(0).sum(1)
        .executeAndCollect();
    };
    const batch = await run('BATCH');
    const buckets = new Map<number, number>();
    const totals = new Map<string, number>();
    for (const [w, n] of WORDS) totals.set(w, (totals.get(w) ?? 0) + n);
    for (const n of totals.values()) buckets.set(n % 5, (buckets.get(n % 5) ?? 0) + 1);
    assert.equal(batch.length, buckets.size, 'one final value per bucket');
    assert.deepEqual(new Map(batch), buckets);
  });
}

test('[grouped] a memory budget far below the input spills to disk, and the final values equal the unspilled ones (sum, and event-time windows with timestamps)', async () => {
  keyedInput = 'grouped';
  const expected = new Map<string, number>();
  for (const [w, n] of WORDS) expected.set(w, (expected.get(w) ?? 0) + n);
  for (const p of [1, 2]) {
    const env = envFor('BATCH', p).configureBatch({ sortMemory: 4096 });
    const out = await env.fromCollection(WORDS).rebalance().keyBy(0).sum(1).executeAndCollect();
    assert.equal(out.length, expected.size, `p=${p}: one record per key`);
    assert.deepEqual(new Map(out), expected, `p=${p}: final counts with spilling`);
  }
  const windows = async (sortMemory: number): Promise<string[]> => {
    const env = envFor('BATCH', 2).configureBatch({ sortMemory });
    return env.fromCollection(EVENTS).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(1000))
      .process({
        process(key: string, ctx, elements: Iterable<Ev>, out: Collector<string>) {
          let sum = 0;
          for (const e of elements) sum += e.v;
          out.collect(`${key}@${ctx.window.start}: ${sum}`);
        },
      })
      .executeAndCollect();
  };
  assert.deepEqual((await windows(2048)).sort(), (await windows(64 * 1024 * 1024)).sort());
});

test('configureBatch refuses unknown settings and wrong values, naming them', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  assert.throws(() => env.configureBatch({ sortMem: 1 } as never), /unknown setting 'sortMem'/);
  assert.throws(() => env.configureBatch({ sortMemory: 0 }), /sortMemory \(bytes\) must be an integer ≥ 1/);
  assert.throws(() => env.configureBatch({ exchange: 'disk' as never }), /exchange must be "blocking" or "pipelined"/);
  assert.throws(() => env.configureBatch({ adaptive: { minParallelism: 4, maxParallelism: 2 } }), /minParallelism 4 is above adaptive.maxParallelism 2/);
});

test('weir run BATCH flags: --parallelism auto, --batch-sort-memory, --batch-exchange, --batch-slots, --batch-spill-dir; wrong values are refused', () => {
  const o = parseRunArgs(['job.ts', '--parallelism', 'auto', '--batch-sort-memory', '8m', '--batch-exchange', 'pipelined', '--batch-slots', '2', '--batch-spill-dir', '/tmp/x']);
  assert.equal(o.defaults.parallelism, undefined);
  assert.deepEqual(o.defaults.batch, { adaptive: { enabled: true }, sortMemory: 8 * 1024 * 1024, spillDir: '/tmp/x', exchange: 'pipelined', slots: 2 });
  assert.throws(() => parseRunArgs(['job.ts', '--batch-sort-memory', 'lots']), /--batch-sort-memory must be a byte size/);
  assert.throws(() => parseRunArgs(['job.ts', '--batch-exchange', 'disk']), /exchange must be "blocking" or "pipelined"/);
  assert.throws(() => parseRunArgs(['job.ts', '--batch-slots', '0']), /--batch-slots must be an integer ≥ 1/);
});

for (const input of KEYED_INPUTS) {
  test(`[${input}] a final value carries the timestamp of its key's last record, as STREAMING's last running value`, async () => {
    keyedInput = input;
    // Parallelism 1: a key's records arrive in input order, so its last record is known.
    const env = envFor('BATCH', 1);
    // A 1 ms event-time window after the reduce shows each final value's timestamp as the window's start.
    const out = await env.fromCollection(EVENTS).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k)
      .reduce((a: Ev, b: Ev) => ({ k: a.k, t: 0, v: a.v + b.v }))
      .keyBy((e) => e.k).window(TumblingEventTimeWindows.of(1))
      .process({ process(key: string, ctx, elements: Iterable<Ev>, o: Collector<string>) { for (const e of elements) o.collect(`${key} ${e.v} @${ctx.window.start}`); } })
      .executeAndCollect();
    const expected = new Map<string, string>();
    const sums = new Map<string, number>();
    for (const e of EVENTS) {
      sums.set(e.k, (sums.get(e.k) ?? 0) + e.v);
      expected.set(e.k, `${e.k} ${sums.get(e.k)} @${e.t}`);
    }
    assert.equal(out.length, 11);
    assert.deepEqual(new Map(out.map((l) => [l.split(' ')[0]!, l])), expected);
  });
}

for (const input of KEYED_INPUTS) {
  test(`[${input}] processing-time timers of a keyed process function fire once per key at the end of its input (as Flink's BATCH), after its event-time timers; one re-registered in onTimer is dropped`, async () => {
    keyedInput = input;
    const env = envFor('BATCH', 2);
    const out = await env.fromCollection(EVENTS).assignTimestampsAndWatermarks(byTime).keyBy((e) => e.k)
      .process(() => {
        let sum!: ValueState<number>;
        return {
          open(ctx: RuntimeContext) { sum = ctx.getState(new ValueStateDescriptor<number>('sum')); },
          processElement(e: Ev, ctx: KeyedProcessContext<string>) {
            sum.update((sum.value() ?? 0) + e.v);
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000);
            ctx.timerService().registerEventTimeTimer(100_000);
          },
          onTimer(time: number, ctx: OnTimerContext<string>, o: Collector<string>) {
            o.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} ${sum.value()}`);
            // A periodic timer re-registers itself: at the end of the input this must not loop.
            if (ctx.timeDomain() === 'processing-time') ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1000);
          },
        };
      })
      .executeAndCollect();
    const sums = new Map<string, number>();
    for (const e of EVENTS) sums.set(e.k, (sums.get(e.k) ?? 0) + e.v);
    // Per key: the event-time timer, then one processing-time timer (the others it registered are the same key's later ones: one fires per distinct time).
    const perKey = new Map<string, string[]>();
    for (const line of out) { const k = line.split(' ')[0]!; perKey.set(k, [...(perKey.get(k) ?? []), line.split(' ').slice(1).join(' ')]); }
    assert.equal(perKey.size, 11);
    for (const [k, lines] of perKey) {
      assert.equal(lines[0], `event-time ${sums.get(k)}`, k);
      assert.ok(lines.length >= 2 && lines.slice(1).every((l) => l === `processing-time ${sums.get(k)}`), `${k}: ${lines.join(', ')}`);
    }
  });
}
