// Per-line decoding as the text file reader does it, over one file: `toString('utf8', a, b)` (the UTF-8 path),
// `utf8Slice` and `latin1Slice` (the path for chunks that are all ASCII, src/connectors/file/text-line-reader.ts).
// Each variant finds every `\n` with indexOf and decodes the line before it; ratios are against toString in the same round.
//
//   node bench/line-decode.mjs <file> [rounds=4]
//
// Standalone (not in bench/run.mjs): the word count benchmarks measure the same path inside the job.

import { readFileSync } from 'node:fs';

const [file, roundsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/line-decode.mjs <file> [rounds]\n');
  process.exit(1);
}
const buf = readFileSync(file);
const variants = {
  'toString(utf8)': (a, b) => buf.toString('utf8', a, b),
  utf8Slice: (a, b) => buf.utf8Slice(a, b),
  latin1Slice: (a, b) => buf.latin1Slice(a, b),
};
/** Decodes every line; returns the total length so the work cannot be dropped. */
function everyLine(decode) {
  let chars = 0;
  for (let start = 0; ;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) return chars;
    chars += decode(start, nl).length;
    start = nl + 1;
  }
}
for (let round = 1; round <= Number(roundsArg ?? 4); round++) {
  const ms = {};
  for (const [name, decode] of Object.entries(variants)) {
    const t = performance.now();
    everyLine(decode);
    ms[name] = performance.now() - t;
  }
  const base = ms['toString(utf8)'];
  console.log(`round ${round}  ${Object.entries(ms).map(([k, v]) => `${k} ${v.toFixed(0)} ms (${(v / base).toFixed(2)})`).join('  ')}`);
}
