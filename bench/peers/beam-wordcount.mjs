// Word count with Apache Beam's TypeScript SDK on its direct runner (in-process), as its examples write it:
// create(lines) → flatMap(tokenize) → countPerElement().
//
//   node bench/peers/beam-wordcount.mjs <file|dir>
//
// Final counts, one per distinct word. The direct runner re-evaluates every function from its source text
// (closures are not shipped), so free variables are declared through `__closure` as the SDK's closure
// transform would, and the counts are handed back through a global (a copied closure value would be lost).
// Beam's own text reader is a cross-language transform (a Java expansion service), so the lines are read
// with readFileSync, as the loop does, and given to `create`.

import { readFileSync } from 'node:fs';
import * as beam from 'apache-beam';
import { directRunner } from 'apache-beam/runners/direct_runner';
import { countPerElement } from 'apache-beam/transforms/group_and_combine';
import { WORD, corpusFiles, printResult } from './corpus-files.mjs';

const files = corpusFiles(process.argv[2]);
const started = performance.now();
const counts = new Map();
globalThis.weirBenchCounts = counts;

function* tokenize(line) {
  for (const m of line.toLowerCase().matchAll(WORD)) yield m[0];
}
tokenize.__closure = () => ({ WORD });
function collect(kv) {
  globalThis.weirBenchCounts.set(kv.element, kv.count);
  return kv;
}

const lines = [];
for (const file of files) for (const line of readFileSync(file, 'utf8').split('\n')) lines.push(line);
await directRunner().run((root) => {
  root.apply(beam.create(lines)).flatMap(tokenize).apply(countPerElement()).map(collect);
});
printResult(counts, started);
