// Word count: lines → lowercase words (maximal runs of Unicode letters/digits) → keyBy + sum → `word<TAB>count` files.
//
//   weir run examples/wordcount.ts --input <file|dir> --output <dir> [--parallelism N]
//
// Counts are running counts (one line per update, as Flink's keyBy().sum()); the largest
// count written for a word is its true count.

import { FileSink, StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const input = params.getRequired('input');
const output = params.getRequired('output');

const WORD = /[\p{L}\p{N}]+/gu;

env
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
  .uid('count')
  // word<TAB>count lines, encoded straight into the sink's buffer (a `format` function would build a string per line).
  .sinkTo(new FileSink<[string, number]>(output, { delimiter: '\t' }), 'Write counts')
  .uid('write-counts');

await env.execute('wordcount');
