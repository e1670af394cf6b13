// Prints the top functions by self time of a V8 .cpuprofile (from `node --cpu-prof`).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [top=10]
//
// Self time per profile node is the sum of the sample intervals it was on top of the stack for;
// nodes of the same function (name, script, line) are merged. Script paths are shortened to
// their file name; bundled code (weir run) shows the bundle's line, not the source line.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(1);
}
const top = Number(topArg ?? 10);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
// timeDeltas[i] is the time from sample i-1 to sample i: charge it to the function on top at sample i-1.
for (let i = 1; i < profile.samples.length; i++) {
  const id = profile.samples[i - 1];
  selfUs.set(id, (selfUs.get(id) ?? 0) + profile.timeDeltas[i]);
}
let total = 0;
const byFunction = new Map();
for (const [id, us] of selfUs) {
  total += us;
  const f = byId.get(id).callFrame;
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'}\t${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
process.stdout.write(`total sampled: ${(total / 1e6).toFixed(2)} s\n`);
for (const [key, us] of rows) {
  const [name, where] = key.split('\t');
  process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${name.padEnd(40)} ${where}\n`);
}
