// Benchmark job: a keyed count whose distinct keys do not fit a small heap; BATCH spills, STREAMING fails with OutOfMemoryError.
//
//   node --max-old-space-size=256 --import tsx bench/jobs/batch-spill.ts --keys 4000000 --per-key 2 [--mode batch|streaming] [--sort-memory 64m]
//
// Every one of `keys` keys gets `per-key` records of value 1 (spread over the input), so each final
// count must be `per-key`; a counting function object after the count checks that and prints
// `batch-spill: keys <n> bad <m> sum <s>` when closed. Runs inline (plain node): one heap, the one the flag sets.

import { StreamExecutionEnvironment } from 'weir';
import { parseByteSize } from '../../src/batch/config.ts';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const keys = params.getNumber('keys');
const perKey = params.getNumber('per-key', 2);
const mode = params.get('mode', 'batch');
const sortMemory = params.get('sort-memory', '64m');
env.setRuntimeMode(mode === 'batch' ? 'BATCH' : 'STREAMING');
if (mode === 'batch') env.setBatchKeyedInput('grouped').configureBatch({ sortMemory: parseByteSize('--sort-memory', sortMemory) });

let seen = 0;
let bad = 0;
let sum = 0;
const check = {
  filter(r: [number, number]): boolean {
    seen++;
    sum += r[1];
    if (mode === 'batch' && r[1] !== perKey) bad++;
    return false;
  },
  close(): void {
    process.stderr.write(`batch-spill: keys ${seen} bad ${bad} sum ${sum}\n`);
  },
};

// Key of record i: a permutation of 0..keys-1 per round, so a key's records are far apart.
const stride = keys % 1_000_003 === 0 ? 1 : 1_000_003;
env.fromGenerator((i: number) => [(i * stride) % keys, 1] as [number, number], { count: keys * perKey }).name('Generate')
  .keyBy(0).sum(1).name('Count')
  .filter(check).name('Check').discard();

const started = performance.now();
const result = await env.execute(`batch-spill-${mode}`);
process.stderr.write(`batch-spill: ${mode} ${keys} keys × ${perKey} in ${((performance.now() - started) / 1000).toFixed(1)} s, restarts ${result.restarts}\n`);
