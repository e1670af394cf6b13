// The BATCH combiner: pre-aggregation per key before a keyBy into reduce/sum/min/max/minBy/maxBy; results equal to STREAMING's final values and to running without it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment, type RuntimeMode } from '../index.ts';
import type { Output } from '../runtime/operator.ts';
import { CombiningOutput, combinerKeys } from './combiner.ts';
import { parseRunArgs } from '../cli/options.ts';

type Word = [string, number];

function collector(): { out: Output; records: unknown[]; timestamps: number[]; element: { timestamp: number } } {
  const element = { timestamp: Number.NaN };
  const records: unknown[] = [];
  const timestamps: number[] = [];
  return { element, records, timestamps, out: { collect: (r) => { records.push(r); timestamps.push(element.timestamp); }, emitWatermark() {}, emitWatermarkStatus() {} } };
}

const OPERATOR = { name: 'Count', uid: 'count', subtaskIndex: 0, parallelism: 1 };

test('sum: one partial per key at the end, the other fields from the key\'s first record, the timestamp of its last; inputs are not mutated', () => {
  const c = collector();
  const comb = new CombiningOutput(c.out, { spec: { kind: 'aggregate', aggregation: 'sum', field: 1 }, key: (r) => (r as unknown[])[0] as string, producerName: 'Tokenize', operator: OPERATOR, maxKeys: 100, element: c.element });
  const input: [string, number, string][] = [['a', 1, 'first a'], ['b', 2, 'first b'], ['a', 3, 'second a'], ['a', 5, 'third a']];
  input.forEach((r, i) => { c.element.timestamp = i === 3 ? Number.NaN : 10 * i; comb.collect(r); });
  assert.equal(c.records.length, 0, 'nothing leaves before the end');
  comb.finish();
  assert.deepEqual(c.records, [['a', 9, 'first a'], ['b', 2, 'first b']]);
  assert.deepEqual(c.timestamps, [20, 10], 'a: its last record with a timestamp (the third had none)');
  assert.deepEqual(input[0], ['a', 1, 'first a']);
  assert.equal(comb.recordsIn, 4);
  assert.equal(comb.recordsOut, 2);
});

test('past its key budget the combiner sends what it holds; mostly distinct keys turn it into a pass-through', () => {
  const c = collector();
  const comb = new CombiningOutput(c.out, { spec: { kind: 'aggregate', aggregation: 'max', field: 'v' }, key: (r) => (r as { k: number }).k, producerName: 'P', operator: OPERATOR, maxKeys: 4, element: c.element });
  // Runs of 3 records per key, 4 keys: the map fills (4 keys) every ~10 records and is sent.
  const input = Array.from({ length: 24 }, (_, i) => ({ k: Math.floor(i / 3) % 4, v: i }));
  for (const r of input) comb.collect(r);
  assert.equal(c.records.length, 8, 'two flushes of 4 partials while records come');
  assert.equal(comb.passingThrough, false, 'about 2.5 records per key were folded: combining pays');
  comb.finish();
  assert.ok(c.records.length < 24, `${c.records.length} partials for 24 records`);
  const max = new Map<number, number>();
  for (const r of c.records as { k: number; v: number }[]) max.set(r.k, Math.max(max.get(r.k) ?? -1, r.v));
  assert.deepEqual([...max].sort(), [[0, 14], [1, 17], [2, 20], [3, 23]], 'the max of the partials is the max of the records');
  const d = collector();
  const distinct = new CombiningOutput(d.out, { spec: { kind: 'reduce', fn: (a, b) => ({ k: (a as { k: number }).k, v: (a as { v: number }).v + (b as { v: number }).v }) }, key: (r) => (r as { k: number }).k, producerName: 'P', operator: OPERATOR, maxKeys: 4, element: d.element });
  for (let i = 0; i < 20; i++) distinct.collect({ k: i, v: 1 });
  assert.equal(distinct.passingThrough, true);
  assert.equal(d.records.length, 20, 'every record went on, none held');
  assert.equal(combinerKeys(64 * 1024 * 1024), 65536);
});

function env(mode: RuntimeMode, combine = true): StreamExecutionEnvironment {
  const e = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  return e.setRuntimeMode(mode).configureBatch({ combine });
}

const WORDS: Word[] = Array.from({ length: 4000 }, (_, i) => [`w${(i * 7919) % 61}`, 1 + (i % 4)]);

test('p=2 BATCH word sums: the keyed count receives partials, not every word; the counts equal those without the combiner and STREAMING\'s last', async () => {
  const sums = async (mode: RuntimeMode, combine: boolean): Promise<Map<string, number>> => {
    const out = await env(mode, combine).fromCollection(WORDS).rebalance().map((w: Word) => w).name('Copy').keyBy(0).sum(1).name('Count').executeAndCollect();
    const m = new Map<string, number>();
    for (const [w, n] of out) m.set(w, n);
    return m;
  };
  const combined = await sums('BATCH', true);
  assert.equal(combined.size, 61);
  assert.deepEqual(combined, await sums('BATCH', false));
  assert.deepEqual(combined, await sums('STREAMING', true), 'STREAMING\'s last running count per word');
  const recordsIntoCount = async (combine: boolean): Promise<number> => {
    const e = env('BATCH', combine);
    e.fromCollection(WORDS).rebalance().map((w: Word) => w).name('Copy').keyBy(0).sum(1).name('Count').discard();
    return (await e.execute('count-inputs')).recordsIn['Count -> Discard']!;
  };
  assert.equal(await recordsIntoCount(false), WORDS.length);
  const partials = await recordsIntoCount(true);
  assert.ok(partials <= 2 * 61, `partials into Count: ${partials} (at most one per word and Copy subtask)`);
});

