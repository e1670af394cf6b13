// Benchmark job: examples/wordcount.ts's pipeline, ending in discard() (default) or the FileSink (`--sink file --output <dir>`).
//
//   weir run bench/jobs/wordcount-bench.ts --input <file|dir> [--sink discard|file] [--output <dir>] [--lines delimited|format] [--split-size BYTES] [--parallelism N]
//
// Kept apart from the example so the benchmark can drop the sink without changing the pipeline in front of it.
// The file sink writes `word<TAB>count` lines as the example does, with its tab delimiter (default) or, with
// `--lines format`, through a format function building each line as a string (the cost that option saves).

import { FileSink, StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const sink = params.get('sink', 'discard');
const lines = params.get('lines', 'delimited');
if (lines !== 'delimited' && lines !== 'format') throw new Error(`wordcount-bench: --lines must be delimited or format, got "${lines}"`);

const splitSize = params.has('split-size') ? params.getNumber('split-size') : undefined;

const WORD = /[\p{L}\p{N}]+/gu;

const counts = env
  .readTextFile(input, splitSize === undefined ? {} : { splitSize })
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
  const options = lines === 'delimited' ? { delimiter: '\t' } : { format: ([word, count]: [string, number]) => `${word}\t${count}` };
  counts.sinkTo(new FileSink<[string, number]>(output, options), 'Write counts').uid('write-counts');
} else if (sink === 'discard') {
  counts.discard();
} else {
  throw new Error(`wordcount-bench: --sink must be discard or file, got "${sink}"`);
}

await env.execute('wordcount-bench');
