// Benchmark job: the scaling of a keyed job whose user function costs about 1 µs per record.
//
//   weir run bench/jobs/keyed-work.ts --count N [--work 200] [--keys 1024] [--parallelism N]
//
// generator → keyBy(i % keys) → map(spin) → a counting filter → discard. `spin` runs `work` rounds of
// xorshift on the record (bench/baseline-keyed-work.mjs runs the same function in a loop and prints its cost per call),
// so the job is dominated by user code in the keyed operator: with p subtasks it should run p× faster,
// up to the cores the machine gives it. The filter prints `keyed-work: subtask passed <n> checksum <x>`
// when closed, for the checks after timing.

import { StreamExecutionEnvironment } from 'weir';
import { spin } from '../keyed-work-spin.mjs';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const count = params.getNumber('count');
const work = params.getNumber('work', 200);
const keys = params.getNumber('keys', 1024);

let passed = 0;
let checksum = 0;
const counting = {
  filter(x: number): boolean {
    passed++;
    checksum = (checksum + x) | 0;
    return true;
  },
  close(): void {
    process.stderr.write(`keyed-work: subtask passed ${passed} checksum ${checksum}\n`);
  },
};

env
  .fromGenerator((i: number) => i, { count })
  .name('Generate')
  .keyBy((i: number) => i % keys)
  .map((i: number) => spin(i, work))
  .name('Spin')
  .filter(counting)
  .name('Count')
  .discard();

await env.execute('keyed-work');
