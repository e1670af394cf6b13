// Word count with RxJS as a TypeScript user would write it: lines → words → groupBy(word) → count() per group.
//
//   node bench/peers/rxjs-wordcount.mjs <file|dir> [--scan]
//
// Final counts, one per distinct word (as Weir in BATCH mode and the final-count loop). Files are read whole
// (readFileSync, as the loop does) and split into lines; each line is lowercased and tokenized with the same
// regex and the same `matchAll` loop as Weir's job (wordsOf; until stop 24 it was `line.match(WORD)`, ~6 % faster
// here); `groupBy` keeps one GroupedObservable per word, `count()` emits its total when the input completes.
// With --scan, each group runs `scan` instead (a running count per word, the last value kept), the streaming form.

import { readFileSync } from 'node:fs';
import { from, groupBy, mergeMap, count, map, scan, last } from 'rxjs';
import { corpusFiles, printResult, wordsOf } from './corpus-files.mjs';

const files = corpusFiles(process.argv[2]);
const running = process.argv.includes('--scan');
const started = performance.now();
const counts = new Map();
from(files).pipe(
  mergeMap((file) => readFileSync(file, 'utf8').split('\n')),
  mergeMap(wordsOf),
  groupBy((word) => word),
  mergeMap((group) => (running
    ? group.pipe(scan((n) => n + 1, 0), last(), map((n) => [group.key, n]))
    : group.pipe(count(), map((n) => [group.key, n])))),
).subscribe({
  next: ([word, n]) => { counts.set(word, n); },
  complete: () => printResult(counts, started),
});
