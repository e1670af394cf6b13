// Benchmark job: an interval join of two generated streams with small disorder, keyed alike.
//
//   weir run bench/jobs/interval-join-bench.ts --count N [--keys K] [--per-ms E] [--parallelism N]
//
// two generators (N events each) → timestamps (forBoundedOutOfOrderness) → keyBy(key) →
// intervalJoin.between(LOWER, UPPER) emitting [leftId, rightId] → a counting filter → discard. The
// counting filter prints `interval-join-bench: subtask pairs <p> checksum <c>` when closed, which
// bench/interval-join.mjs checks against the loop's after timing. Events: bench/interval-join-events.mjs.

import { StreamExecutionEnvironment, WatermarkStrategy, type Collector, type ProcessJoinContext } from 'weir';
import { DISORDER, LOWER, UPPER, makeEvent } from '../interval-join-events.mjs';

type Event = [timestamp: number, key: number, id: number];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.getNumber('count');
const keys = params.getNumber('keys', 1000);
const perMs = params.getNumber('per-ms', 10);

let pairs = 0;
let checksum = 0;
const counting = {
  filter(p: [number, number]): boolean { pairs++; checksum += p[0] + p[1]; return true; },
  close(): void { process.stderr.write(`interval-join-bench: subtask pairs ${pairs} checksum ${checksum}\n`); },
};

const side = (s: 0 | 1, name: string) => env
  .fromGenerator((i: number): Event => makeEvent(i, s, perMs, keys) as Event, { count })
  .name(`Generate ${name}`)
  .uid(`generate-${name}`)
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(DISORDER).withTimestampAssigner((e) => e[0]))
  .uid(`timestamps-${name}`)
  .keyBy((e) => e[1]);

side(0, 'left')
  .intervalJoin(side(1, 'right'))
  .between(LOWER, UPPER)
  .process({
    processElement(l: Event, r: Event, _ctx: ProcessJoinContext, out: Collector<[number, number]>) { out.collect([l[2], r[2]]); },
  })
  .name('Interval join')
  .uid('join')
  .filter(counting)
  .name('Count pairs')
  .discard();

await env.execute('interval-join-bench');
