// Benchmark of the batch codec: 1M [word, count] tuples in batches of 1,024, typed codec vs v8.serialize vs JSON.

import { deserialize, serialize } from 'node:v8';
import assert from 'node:assert/strict';
import { decodeBatch, encodeBatch } from '../src/serde/index.ts';
import { xorshift32 } from './xorshift.ts';

const RECORDS = 1_000_000;
const BATCH = 1024;
const ROUNDS = 5;

/** Deterministic words of 3–10 lowercase letters, so runs compare. */
function makeBatches(): [string, number][][] {
  const random = xorshift32();
  const batches: [string, number][][] = [];
  for (let done = 0; done < RECORDS; done += BATCH) {
    const batch: [string, number][] = [];
    for (let i = 0; i < Math.min(BATCH, RECORDS - done); i++) {
      let word = '';
      const length = 3 + Math.floor(random() * 8);
      for (let c = 0; c < length; c++) word += String.fromCharCode(97 + Math.floor(random() * 26));
      batch.push([word, Math.floor(random() * 1000)]);
    }
    batches.push(batch);
  }
  return batches;
}

interface Codec {
  name: string;
  /** Encodes and decodes every batch; returns a checksum so nothing is optimised away. */
  run(batches: [string, number][][]): number;
}

const typed: Codec = {
  name: 'typed codec',
  run(batches) {
    let scratch: ArrayBuffer | undefined;
    let sum = 0;
    for (const batch of batches) {
      const buffer = encodeBatch(batch, batch.length, null, scratch);
      const { records } = decodeBatch(buffer);
      sum += records.length;
      scratch = buffer; // the consumer hands the buffer back as its credit
    }
    return sum;
  },
};

const v8: Codec = {
  name: 'v8.serialize',
  run(batches) {
    let sum = 0;
    for (const batch of batches) sum += (deserialize(serialize(batch)) as unknown[]).length;
    return sum;
  },
};

const json: Codec = {
  name: 'JSON',
  run(batches) {
    let sum = 0;
    for (const batch of batches) sum += (JSON.parse(JSON.stringify(batch)) as unknown[]).length;
    return sum;
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const batches = makeBatches();
const codecs = [typed, v8, json];
const rates = new Map<string, number[]>(codecs.map((c) => [c.name, []]));
for (const codec of codecs) codec.run(batches.slice(0, 50)); // warm up
for (let round = 0; round < ROUNDS; round++) {
  for (const codec of codecs) {
    const start = process.hrtime.bigint();
    const sum = codec.run(batches);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    assert.equal(sum, RECORDS);
    rates.get(codec.name)!.push(RECORDS / seconds);
  }
}

// Correctness after timing: every batch comes back equal.
for (const batch of batches.slice(0, 20)) assert.deepStrictEqual(decodeBatch(encodeBatch(batch, batch.length, null)).records, batch);

const fmt = (rate: number): string => `${(rate / 1e6).toFixed(2)} M records/s`;
console.log(`encode+decode of ${RECORDS.toLocaleString('en')} [string, number] tuples, batches of ${BATCH}, median of ${ROUNDS} interleaved rounds (range)`);
for (const codec of codecs) {
  const values = rates.get(codec.name)!;
  console.log(`  ${codec.name.padEnd(14)} ${fmt(median(values))}  (${fmt(Math.min(...values))} – ${fmt(Math.max(...values))})`);
}
const typedRate = median(rates.get(typed.name)!);
console.log(`  typed / v8   = ${(typedRate / median(rates.get(v8.name)!)).toFixed(2)}×`);
console.log(`  typed / JSON = ${(typedRate / median(rates.get(json.name)!)).toFixed(2)}×`);