test('a reduce whose result has another key, and a sum over the key\'s own field: equal to STREAMING\'s final values (the combiner never sends a partial under a moved key)', async () => {
  const numbers = Array.from({ length: 3000 }, (_, i) => i);
  const reduceRun = async (mode: RuntimeMode): Promise<number[]> => env(mode).fromCollection(numbers).rebalance().keyBy((n: number) => n % 7).reduce((a, b) => a + b).executeAndCollect();
  const expected = new Map<number, number>();
  for (const n of numbers) expected.set(n % 7, (expected.get(n % 7) ?? 0) + n);
  const batch = (await reduceRun('BATCH')).sort((a, b) => a - b);
  assert.deepEqual(batch, [...expected.values()].sort((a, b) => a - b), 'one sum per residue, whatever residue the sum itself has');
  // The key reads the summed field: a partial past 4 would have another key, so the combiner sends partials of at most 4.
  const data: [string, number][] = Array.from({ length: 2000 }, (_, i) => [i % 2 === 0 ? 'x' : 'y', 1]);
  const sumRun = async (mode: RuntimeMode): Promise<[string, number][]> => env(mode).fromCollection(data).rebalance().keyBy((r: [string, number]) => (r[1] < 5 ? `small-${r[0]}` : `big-${r[0]}`)).sum(1).executeAndCollect();
  const batchSums = (await sumRun('BATCH')).map((r) => r[1]).sort((a, b) => a - b);
  // As STREAMING: the state stays with the key of the records ('small-x', 'small-y'), each summing its 1000 records.
  const streaming = await sumRun('STREAMING');
  assert.deepEqual(streaming.filter((r) => r[1] === 1000).length, 2);
  assert.deepEqual(batchSums, [1000, 1000]);
});

test('a reduce that changes the key of its accumulator in place fails with a clear error; with combine off it runs', async () => {
  type R = { k: number; v: number };
  const data: R[] = Array.from({ length: 200 }, (_, i) => ({ k: i % 3, v: 1 }));
  const job = (combine: boolean) => env('BATCH', combine).fromCollection(data).rebalance().map((r: R) => ({ ...r })).keyBy((r: R) => r.k).reduce((a: R, b: R) => { a.k += b.v; return a; }).executeAndCollect();
  await assert.rejects(job(true), (e: Error) => /WEIR_COMBINE_KEY|changed the key of the value it was given in place/.test(`${(e as { code?: string }).code} ${e.message}`) && /configureBatch\(\{ combine: false \}\)/.test(e.message));
  const out = await job(false);
  assert.equal(out.length, 3);
});

test('a bad field met by the combiner names the aggregation operator, as without it', async () => {
  const data = [{ k: 'a', v: 1 }, { k: 'a', v: 'x' }] as unknown as { k: string; v: number }[];
  const run = (combine: boolean) => env('BATCH', combine).fromCollection(data).rebalance().keyBy((r) => r.k).sum('v').name('Sum v').executeAndCollect();
  await assert.rejects(run(true), /operator "Sum v".*field "v" of record .* is a string, not a number/s);
  await assert.rejects(run(false), /operator "Sum v".*field "v" of record .* is a string, not a number/s);
});

test('--batch-combine on|off and configureBatch({ combine }) set it; wrong values are refused, naming the setting', () => {
  assert.deepEqual(parseRunArgs(['job.ts', '--batch-combine', 'off']).defaults.batch, { combine: false });
  assert.deepEqual(parseRunArgs(['job.ts', '--batch-combine', 'on']).defaults.batch, { combine: true });
  assert.throws(() => parseRunArgs(['job.ts', '--batch-combine', 'maybe']), /--batch-combine must be on or off, got "maybe"/);
  assert.throws(() => StreamExecutionEnvironment.getExecutionEnvironment().configureBatch({ combine: 'yes' as unknown as boolean }), /combine must be a boolean/);
});

test('a reduce returning undefined clears the key\'s partial, as the keyed operator clears its state', () => {
  const c = collector();
  const comb = new CombiningOutput(c.out, { spec: { kind: 'reduce', fn: (a, b) => ((b as { v: number }).v === 0 ? undefined : { k: 'a', v: (a as { v: number }).v + (b as { v: number }).v }) }, key: (r) => (r as { k: string }).k, producerName: 'P', operator: OPERATOR, maxKeys: 100, element: c.element });
  for (const v of [1, 2, 0, 5, 6]) comb.collect({ k: 'a', v });
  comb.finish();
  assert.deepEqual(c.records, [{ k: 'a', v: 11 }]);
});
