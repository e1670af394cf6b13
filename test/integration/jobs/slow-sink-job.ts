// A job whose sink is deliberately slow: an unbounded generator → rebalance → a sink that spins per record.
//
//   weir run test/integration/jobs/slow-sink-job.ts [--slow-us 50]
//
// The source's output waits for credit most of the time (back-pressure HIGH on vertex 0), the
// sink is busy and has no output to wait for (OK on vertex 1). Stop it with PATCH /jobs/:id.

import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const slowUs = params.getNumber('slow-us', 50);

env
  .fromGenerator((i) => i)
  .uid('numbers')
  .map((i: number) => i * 2)
  .name('Double')
  .uid('double')
  .rebalance()
  .map((i: number) => {
    const until = performance.now() + slowUs / 1000;
    while (performance.now() < until) { /* a slow sink */ }
    return i;
  })
  .name('Slow sink')
  .uid('slow')
  .discard();

await env.execute('slow-sink');
