// Benchmark job: examples/wordcount.ts's pipeline, ending in discard() (default) or the FileSink (`--sink file --output <dir>`).
//
//   weir run bench/jobs/wordcount-bench.ts --input <file|dir> [--sink discard|file] [--output <dir>] [--parallelism N]
//
// Kept apart from the example so the benchmark can drop the sink without changing the pipeline in front of it.

import { FileSink, StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const sink = params.get('sink', 'discard');

const WORD = /[\p{L}\p{N}]+/gu;

const counts = env
  .readTextFile(input)
  .name('Read lines')
  .uid('read-lines')
  .flatMap((line: string, out) => {
    for (const m of line.toLowerCase().matchAll(WORD)) out.collect([m[0], 1] as [string, number]);
  })
  .name('Tokenize')
  .uid('tokenize')
  .keyBy(0)
  .sum(1)
  .uid('count');

if (sink === 'file') {
  const output = params.getRequired('output');
  counts.sinkTo(new FileSink<[string, number]>(output, { format: ([word, count]) => `${word}\t${count}` }), 'Write counts').uid('write-counts');
} else if (sink === 'discard') {
  counts.discard();
} else {
  throw new Error(`wordcount-bench: --sink must be discard or file, got "${sink}"`);
}

await env.execute('wordcount-bench');
