// Word-count baseline: the hand-written single-thread loop Weir's word count is measured against (DESIGN §8).
//
//   node bench/baseline-wordcount.mjs <file|dir>
//
// Reads every file whole (readFileSync), walks its lines, lowercases each, tokenizes with the
// example's regex and counts in a Map. Prints one JSON line on stdout: words, distinct words,
// the in-process time (reading included, process start and module loading excluded) and words/s.
// The totals are printed so the work cannot be optimised away, and so run.mjs can check Weir
// against them.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const WORD = /[\p{L}\p{N}]+/gu;

const input = process.argv[2];
if (!input) {
  process.stderr.write('usage: node bench/baseline-wordcount.mjs <file|dir>\n');
  process.exit(1);
}
const files = statSync(input).isDirectory()
  ? readdirSync(input).filter((f) => !f.startsWith('.') && !f.startsWith('_')).sort().map((f) => join(input, f))
  : [input];

const started = performance.now();
const counts = new Map();
let words = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const line = text.slice(start, stop).toLowerCase();
    for (const m of line.matchAll(WORD)) {
      const w = m[0];
      counts.set(w, (counts.get(w) ?? 0) + 1);
      words++;
    }
    start = end + 1;
  }
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ words, distinct: counts.size, seconds, wordsPerSecond: words / seconds })}\n`);
