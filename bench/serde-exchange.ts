// Micro-benchmark of the keyBy exchange's codec path for word-count records: BatchEncoder.addMany of
// [word, 1] tuples in runs of 64 with a key-group column, finish, then decodeBatch into a DecodeScratch,
// as a record writer and a task do. Times encode and decode apart, ns a record.
//
//   npx esbuild bench/serde-exchange.ts --bundle --platform=node --format=esm --outfile=/tmp/serde-exchange.mjs
//   node /tmp/serde-exchange.mjs
// Bundled as `weir run` bundles a job: under tsx every imported constant is a getter call, which distorts the timings.

import assert from 'node:assert/strict';
import { BatchEncoder, DecodeScratch, decodeBatch } from '../src/serde/index.ts';
import { xorshift32 } from './xorshift.ts';

const BATCH = 1024;
const BATCHES = 2000;
const ROUNDS = 7;
const RUN = 64;

/** Words of 2–9 letters like the bench corpus's, ~3 % of them with a non-ASCII letter. */
function makeWords(n: number): string[] {
  const random = xorshift32();
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const length = 2 + Math.floor(random() * 8);
    let word = '';
    for (let c = 0; c < length; c++) word += String.fromCharCode(97 + Math.floor(random() * 26));
    if (random() < 0.03) word = `${word.slice(0, 2)}ï${word.slice(3)}`;
    words.push(word);
  }
  return words;
}

const words = makeWords(BATCH * 64);
const keyGroups = new Int32Array(BATCH);
for (let i = 0; i < BATCH; i++) keyGroups[i] = (i * 7919) & 127;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

let spare: ArrayBufferLike | undefined;
const encoder = new BatchEncoder(() => spare);
const scratch = new DecodeScratch();
const run: unknown[] = new Array(RUN).fill(undefined);
let sink = 0;
const encodeNs: number[] = [];
const decodeNs: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  let enc = 0n;
  let dec = 0n;
  for (let b = 0; b < BATCHES; b++) {
    const base = (b & 63) * BATCH;
    // The tuples are made outside the timed part (the tokenizer makes them in the job).
    const tuples: [string, number][] = [];
    for (let i = 0; i < BATCH; i++) tuples.push([words[base + i]!, 1]);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i += RUN) {
      for (let r = 0; r < RUN; r++) run[r] = tuples[i + r];
      encoder.addMany(run, RUN);
    }
    const buffer = encoder.finish(BATCH, keyGroups, null);
    const t1 = process.hrtime.bigint();
    const decoded = decodeBatch(buffer, scratch);
    const records = decoded.records as [string, number][];
    for (let i = 0; i < BATCH; i++) sink += records[i]![0].length + records[i]![1];
    const t2 = process.hrtime.bigint();
    spare = buffer;
    enc += t1 - t0;
    dec += t2 - t1;
  }
  if (round === 0) continue; // warm-up
  encodeNs.push(Number(enc) / (BATCHES * BATCH));
  decodeNs.push(Number(dec) / (BATCHES * BATCH));
}

// Correctness after timing.
{
  const tuples: [string, number][] = words.slice(0, BATCH).map((w) => [w, 1]);
  encoder.addMany(tuples, BATCH);
  const decoded = decodeBatch(encoder.finish(BATCH, keyGroups, null));
  assert.deepStrictEqual(decoded.records, tuples);
  assert.deepStrictEqual(Array.from(decoded.keyGroups!), Array.from(keyGroups));
}
assert.ok(sink > 0);
const fmt = (values: number[]): string => `${median(values).toFixed(1)} ns (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
console.log(`exchange codec, [word, 1] tuples, ${BATCH}-record buffers with key groups, runs of ${RUN}, median of ${ROUNDS} rounds (range), a record:`);
console.log(`  encode (addMany + finish) ${fmt(encodeNs)}`);
console.log(`  decode (decodeBatch + reading the fields) ${fmt(decodeNs)}`);
