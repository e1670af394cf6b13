// Keyed-work baseline: the hand-written loop doing bench/jobs/keyed-work.ts's user work, in one fresh process.
//
//   node bench/baseline-keyed-work.mjs <records> <work>
//
// Calls spin(i, work) for every i (the job's ~1 µs function) and sums the results as the job's counting
// stage does. Prints one JSON line: records, the checksum (so run.mjs can check Weir's), in-process
// seconds, records/s and the cost of one call in µs.

import { spin } from './keyed-work-spin.mjs';

const records = Number(process.argv[2]);
const work = Number(process.argv[3]);
if (!Number.isInteger(records) || records < 1 || !Number.isInteger(work) || work < 0) {
  process.stderr.write('usage: node bench/baseline-keyed-work.mjs <records> <work>\n');
  process.exit(1);
}
const started = performance.now();
let checksum = 0;
for (let i = 0; i < records; i++) checksum = (checksum + spin(i, work)) | 0;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ records, checksum, seconds, recordsPerSecond: records / seconds, microsPerCall: (seconds * 1e6) / records })}\n`);
