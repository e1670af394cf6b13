// A job whose output comes only from event-time timers: record i registers a timer at time i for key i % 7.
//
//   weir run test/integration/jobs/timers-job.ts [--count N] [--rate R]
//
// No watermark advances before the end of input, so every timer is pending until the bounded
// source ends with the max watermark; then each fires once and prints `key@time`. Without
// --count the source is unbounded (stop it with a savepoint); restoring that savepoint with
// --count N must print every time in [0, N) exactly once: the first run's timers come back
// from the savepoint, the rest from the records read after the restore.

import { StreamExecutionEnvironment, type Collector, type KeyedProcessContext, type KeyedProcessFunction, type OnTimerContext } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.has('count') ? params.getNumber('count') : undefined;
const rate = params.has('rate') ? params.getNumber('rate') : undefined;

class TimerPerRecord implements KeyedProcessFunction<string, number, string> {
  processElement(i: number, ctx: KeyedProcessContext<string>, _out: Collector<string>): void {
    ctx.timerService().registerEventTimeTimer(i);
  }

  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}@${timestamp}`);
  }
}

env
  .fromGenerator((i) => i, { ...(count !== undefined ? { count } : {}), ...(rate !== undefined ? { ratePerSecond: rate } : {}) })
  .uid('numbers')
  .keyBy((i: number) => `k${i % 7}`)
  .process(() => new TimerPerRecord())
  .uid('timers')
  .print('fired')
  .uid('print');
await env.execute('timers');
