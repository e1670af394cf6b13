// Shared by the peer word counts (bench/peers/*-wordcount.mjs): the corpus files, the word regex, the result line.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The same tokenizer as Weir's word count job and bench/baseline-wordcount.mjs. */
export const WORD = /[\p{L}\p{N}]+/gu;

/**
 * A line's words, tokenized as Weir's job does it (lowercase, then `matchAll`), for peers whose operators take an
 * array: the same per-word work in every engine. (`line.match(WORD)` would be cheaper per word, ~30 % of the
 * tokenizer in a plain loop, and would measure the tokenizer's API rather than the engine.)
 */
export function wordsOf(line) {
  const words = [];
  for (const m of line.toLowerCase().matchAll(WORD)) words.push(m[0]);
  return words;
}

/** A file, or a directory's visible files in name order (as baseline-wordcount.mjs reads them). */
export function corpusFiles(input) {
  if (!input) {
    process.stderr.write('usage: node bench/peers/<peer>-wordcount.mjs <file|dir>\n');
    process.exit(1);
  }
  return statSync(input).isDirectory()
    ? readdirSync(input).filter((f) => !f.startsWith('.') && !f.startsWith('_')).sort().map((f) => join(input, f))
    : [input];
}

/** The one JSON line run.mjs reads (the last line of stdout): totals, so the work cannot be skipped and can be checked. */
export function printResult(counts, started) {
  let words = 0;
  for (const n of counts.values()) words += n;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${JSON.stringify({ words, distinct: counts.size, seconds, wordsPerSecond: words / seconds })}\n`);
}
