// Benchmark job: the engine's per-record cost, generator → map → filter → discard with trivial functions.
//
//   weir run bench/jobs/engine-cost.ts --count N [--rebalance] [--verify] [--parallelism N]
//
// Without --rebalance everything chains into one task (no serialization, no channel); with it, records cross
// threads in buffers between map and filter, which shows the exchange cost.
// --verify (used by run.mjs after the timed runs only) swaps the filter for a counting function object
// that prints `engine-cost: subtask passed <n> sum <s>` when closed: a fully chained job has no channel,
// so the summary shows no record counts to check.

import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.getNumber('count');
const rebalance = params.getBoolean('rebalance');
const verify = params.getBoolean('verify');

const keep = (x: number): boolean => (x & 1) === 0 || true;
let passed = 0;
let sum = 0;
const counting = {
  filter(x: number): boolean {
    passed++;
    sum += x;
    return keep(x);
  },
  close(): void {
    process.stderr.write(`engine-cost: subtask passed ${passed} sum ${sum}\n`);
  },
};

let mapped = env.fromGenerator((i: number) => i, { count }).name('Generate').map((x: number) => x + 1).name('Add one');
if (rebalance) mapped = mapped.rebalance();
(verify ? mapped.filter(counting) : mapped.filter(keep)).name('Keep all').discard();

await env.execute('engine-cost');
