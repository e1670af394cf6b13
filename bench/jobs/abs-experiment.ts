// Benchmark job of the seed paper's experiment (bench/abs-experiment.mjs): a keyed job with two full shuffles.
//
//   weir run bench/jobs/abs-experiment.ts --count N [--keys 100000] [--parallelism P]
//        [--checkpoint-dir D --checkpoint-interval MS [--checkpoint-mode exactly-once|synchronous-global]]
//
// generator → keyBy(i mod keys) → count per key (ValueState) → keyBy(a hash of the record mod keys) →
// sum per key (ValueState) → discard. Both keyBy edges are full shuffles (hash partitioning) at p > 1,
// and both stages keep `keys` entries of keyed state, so a checkpoint has real state to snapshot.
// The last stage prints `abs-experiment: subtask passed <n> checksum <x>` when closed, for the checks.

import {
  StreamExecutionEnvironment, ValueStateDescriptor,
  type Collector, type KeyedProcessContext, type KeyedProcessFunction, type RuntimeContext, type ValueState,
} from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.getNumber('count');
const keys = params.getNumber('keys', 100_000);

/** Counts the records of each key; emits the record's hash and the key's count so far. */
class CountPerKey implements KeyedProcessFunction<number, number, [number, number]> {
  #count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.#count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(i: number, _ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = (this.#count.value() ?? 0) + 1;
    this.#count.update(n);
    out.collect([Math.imul(i, 0x9e3779b1) >>> 0, n]);
  }
}

/** Sums the counts per key of the second shuffle; counts and checksums what it saw, for the checks. */
class SumPerKey implements KeyedProcessFunction<number, [number, number], never> {
  #sum!: ValueState<number>;
  #passed = 0;
  #checksum = 0;
  open(ctx: RuntimeContext): void {
    this.#sum = ctx.getState(new ValueStateDescriptor<number>('sum'));
  }
  processElement([, n]: [number, number], _ctx: KeyedProcessContext<number>, _out: Collector<never>): void {
    this.#sum.update((this.#sum.value() ?? 0) + n);
    this.#passed++;
    this.#checksum = (this.#checksum + n) | 0;
  }
  close(): void {
    process.stderr.write(`abs-experiment: subtask passed ${this.#passed} checksum ${this.#checksum}\n`);
  }
}

env
  .fromGenerator((i: number) => i, { count })
  .name('Generate')
  .uid('generate')
  .keyBy((i: number) => i % keys)
  .process(() => new CountPerKey(), 'Count per key')
  .uid('count')
  .keyBy((r: [number, number]) => r[0] % keys)
  .process(() => new SumPerKey(), 'Sum per key')
  .uid('sum')
  .discard();

await env.execute('abs-experiment');
