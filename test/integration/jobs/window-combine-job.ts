// A job for pre-aggregation before a keyBy into windows: out-of-order events with late records, tumbling event-time windows with allowed lateness and a late side output.
//
//   weir run test/integration/jobs/window-combine-job.ts [--count N] [--keys K] [--slide MS] [--window-combine on|off]
//
// One producer (parallelism 1: its channel into each window subtask is FIFO and the only one, so what is late
// is decided by the input alone, and runs with and without pre-aggregation must print the same lines) feeds
// keyBy → TumblingEventTimeWindows(100) (SlidingEventTimeWindows(100, --slide) with --slide) at parallelism 2 on two worker threads, allowedLateness 40: a watermark
// after every record (max − 10 − 1); every 13th record is 60 ms behind (late, within lateness: the window fires
// again), every 29th 500 ms behind (beyond lateness: the side output). Prints `W start key count sum` per firing,
// `L ts key value` per late record; each window subtask prints `merges <n>` to stderr when closed (partials it merged).

import { OutputTag, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type WatermarkOutput } from 'weir';

type Ev = [t: number, k: string, v: number];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const count = env.getParameters().getNumber('count', 3000);
const slide = env.getParameters().getNumber('slide', 0);
const keys = env.getParameters().getNumber('keys', 11);
const events: Ev[] = [];
for (let i = 0; i < count; i++) {
  const t = 1000 + i * 3 - ((i * 7) % 9);
  const ts = i % 29 === 0 && i > 0 ? t - 500 : i % 13 === 0 && i > 0 ? t - 60 : t;
  events.push([ts, `k${i % keys}`, i]);
}

const punctuated = WatermarkStrategy.forGenerator<Ev>(() => {
  let max = -Infinity;
  return {
    onEvent(_e: Ev, ts: number, out: WatermarkOutput) { if (ts > max) { max = ts; out.emitWatermark(max - 10 - 1); } },
    onPeriodicEmit() {},
  };
}).withTimestampAssigner((e) => e[0]);

let merges = 0;
const late = new OutputTag<Ev>('late');
const windows = env.fromCollection(events).uid('events')
  .assignTimestampsAndWatermarks(punctuated).setParallelism(1).uid('timestamps')
  .keyBy((e) => e[1])
  .window(slide > 0 ? SlidingEventTimeWindows.of(100, slide) : TumblingEventTimeWindows.of(100))
  .allowedLateness(40)
  .sideOutputLateData(late)
  .aggregate<[number, number], [number, number], string>(
    {
      createAccumulator: () => [0, 0],
      add: (e, acc) => { acc[0] += 1; acc[1] += e[2]; return acc; },
      getResult: (acc) => acc,
      merge: (a, b) => { merges++; a[0] += b[0]; a[1] += b[1]; return a; },
    },
    {
      process(key, ctx, results, out) { for (const [n, s] of results) out.collect(`W ${ctx.window.start} ${key} ${n} ${s}`); },
      close() { process.stderr.write(`merges ${merges}\n`); },
    },
  )
  .uid('window');
windows.getSideOutput(late).map((e) => `L ${e[0]} ${e[1]} ${e[2]}`).union(windows).print();
await env.execute('window-combine');
