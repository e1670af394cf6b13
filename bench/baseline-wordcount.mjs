// Word-count baselines: the hand-written single-thread loops Weir's word count is measured against (DESIGN §8).
//
//   node bench/baseline-wordcount.mjs <file|dir> [--output <file>] [--running]
//
// Reads every file whole (readFileSync), walks its lines, lowercases each, tokenizes with the
// example's regex and counts in a Map. With --output it writes `word<TAB>count` lines to <file>:
// the final counts once at the end (default), or with --running one line per word with the word's
// running count, as Weir's keyBy().sum() through the file sink does; lines are gathered in a string
// and written once it holds 64 K characters (the loop a person would write). Prints one JSON line on
// stdout: words, distinct words, lines written, the in-process time (reading and writing included,
// process start and module loading excluded) and words/s. The totals are printed so the work cannot
// be optimised away, and so run.mjs can check Weir against them.

import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const WORD = /[\p{L}\p{N}]+/gu;

const args = process.argv.slice(2);
const input = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--output');
const outIndex = args.indexOf('--output');
const output = outIndex >= 0 ? args[outIndex + 1] : undefined;
const running = args.includes('--running');
if (!input || (outIndex >= 0 && !output) || (running && !output)) {
  process.stderr.write('usage: node bench/baseline-wordcount.mjs <file|dir> [--output <file>] [--running]\n');
  process.exit(1);
}
const files = statSync(input).isDirectory()
  ? readdirSync(input).filter((f) => !f.startsWith('.') && !f.startsWith('_')).sort().map((f) => join(input, f))
  : [input];

const started = performance.now();
const fd = output ? openSync(output, 'w') : -1;
let pending = '';
let linesOut = 0;
const line = (text) => {
  pending += text;
  linesOut++;
  if (pending.length >= 65536) {
    writeSync(fd, pending);
    pending = '';
  }
};
const counts = new Map();
let words = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const lower = text.slice(start, stop).toLowerCase();
    for (const m of lower.matchAll(WORD)) {
      const w = m[0];
      const n = (counts.get(w) ?? 0) + 1;
      counts.set(w, n);
      if (running) line(`${w}\t${n}\n`);
      words++;
    }
    start = end + 1;
  }
}
if (output) {
  if (!running) for (const [w, n] of counts) line(`${w}\t${n}\n`);
  if (pending.length > 0) writeSync(fd, pending);
  fsyncSync(fd);
  closeSync(fd);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ words, distinct: counts.size, linesOut, seconds, wordsPerSecond: words / seconds })}\n`);
