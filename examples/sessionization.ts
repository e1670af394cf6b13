// Sessions of page views per user in event time: views closer than --gap ms apart belong to one session.
//
//   weir run examples/sessionization.ts --input <file|dir> --output <dir> [--gap 30000] [--out-of-orderness 1000]
//        [--parallelism N] [--checkpoint-dir D --checkpoint-interval MS] [--restore latest|<path>] [--auto-watermark-interval MS]
//
// Input lines are `timestampMs,user,page`. Timestamps come with forBoundedOutOfOrderness
// (--out-of-orderness); views are keyed by user into EventTimeSessionWindows.withGap(--gap): each
// view opens the window [t, t + gap), and windows that overlap or touch merge. When the watermark
// passes a session's end it writes one line `user,sessionStart,sessionEnd,pageCount`, where
// sessionStart is the first view's timestamp and sessionEnd the last view's timestamp + gap
// (exclusive), through the exactly-once file sink into --output.

import { EventTimeSessionWindows, FileSink, StreamExecutionEnvironment, WatermarkStrategy, type Collector, type ProcessWindowContext } from 'weir';

type View = [timestamp: number, user: string, page: string];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');
const gap = params.getNumber('gap', 30_000);
const outOfOrderness = params.getNumber('out-of-orderness', 1_000);
env.setAutoWatermarkInterval(params.getNumber('auto-watermark-interval', 200));

env
  .readTextFile(input)
  .name('Read views')
  .uid('read-views')
  .map((line: string): View => {
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    const timestamp = Number(line.slice(0, a));
    if (a < 0 || b < 0 || !Number.isFinite(timestamp)) throw new Error(`bad input line ${JSON.stringify(line)}: expected timestampMs,user,page`);
    return [timestamp, line.slice(a + 1, b), line.slice(b + 1)];
  })
  .name('Parse')
  .uid('parse')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<View>(outOfOrderness).withTimestampAssigner((v) => v[0]))
  .uid('timestamps')
  .keyBy((v) => v[1])
  .window(EventTimeSessionWindows.withGap(gap))
  .aggregate<number, number, string>(
    {
      createAccumulator: () => 0,
      add: (_v, count) => count + 1,
      getResult: (count) => count,
      merge: (x, y) => x + y,
    },
    {
      process(user: string, ctx: ProcessWindowContext, counts: Iterable<number>, out: Collector<string>) {
        for (const count of counts) out.collect(`${user},${ctx.window.start},${ctx.window.end},${count}`);
      },
    },
  )
  .name('Count views per session')
  .uid('sessions')
  .sinkTo(new FileSink<string>(output), 'Write sessions')
  .uid('write-sessions');

await env.execute('sessionization');
