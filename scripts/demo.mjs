// `npm start`: generates a corpus if missing, runs examples/wordcount.ts at parallelism 2, prints the top 10 words.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './gen-corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, 'data', 'demo-corpus');
const output = join(root, 'data', 'demo-output');

if (!existsSync(corpus)) {
  const n = generateCorpus(corpus, 2_000_000, 4);
  process.stdout.write(`generated a corpus of ${n} words in ${corpus}\n`);
}
rmSync(output, { recursive: true, force: true });

const args = ['run', 'examples/wordcount.ts', '--input', corpus, '--output', output, '--parallelism', '2'];
process.stdout.write(`$ weir ${args.join(' ')}\n`);
const run = spawnSync(join(root, 'bin', 'weir'), args, { cwd: root, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

// Running counts: the largest count written for a word is its total.
const counts = new Map();
for (const file of readdirSync(output)) {
  if (file.startsWith('.') || file.startsWith('_')) continue;
  for (const line of readFileSync(join(output, file), 'utf8').split('\n')) {
    if (!line) continue;
    const tab = line.lastIndexOf('\t');
    const word = line.slice(0, tab);
    const count = Number(line.slice(tab + 1));
    if (count > (counts.get(word) ?? 0)) counts.set(word, count);
  }
}
const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
process.stdout.write(`\ntop 10 of ${counts.size} distinct words:\n`);
for (const [word, count] of top) process.stdout.write(`  ${word.padEnd(16)} ${count}\n`);
