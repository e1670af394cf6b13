// Windowed count and sum per key in event time, with late records kept aside.
//
//   weir run examples/window-count.ts --input <file|dir> --output <dir> --window <ms> --out-of-orderness <ms>
//        [--parallelism N] [--checkpoint-dir D --checkpoint-interval MS] [--restore latest|<path>]
//        [--auto-watermark-interval MS] [--throttle-us N]
//
// Input lines are `timestampMs,key,value` (integer value). Timestamps come with
// forBoundedOutOfOrderness(--out-of-orderness); windows are tumbling event-time windows of
// --window ms aligned to epoch 0, allowed lateness 0. Each window writes one line per key,
// `windowStart,windowEnd,key,count,sum` (end exclusive), through the exactly-once file sink into
// --output; every record too late for its window is written unchanged into --output/late/.

import { join } from 'node:path';
import {
  FileSink, OutputTag, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy,
  type Collector, type ProcessWindowContext,
} from 'weir';

type Event = [timestamp: number, key: string, value: number, line: string];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');
const windowMs = params.getNumber('window', 60_000);
const outOfOrderness = params.getNumber('out-of-orderness', 1_000);

// For tests: periodic watermark interval (default 200 ms) and a busy-wait per record so runs last long enough to be killed.
env.setAutoWatermarkInterval(params.getNumber('auto-watermark-interval', 200));
const throttle = params.getNumber('throttle-us', 0);

const late = new OutputTag<Event>('late');

const counts = env
  .readTextFile(input)
  .name('Read lines')
  .uid('read-lines')
  .map((line: string): Event => {
    if (throttle > 0) {
      const until = performance.now() + throttle / 1000;
      while (performance.now() < until) { /* slow down so that checkpoints and kills land mid-run */ }
    }
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    const timestamp = Number(line.slice(0, a));
    const value = Number(line.slice(b + 1));
    if (a < 0 || b < 0 || !Number.isFinite(timestamp) || !Number.isInteger(value)) {
      throw new Error(`bad input line ${JSON.stringify(line)}: expected timestampMs,key,value`);
    }
    return [timestamp, line.slice(a + 1, b), value, line];
  })
  .name('Parse')
  .uid('parse')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(outOfOrderness).withTimestampAssigner((e) => e[0]))
  .uid('timestamps')
  .keyBy((e) => e[1])
  .window(TumblingEventTimeWindows.of(windowMs))
  .sideOutputLateData(late)
  .aggregate<[number, number], [number, number], string>(
    {
      createAccumulator: () => [0, 0],
      add: (e, acc) => [acc[0] + 1, acc[1] + e[2]],
      getResult: (acc) => acc,
      merge: (x, y) => [x[0] + y[0], x[1] + y[1]],
    },
    {
      process(key: string, ctx: ProcessWindowContext, results: Iterable<[number, number]>, out: Collector<string>) {
        for (const [count, sum] of results) out.collect(`${ctx.window.start},${ctx.window.end},${key},${count},${sum}`);
      },
    },
  )
  .name('Count and sum per window')
  .uid('window');

counts.sinkTo(new FileSink<string>(output), 'Write windows').uid('write-windows');
counts
  .getSideOutput(late)
  .map((e) => e[3])
  .name('Late lines')
  .uid('late-lines')
  .sinkTo(new FileSink<string>(join(output, 'late')), 'Write late records')
  .uid('write-late');

await env.execute('window-count');
