// Engine-cost baseline: the hand-written loop doing what bench/jobs/engine-cost.ts does, in one fresh process.
//
//   node bench/baseline-engine.mjs <records>
//
// Same three functions as the job (generate i → i, map x → x + 1, filter (x & 1) === 0 || true),
// called through variables as the engine calls them, and a sink that counts. Prints one JSON line:
// records, passed (so the loop cannot be optimised away), in-process seconds and records/s.

const records = Number(process.argv[2]);
if (!Number.isInteger(records) || records < 1) {
  process.stderr.write('usage: node bench/baseline-engine.mjs <records>\n');
  process.exit(1);
}

const generate = (i) => i;
const map = (x) => x + 1;
const filter = (x) => (x & 1) === 0 || true;
let passed = 0;
let last = 0;
const sink = (x) => { passed++; last = x; };

const started = performance.now();
for (let i = 0; i < records; i++) {
  const x = map(generate(i));
  if (filter(x)) sink(x);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ records, passed, last, seconds, recordsPerSecond: records / seconds })}\n`);
