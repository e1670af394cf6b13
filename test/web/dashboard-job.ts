// The job the dashboard's browser test and screenshot script watch: an unbounded, slow, keyed, checkpointed
// pipeline (generator → parse → per-key sequence numbers in keyed state → exactly-once file sink).
//
//   weir run test/web/dashboard-job.ts --web <port> --output <dir> [--rate N] [--work-us N]
//        [--checkpoint-dir D --checkpoint-interval MS]
//
// --rate: records per second from the source (default 400; 0 = as fast as possible).
// --work-us: busy-wait per record in the Sequence operator, to make it busy and back-pressure the source.

import {
  FileSink, StreamExecutionEnvironment, ValueStateDescriptor,
  type Collector, type KeyedProcessContext, type KeyedProcessFunction, type RuntimeContext, type ValueState,
} from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const output = params.getRequired('output');
const rate = params.getNumber('rate', 400);
const workUs = params.getNumber('work-us', 0);

/** Numbers each key's records 1, 2, 3, … in keyed state. */
class Sequencer implements KeyedProcessFunction<string, [string, number], string> {
  #seq!: ValueState<number>;

  open(ctx: RuntimeContext): void {
    this.#seq = ctx.getState(new ValueStateDescriptor<number>('seq'));
  }

  processElement([key, i]: [string, number], _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    if (workUs > 0) {
      const until = performance.now() + workUs / 1000;
      while (performance.now() < until) { /* a slow operator: busy, and back-pressuring the source */ }
    }
    const next = (this.#seq.value() ?? 0) + 1;
    this.#seq.update(next);
    out.collect(`${key},${next},${i}`);
  }
}

env
  .fromGenerator((i) => i, rate > 0 ? { ratePerSecond: rate } : {})
  .name('Numbers')
  .uid('numbers')
  .setParallelism(1)
  .map((i: number) => [`k${i % 16}`, i] as [string, number], 'Key by 16')
  .uid('parse')
  .setParallelism(1)
  .keyBy((r) => r[0])
  .process(() => new Sequencer(), 'Sequence')
  .uid('sequence')
  .sinkTo(new FileSink<string>(output), 'Exactly-once file sink')
  .uid('sink');

await env.execute('dashboard-demo');
