// Benchmark job: tumbling event-time windows counting and summing per key over generated events with small disorder.
//
//   weir run bench/jobs/windows-bench.ts --count N [--keys K] [--per-ms E] [--window MS] [--parallelism N]
//
// generator → timestamps (forBoundedOutOfOrderness) → keyBy(key) → TumblingEventTimeWindows(--window)
// → aggregate(count, sum) with a ProcessWindowFunction emitting [start, key, count, sum] → a counting
// filter → discard. The counting filter prints `windows-bench: subtask windows <w> count <c> sum <s>` when
// closed, which bench/run.mjs checks against the generated totals after timing (100 k results at the
// defaults: its cost is noise). Events: bench/windows-events.mjs, the same as the baseline's.

import { StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type Collector, type ProcessWindowContext } from 'weir';
import { DISORDER, makeEvent } from '../windows-events.mjs';

type Event = [timestamp: number, key: number, value: number];
type Result = [start: number, key: number, count: number, sum: number];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.getNumber('count');
const keys = params.getNumber('keys', 1000);
const perMs = params.getNumber('per-ms', 10);
const windowMs = params.getNumber('window', 10_000);

let windows = 0;
let counted = 0;
let summed = 0;
const counting = {
  filter(r: Result): boolean {
    windows++;
    counted += r[2];
    summed += r[3];
    return true;
  },
  close(): void {
    process.stderr.write(`windows-bench: subtask windows ${windows} count ${counted} sum ${summed}\n`);
  },
};

env
  .fromGenerator((i: number): Event => makeEvent(i, perMs, keys) as Event, { count })
  .name('Generate')
  .uid('generate')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(DISORDER).withTimestampAssigner((e) => e[0]))
  .uid('timestamps')
  .keyBy((e) => e[1])
  .window(TumblingEventTimeWindows.of(windowMs))
  .aggregate<[number, number], [number, number], Result>(
    {
      createAccumulator: () => [0, 0],
      add: (e, acc) => { acc[0] += 1; acc[1] += e[2]; return acc; },
      getResult: (acc) => acc,
      merge: (x, y) => [x[0] + y[0], x[1] + y[1]],
    },
    {
      process(key: number, ctx: ProcessWindowContext, results: Iterable<[number, number]>, out: Collector<Result>) {
        for (const [c, s] of results) out.collect([ctx.window.start, key, c, s]);
      },
    },
  )
  .name('Window count+sum')
  .uid('window')
  .filter(counting)
  .name('Count results')
  .discard();

await env.execute('windows-bench');
