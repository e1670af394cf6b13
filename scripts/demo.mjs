// `npm start`: generates a corpus if missing, runs examples/wordcount.ts at parallelism 2 in STREAMING and in BATCH, prints lines written and the top 10 words.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './gen-corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, 'data', 'demo-corpus');

if (!existsSync(corpus)) {
  const n = generateCorpus(corpus, 2_000_000, 4);
  process.stdout.write(`generated a corpus of ${n} words in ${corpus}\n`);
}

/** Runs the word count in `mode`; returns word → largest count written (its total in both modes) and the lines written. */
function wordcount(mode) {
  const output = join(root, 'data', `demo-output-${mode.toLowerCase()}`);
  rmSync(output, { recursive: true, force: true });
  const args = ['run', 'examples/wordcount.ts', '--input', corpus, '--output', output, '--parallelism', '2', '--runtime-mode', mode];
  process.stdout.write(`\n$ weir ${args.join(' ')}\n`);
  const started = performance.now();
  const run = spawnSync(join(root, 'bin', 'weir'), args, { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const seconds = (performance.now() - started) / 1000;
  // STREAMING writes running counts (the largest per word is its total); BATCH one final count per word.
  const counts = new Map();
  let lines = 0;
  for (const file of readdirSync(output)) {
    if (file.startsWith('.') || file.startsWith('_')) continue;
    for (const line of readFileSync(join(output, file), 'utf8').split('\n')) {
      if (!line) continue;
      lines++;
      const tab = line.lastIndexOf('\t');
      const word = line.slice(0, tab);
      const count = Number(line.slice(tab + 1));
      if (count > (counts.get(word) ?? 0)) counts.set(word, count);
    }
  }
  return { counts, lines, seconds };
}

const streaming = wordcount('STREAMING');
const batch = wordcount('BATCH');
const same = streaming.counts.size === batch.counts.size && [...batch.counts].every(([w, n]) => streaming.counts.get(w) === n);
process.stdout.write(`\n             lines written   distinct words   wall time\n`);
process.stdout.write(`  STREAMING  ${String(streaming.lines).padStart(13)}   ${String(streaming.counts.size).padStart(14)}   ${streaming.seconds.toFixed(1)} s  (running counts)\n`);
process.stdout.write(`  BATCH      ${String(batch.lines).padStart(13)}   ${String(batch.counts.size).padStart(14)}   ${batch.seconds.toFixed(1)} s  (final counts)\n`);
process.stdout.write(`  final counts ${same ? 'equal' : 'DIFFER'} between the modes\n`);
const top = [...batch.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
process.stdout.write(`\ntop 10 of ${batch.counts.size} distinct words:\n`);
for (const [word, count] of top) process.stdout.write(`  ${word.padEnd(16)} ${count}\n`);
if (!same) process.exit(1);
